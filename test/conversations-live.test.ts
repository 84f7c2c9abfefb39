import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { serve } from '@hono/node-server';
import WebSocket from 'ws';
import { createNativeServer } from '../src/server.ts';
import { attachConversationSockets } from '../src/surfaces/tavus/conversations-socket.ts';
import { backends } from './helpers/backends.ts';
import {
  createConversation,
  type Env,
  EventReader,
  interaction,
  utterance,
} from './helpers/conversations.ts';
import { createHarness, describeEachBackend, type Harness } from './helpers/harness.ts';

/**
 * The live protocol over the WebSocket (the `ws` client, as an application would), the chat page and its
 * capability (the URL, plus the meeting token with require_auth), and, on PostgreSQL, two instances on
 * one store: a client on one sees, in order, what was posted to the other.
 */

async function serveWithSockets(h: Pick<Harness, 'app' | 'services'>) {
  const server = serve({
    fetch: h.app.fetch,
    createServer: createNativeServer(h.services),
    port: 0,
    hostname: '127.0.0.1',
  });
  await new Promise<void>((r) => server.once('listening', () => r()));
  const wss = attachConversationSockets(server as Server, h.services);
  return {
    url: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

class SocketClient {
  readonly events: Env[] = [];
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<number>;
  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url, { headers });
    this.ws.on('message', (d) => this.events.push(JSON.parse(String(d))));
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.ws.once('close', (code) => resolve(code)));
  }
  send(msg: unknown) {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }
  async waitFor(match: (e: Env) => boolean, what: string): Promise<Env> {
    for (let i = 0; i < 200; i++) {
      const found = this.events.find(match);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no ${what}; got ${this.events.map((e) => e.event_type).join(', ')}`);
  }
}

describeEachBackend('Tavus conversations over WebSocket and the chat page', (h) => {
  let srv: Awaited<ReturnType<typeof serveWithSockets>>;
  before(async () => {
    srv = await serveWithSockets(h());
  });
  after(() => srv.close());

  test('the whole lifecycle through the ws client: greeting, respond, malformed input, end closes the socket', async () => {
    const a = await h().newAccount();
    const c = await createConversation(h, a, { custom_greeting: 'Hi, ask me.' });
    const id = c.conversation_id;
    const client = new SocketClient(`ws://${srv.url}/v2/conversations/${id}/ws`, a.auth);
    await client.opened;
    await client.waitFor(utterance('replica'), 'greeting');
    client.send('not json');
    const err = await client.waitFor((e) => e.event_type === 'system.error', 'error event');
    assert.match(err.properties.message, /JSON/);
    client.send(interaction(id, 'conversation.nope'));
    await client.waitFor(
      (e) => e.event_type === 'system.error' && /unknown event_type/.test(e.properties.message),
      'unknown type',
    );
    client.send(interaction(id, 'conversation.respond', { text: 'Tell me something.' }));
    const user = await client.waitFor(utterance('user'), 'user utterance');
    assert.equal(user.properties.speech, 'Tell me something.');
    await client.waitFor((e) => e.event_type === 'conversation.replica.stopped_speaking', 'answer end');
    assert.equal(client.events.filter(utterance('replica')).length, 2);
    const seqs = client.events.filter((e) => e.seq !== undefined).map((e) => e.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((x, y) => x - y),
    );
    assert.equal((await h().request('POST', `/v2/conversations/${id}/end`, { account: a })).status, 200);
    await client.waitFor((e) => e.event_type === 'system.shutdown', 'shutdown');
    assert.equal(await client.closed, 1000);
    // A socket opened on the ended conversation replays its log from ?seq and closes.
    const late = new SocketClient(`ws://${srv.url}/v2/conversations/${id}/ws?seq=${user.seq}`, a.auth);
    assert.equal(await late.closed, 1000);
    assert.equal(late.events[0]?.seq, user.seq + 1);
    assert.equal(late.events.at(-1)?.event_type, 'system.shutdown');
  });

  test("the socket refuses a missing key and another account's conversation", async () => {
    const a = await h().newAccount();
    const b = await h().newAccount();
    const c = await createConversation(h, a);
    await assert.rejects(
      new SocketClient(`ws://${srv.url}/v2/conversations/${c.conversation_id}/ws`).opened,
      /HTTP 401/,
    );
    await assert.rejects(
      new SocketClient(`ws://${srv.url}/v2/conversations/${c.conversation_id}/ws`, b.auth).opened,
      /HTTP 404/,
    );
  });

  test('the chat page: offline, strict CSP; require_auth needs the meeting token on the page and its socket', async () => {
    const a = await h().newAccount();
    const open = await createConversation(h, a);
    const page = await fetch(open.conversation_url.replace(/^http:\/\/[^/]+/, `http://${srv.url}`));
    assert.equal(page.status, 200);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    const html = await page.text();
    assert.doesNotMatch(html, /https?:\/\//, 'no external assets');
    const priv = await createConversation(h, a, { require_auth: true });
    const path = `/c/${priv.conversation_id}`;
    assert.equal((await fetch(`http://${srv.url}${path}`)).status, 401);
    assert.equal((await fetch(`http://${srv.url}${path}?t=wrong`)).status, 401);
    assert.equal((await fetch(`http://${srv.url}${path}?t=${priv.meeting_token}`)).status, 200);
    await assert.rejects(new SocketClient(`ws://${srv.url}${path}/ws?t=wrong`).opened, /HTTP 401/);
    const ok = new SocketClient(`ws://${srv.url}${path}/ws?t=${priv.meeting_token}`);
    await ok.opened;
    ok.send(interaction(priv.conversation_id, 'conversation.respond', { text: 'From the page.' }));
    await ok.waitFor(utterance('user'), 'user utterance');
    ok.ws.close();
    // The page's HTTP endpoints take the same capability.
    const posted = await fetch(`http://${srv.url}${path}/events?t=${priv.meeting_token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(interaction(priv.conversation_id, 'conversation.echo', { text: 'echo' })),
    });
    assert.equal(posted.status, 200);
    const refused = await fetch(`http://${srv.url}${path}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(interaction(priv.conversation_id, 'conversation.echo', { text: 'echo' })),
    });
    assert.equal(refused.status, 401);
    // The page parses its own body: a NUL is refused there too (PostgreSQL text cannot hold one).
    const nul = await fetch(`http://${srv.url}${path}/events?t=${priv.meeting_token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        interaction(priv.conversation_id, 'conversation.overwrite_llm_context', { context: 'a\u0000b' }),
      ),
    });
    assert.equal(nul.status, 400);
    const bad = await fetch(`http://${srv.url}${path}/events?t=${priv.meeting_token}`, {
      method: 'POST',
      body: '{nope',
    });
    assert.equal(bad.status, 400);
  });
});

const pg = backends.find((b) => b.backend.name === 'postgres');
test('two instances on one PostgreSQL deliver one ordered stream', { skip: pg?.skip || false }, async () => {
  if (!pg) return;
  const one = await createHarness(pg.backend);
  const url = new URL(one.services.config.DATABASE_URL);
  const two = await createHarness({
    name: 'postgres',
    fresh: async () => ({ url: url.toString(), drop: async () => {} }),
  });
  const s1 = await serveWithSockets(one);
  try {
    const a = await one.newAccount();
    const c = await createConversation(() => one, a);
    const id = c.conversation_id;
    const reader = new EventReader(`http://${s1.url}/v2/conversations/${id}/events`, a.auth);
    for (let i = 0; i < 3; i++) {
      const r = await two.request('POST', `/v2/conversations/${id}/events`, {
        account: a,
        json: interaction(id, 'conversation.echo', { text: `line ${i}` }),
      });
      assert.equal(r.status, 200, r.text);
    }
    await reader.waitFor((e) => e.properties?.speech === 'line 2', 'last echo');
    assert.deepEqual(
      reader.events.filter(utterance('replica')).map((e) => e.properties.speech),
      ['line 0', 'line 1', 'line 2'],
    );
    const seqs = reader.events.map((e) => e.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((x, y) => x - y),
    );
    reader.close();
  } finally {
    await s1.close();
    await two.close();
    await one.close();
  }
});
