import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  raw: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies
  body: any;
}

/** A task the fake started: its two clips complete on the second poll. */
interface FakeTask {
  polls: number;
  clipIds: [string, string];
  title: string;
  tags: string;
  prompt: string;
}

/**
 * A Suno-compatible upstream on 127.0.0.1 that records every request, speaking the Suno proxies' wire
 * format: POST /suno/persona/create/ answers the seed's persona object with a new upstream `id` (a
 * `name` of "upstream-fail" gets a 500); GET /suno/fetch/{task_id} answers
 * {code, data: {task_id, status, data: [clips]}}, the clips "streaming" on the first poll and "complete"
 * from the second (an unknown task is a 404). For generation the request's `title` picks the answer, so
 * tests need no shared mutable mode: fail-500, bad-json, reject-400, reject-402, rate-429, hang (never
 * answers), reset (drops the connection unanswered), slow (answers after 60 ms), huge (a 5 MiB 200), deep
 * (a 200 nested 100 levels), rate-429-echo (a 429 quoting the Authorization header in its body and
 * retry-after), echo-key (a 200 quoting
 * the Authorization header it got, in the body and a header); anything else gets
 * 200 {code: "success", data: {task_id}} and starts a task.
 */
export async function startFakeSunoUpstream() {
  const received: Received[] = [];
  const tasks = new Map<string, FakeTask>();
  const personas: string[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      // biome-ignore lint/suspicious/noExplicitAny: the request body is arbitrary JSON
      let body: any;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, raw, body });
      const title = (body as { title?: unknown } | undefined)?.title;
      const send = (status: number, payload: string, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(payload);
      };
      const url = req.url ?? '';
      if (req.method === 'POST' && url.startsWith('/suno/persona/create')) {
        if (body?.name === 'upstream-fail') return send(500, JSON.stringify({ error: 'persona store down' }));
        const id = randomUUID();
        personas.push(id);
        return send(200, JSON.stringify(personaAnswer(id, body)));
      }
      if (req.method === 'GET' && url.startsWith('/suno/fetch/')) {
        const taskId = decodeURIComponent(url.slice('/suno/fetch/'.length));
        const task = tasks.get(taskId);
        if (!task) return send(404, JSON.stringify({ code: 404, message: 'task not found' }));
        task.polls++;
        return send(200, JSON.stringify(taskAnswer(taskId, task)));
      }
      if (title === 'huge') {
        return send(
          200,
          JSON.stringify({ code: 'success', data: { task_id: 't', pad: 'x'.repeat(5 << 20) } }),
        );
      }
      if (title === 'deep') return send(200, `${'{"a":'.repeat(100)}1${'}'.repeat(100)}`);
      if (title === 'rate-429-echo') {
        const auth = String(req.headers.authorization);
        return send(429, JSON.stringify({ detail: `slow down, ${auth}` }), { 'retry-after': auth });
      }
      if (title === 'echo-key') {
        const auth = String(req.headers.authorization);
        return send(
          200,
          JSON.stringify({ code: 'success', data: { task_id: `t-${randomUUID()}`, note: auth } }),
          {
            'x-upstream-key': auth,
            'retry-after': auth,
          },
        );
      }
      if (title === 'hang') return;
      if (title === 'reset') return req.socket.destroy();
      if (title === 'fail-500') return send(500, JSON.stringify({ error: 'internal upstream secret trace' }));
      if (title === 'bad-json') return send(200, '<html>oops</html>');
      if (title === 'reject-400')
        return send(400, JSON.stringify({ code: 400, message: 'mv is not supported' }));
      if (title === 'reject-402') return send(402, JSON.stringify({ msg: 'insufficient credits' }));
      if (title === 'rate-429')
        return send(429, JSON.stringify({ detail: 'slow down' }), { 'retry-after': '7' });
      const taskId = `task-${randomUUID()}`;
      tasks.set(taskId, {
        polls: 0,
        clipIds: [randomUUID(), randomUUID()],
        title: typeof title === 'string' ? title : '',
        tags: typeof body?.tags === 'string' ? body.tags : '',
        prompt: typeof body?.prompt === 'string' ? body.prompt : '',
      });
      const ok = JSON.stringify({ code: 'success', data: { task_id: taskId } });
      if (title === 'slow') return void setTimeout(() => send(200, ok), 60);
      send(200, ok);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    /** Upstream persona ids this fake created, in order. */
    personas,
    /** The task a generation request with this prompt started. */
    taskOf: (prompt: string) => [...tasks.entries()].find(([, t]) => t.prompt === prompt),
    /** The request whose body carries this prompt (each test uses its own). */
    find: (prompt: string) => received.find((r) => r.body?.prompt === prompt),
    /** Closes idle keep-alive connections (leak checks count sockets with no pool noise). */
    closeIdle: () => server.closeIdleConnections(),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port with nothing listening: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

// biome-ignore lint/suspicious/noExplicitAny: the request body is arbitrary JSON
function personaAnswer(id: string, body: any) {
  const clip = (clipId: string) => ({
    id: clipId,
    status: 'complete',
    audio_url: `https://cdn1.suno.ai/${clipId}.mp3`,
  });
  return {
    id,
    name: body?.name,
    description: body?.description,
    root_clip_id: body?.root_clip_id,
    clip: clip(String(body?.root_clip_id)),
    user_display_name: 'Operator',
    user_handle: 'operator',
    user_image_url: '',
    persona_clips: (Array.isArray(body?.clips) ? body.clips : []).map((c: string, i: number) => ({
      clip: clip(c),
      id: 1000 + i,
    })),
  };
}

function taskAnswer(taskId: string, task: FakeTask) {
  const done = task.polls >= 2;
  return {
    code: 'success',
    message: '',
    data: {
      task_id: taskId,
      action: 'MUSIC',
      status: done ? 'SUCCESS' : 'IN_PROGRESS',
      progress: done ? '100%' : '50%',
      data: task.clipIds.map((id, i) => ({
        id,
        title: task.title,
        status: done ? 'complete' : 'streaming',
        audio_url: done ? `https://cdn1.suno.ai/${id}.mp3` : `https://audiopipe.suno.ai/?item_id=${id}`,
        image_url: `https://cdn2.suno.ai/image_${id}.jpeg`,
        video_url: '',
        image_large_url: '',
        model_name: 'chirp-v4',
        major_model_version: 'v4',
        metadata: { tags: task.tags, prompt: task.prompt, duration: done ? 180 + i : null, type: 'gen' },
        created_at: '2026-01-01T00:00:00.000Z',
        is_public: false,
      })),
    },
  };
}
