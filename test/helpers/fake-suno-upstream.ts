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

/**
 * A Suno-compatible upstream on 127.0.0.1 that records every request. The request's `title` picks the
 * answer, so tests need no shared mutable mode: fail-500, bad-json, reject-400, reject-402, rate-429,
 * hang (never answers), reset (drops the connection unanswered), slow (answers after 60 ms); anything else
 * gets 200 {code: "success", data: {task_id}}.
 */
export async function startFakeSunoUpstream() {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      let body: unknown;
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
      if (title === 'hang') return;
      if (title === 'reset') return req.socket.destroy();
      if (title === 'fail-500') return send(500, JSON.stringify({ error: 'internal upstream secret trace' }));
      if (title === 'bad-json') return send(200, '<html>oops</html>');
      if (title === 'reject-400')
        return send(400, JSON.stringify({ code: 400, message: 'mv is not supported' }));
      if (title === 'reject-402') return send(402, JSON.stringify({ msg: 'insufficient credits' }));
      if (title === 'rate-429')
        return send(429, JSON.stringify({ detail: 'slow down' }), { 'retry-after': '7' });
      const ok = JSON.stringify({ code: 'success', data: { task_id: `task-${received.length}` } });
      if (title === 'slow') return void setTimeout(() => send(200, ok), 60);
      send(200, ok);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
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
