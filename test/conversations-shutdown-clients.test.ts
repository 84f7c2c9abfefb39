import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { type Backend, testOnPersistentStores } from './helpers/backends.ts';
import { createConversation, interaction, SocketClient, serveWithSockets } from './helpers/conversations.ts';
import { createHarness } from './helpers/harness.ts';
import { spawnServer } from './helpers/spawn-server.ts';

/**
 * Stopping the real server process (SIGTERM) with live conversation clients connected: a `ws` client,
 * an SSE client and a raw WebSocket that never answers the close frame. Each gets the events committed
 * before the stop, then a clean end (WebSocket: close code 1001; SSE: the response finishes), and the
 * process exits promptly, far within its drain (it does not wait for clients to hang up). Their leaves
 * are recorded before the store closes, as the shutdown's: after a restart the conversations are active,
 * nobody is counted as connected, and participant_left_timeout counts from the restart, not from the
 * shutdown — a client back within it keeps its conversation; one that never comes back ends it then.
 */

const LEFT_S = 2;
const KEY = 'ab'.repeat(32);

/** Seconds as a bound on a wait, never a speed assertion on its own. */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A WebSocket upgrade done by hand, which then reads everything and answers nothing (no close reply). */
async function silentSocket(base: string, path: string, auth: Record<string, string>) {
  const { hostname, port } = new URL(base);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  let received = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => {
    received = Buffer.concat([received, d]);
  });
  const closed = once(socket, 'close');
  const headers = Object.entries(auth).map(([k, v]) => `${k}: ${v}\r\n`);
  socket.write(
    `GET ${path} HTTP/1.1\r\nhost: ${hostname}:${port}\r\nupgrade: websocket\r\nconnection: Upgrade\r\n` +
      `sec-websocket-key: ${randomBytes(16).toString('base64')}\r\nsec-websocket-version: 13\r\n${headers.join('')}\r\n`,
  );
  return { received: () => received, closed };
}

/** An SSE stream read to its end: rejects if the connection is cut instead of the response finishing. */
async function sseToEnd(url: string, auth: Record<string, string>) {
  const res = await fetch(url, { headers: auth });
  assert.equal(res.status, 200);
  let text = '';
  const decoder = new TextDecoder();
  const ended = (async () => {
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
    }
    return text;
  })();
  return { text: () => text, ended };
}

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

async function stopWithClients(store: Backend) {
  const { url: databaseUrl } = await store.fresh();
  const setup = await createHarness(store, { PERSONAKIT_ENCRYPTION_KEY: KEY });
  const a = await setup.newAccount();
  const props = { properties: { participant_left_timeout: LEFT_S } };
  const gone = (await createConversation(() => setup, a, props)).conversation_id;
  const back = (await createConversation(() => setup, a, props)).conversation_id;
  await setup.close();

  const server = await spawnServer({
    DATABASE_URL: databaseUrl,
    PERSONAKIT_ENCRYPTION_KEY: KEY,
    // A drain far longer than the bound below: a prompt exit cannot be the drain running out.
    PERSONAKIT_SHUTDOWN_TIMEOUT_MS: '30000',
  });
  const wsUrl = server.url.replace('http', 'ws');
  const post = async (id: string, text: string) => {
    const r = await fetch(`${server.url}/v2/conversations/${id}/events`, {
      method: 'POST',
      headers: { ...a.auth, 'content-type': 'application/json' },
      body: JSON.stringify(interaction(id, 'conversation.echo', { text })),
    });
    assert.equal(r.status, 200, await r.text());
  };
  const ws = new SocketClient(`${wsUrl}/v2/conversations/${gone}/ws`, a.auth);
  const wsClosed = new Promise<[number, string]>((resolve) =>
    ws.ws.once('close', (code, reason) => resolve([code, String(reason)])),
  );
  const wsBack = new SocketClient(`${wsUrl}/v2/conversations/${back}/ws`, a.auth);
  await Promise.all([ws.opened, wsBack.opened]);
  const sse = await sseToEnd(`${server.url}/v2/conversations/${gone}/events`, a.auth);
  const silent = await silentSocket(server.url, `/v2/conversations/${gone}/ws`, a.auth);
  // Every client is subscribed (and counted) once it has an event posted after it connected.
  await post(gone, 'marker-connected');
  await post(back, 'marker-connected');
  const has = (text: string) => (e: unknown) => JSON.stringify(e).includes(text);
  await ws.waitFor(has('marker-connected'), 'the first echo');
  await wsBack.waitFor(has('marker-connected'), 'the first echo');
  await waitUntil('the SSE and raw clients to get the first echo', () =>
    [sse.text(), silent.received().toString('latin1')].every((t) => t.includes('marker-connected')),
  );

  // Committed just before the stop: every client must still get it before its end.
  await post(gone, 'marker-last');
  const stopAt = Date.now();
  const exitCode = await server.stop('SIGTERM');
  const stoppedAfterMs = Date.now() - stopAt;
  const [code, reason] = await wsClosed;
  const sseText = await sse.ended;
  await silent.closed;
  return {
    a,
    gone,
    back,
    databaseUrl,
    stoppedAt: Date.now(),
    exitCode,
    stoppedAfterMs,
    ws: { code, reason, events: ws.events },
    sseText,
    silentBytes: silent.received(),
    log: server.stdout(),
  };
}

testOnPersistentStores(
  'at stop, live clients get what was committed, then a clean close (1001); the process exits promptly',
  async (store) => {
    const run = await stopWithClients(store);
    assert.equal(run.exitCode, 0);
    assert.ok(run.stoppedAfterMs < 5000, `exited ${run.stoppedAfterMs} ms after SIGTERM (drain: 30 s)`);
    assert.equal(run.ws.code, 1001, 'going away');
    assert.equal(run.ws.reason, 'server shutting down');
    assert.ok(
      run.ws.events.some((e) => JSON.stringify(e).includes('marker-last')),
      'ws: last event first',
    );
    assert.match(run.sseText, /marker-last/, 'SSE: the last event, then the response finished');
    // The raw client got the event and a close frame with 1001 although it never answered it.
    const bytes = run.silentBytes;
    assert.ok(bytes.includes('marker-last'), 'raw socket: the last event');
    const close = bytes.lastIndexOf(0x88);
    assert.ok(close > 0, 'raw socket: a close frame');
    assert.equal(bytes.readUInt16BE(close + 2), 1001);
    const lines = run.log
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: number; msg: string });
    assert.deepEqual(
      lines.filter((l) => l.level >= 40).map((l) => l.msg),
      [],
      'no warning (nothing written to a closed store, no drain timeout)',
    );
    assert.ok(lines.some((l) => l.msg === 'stopped'));

    // Restarted later than the timeout after the stop: had the leaves started it, it would be overdue.
    await sleep(Math.max(0, run.stoppedAt + LEFT_S * 1000 + 500 - Date.now()));
    const second = await createHarness(store, { PERSONAKIT_ENCRYPTION_KEY: KEY }, { startJobs: true });
    const restartedAt = Date.now();
    const sockets = await serveWithSockets(second);
    try {
      const status = async (id: string) =>
        (await second.request('GET', `/v2/conversations/${id}?verbose=true`, { account: run.a })).body as {
          status: string;
          shutdown_reason?: string;
        };
      const participants = async (id: string) =>
        Number(
          (
            await second.services.db.kysely
              .selectFrom('conversations')
              .select('participants')
              .where('id', '=', id)
              .executeTakeFirstOrThrow()
          ).participants,
        );
      assert.equal(await participants(run.gone), 0, 'the leaves were recorded before the store closed');
      assert.equal(await participants(run.back), 0);
      // One client comes back within the timeout; the other conversation's never do.
      const returning = new SocketClient(`ws://${sockets.url}/v2/conversations/${run.back}/ws`, run.a.auth);
      await returning.opened;
      await sleep(500);
      assert.equal((await status(run.gone)).status, 'active', 'a restart does not end a conversation');
      let ended: { status: string; shutdown_reason?: string } = { status: '' };
      await waitUntil(
        'the abandoned conversation to end',
        async () => {
          ended = await status(run.gone);
          return ended.status === 'ended';
        },
        LEFT_S * 1000 + 10_000,
      );
      const endedAfterMs = Date.now() - restartedAt;
      assert.equal(ended.shutdown_reason, 'participant_left_timeout reached');
      assert.ok(endedAfterMs >= LEFT_S * 1000, `ended ${endedAfterMs} ms after the restart, not before`);
      assert.equal((await status(run.back)).status, 'active', 'its client came back: it goes on');
      returning.ws.close();
      await returning.closed;
    } finally {
      await sockets.close();
      await second.close();
    }
  },
);
