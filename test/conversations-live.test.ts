import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { backends } from './helpers/backends.ts';
import { tavusPersona, textChunks } from './helpers/chat-surface.ts';
import {
  createConversation,
  interaction,
  SocketClient,
  serveWithSockets,
  utterance,
} from './helpers/conversations.ts';
import { sse, startChatFake } from './helpers/fake-chat-upstream.ts';
import { createHarness, describeEachBackend } from './helpers/harness.ts';

/**
 * The live protocol over the WebSocket (the `ws` client, as an application would), the chat page and its
 * capability (the URL, plus the meeting token with require_auth), and, on PostgreSQL, two instances on
 * one store: a client on one sees, in order, what was posted to the other.
 */

const endFake = await startChatFake('openai');
after(() => endFake.close());

describeEachBackend(
  'Tavus conversations over WebSocket and the chat page',
  (h) => {
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
      // Nested past a body's 64 levels (a tool result's output is stored as JSON): refused on the page's
      // POST and on its socket, as on the API, instead of overflowing JSON.stringify (a 500).
      const deep = `{"message_type":"conversation","event_type":"conversation.tool_result","conversation_id":"${priv.conversation_id}","properties":{"tool_call_id":"t1","output":${'['.repeat(6_000)}${']'.repeat(6_000)}}}`;
      const deepPost = await fetch(`http://${srv.url}${path}/events?t=${priv.meeting_token}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: deep,
      });
      assert.equal(deepPost.status, 400, await deepPost.text());
      const sock = new SocketClient(`ws://${srv.url}${path}/ws?t=${priv.meeting_token}`);
      await sock.opened;
      sock.send(deep);
      const refusedDeep = await sock.waitFor((e) => e.event_type === 'system.error', 'the refusal');
      assert.match(refusedDeep.properties.message, /nest/);
      // The socket still serves.
      sock.send(interaction(priv.conversation_id, 'conversation.echo', { text: 'still here' }));
      await sock.waitFor(
        (e) => e.event_type === 'conversation.utterance' && e.properties.speech === 'still here',
        'the echo after the refusal',
      );
      sock.ws.close();
    });

    test('ending while an answer streams stops it (the upstream call is aborted); system.shutdown stays the last event', async () => {
      const a = await h().newAccount();
      const persona = await tavusPersona(h, a, {
        layers: { llm: { model: 'own-model', base_url: `${endFake.origin}/v1`, api_key: endFake.key } },
      });
      const c = await createConversation(h, a, { persona_id: persona.persona_id });
      const id = c.conversation_id;
      const client = new SocketClient(`ws://${srv.url}/v2/conversations/${id}/ws`, a.auth);
      await client.opened;
      endFake.next({ sse: [`data: ${JSON.stringify(textChunks(['Once upon '])[1])}\n\n`], hold: true });
      client.send(interaction(id, 'conversation.respond', { text: 'marker-end-mid-answer' }));
      await client.waitFor(
        (e) => e.event_type === 'conversation.utterance.streaming' && e.properties.speech === 'Once upon ',
        'first delta',
      );
      const upstream = endFake.requests.find((q) => JSON.stringify(q.body).includes('marker-end-mid-answer'));
      assert.ok(upstream);
      assert.equal((await h().request('POST', `/v2/conversations/${id}/end`, { account: a })).status, 200);
      await upstream.connectionClosed;
      assert.equal(await client.closed, 1000);
      const log = await h().request('GET', `/v2/conversations/${id}/events`, { account: a });
      const types = log.text
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => JSON.parse(l.slice(5)).event_type);
      assert.equal(types.at(-1), 'system.shutdown');
      assert.equal(types.filter((t) => t === 'system.shutdown').length, 1);
    });
  },
  { PERSONAKIT_ALLOWED_HOSTS: '127.0.0.1', PERSONAKIT_ENCRYPTION_KEY: 'ef'.repeat(32) },
);

const pg = backends.find((b) => b.backend.name === 'postgres');
test('two instances on one PostgreSQL deliver one ordered stream, woken by NOTIFY (the poll set to an hour)', {
  skip: pg?.skip || false,
}, async () => {
  if (!pg) return;
  const fake = await startChatFake('openai');
  // An hour between polls: anything delivered across instances within the test came by NOTIFY.
  const env = {
    PERSONAKIT_CONVERSATION_POLL_MS: '3600000',
    PERSONAKIT_ALLOWED_HOSTS: '127.0.0.1',
    PERSONAKIT_ENCRYPTION_KEY: 'cd'.repeat(32),
  };
  const one = await createHarness(pg.backend, env);
  const url = new URL(one.services.config.DATABASE_URL);
  const two = await createHarness(
    { name: 'postgres', fresh: async () => ({ url: url.toString(), drop: async () => {} }) },
    env,
  );
  const s1 = await serveWithSockets(one);
  try {
    const a = await one.newAccount();
    const persona = await tavusPersona(() => one, a, {
      layers: { llm: { model: 'own-model', base_url: `${fake.origin}/v1`, api_key: fake.key } },
    });
    const c = await createConversation(() => one, a, { persona_id: persona.persona_id });
    const id = c.conversation_id;
    const client = new SocketClient(`ws://${s1.url}/v2/conversations/${id}/ws`, a.auth);
    await client.opened;
    const toTwo = async (type: string, props?: Record<string, unknown>) => {
      const r = await two.request('POST', `/v2/conversations/${id}/events`, {
        account: a,
        json: interaction(id, type, props),
      });
      assert.equal(r.status, 200, r.text);
    };
    for (let i = 0; i < 3; i++) await toTwo('conversation.echo', { text: `line ${i}` });
    await client.waitFor((e) => e.properties?.speech === 'line 2', 'last echo');
    assert.deepEqual(
      client.events.filter(utterance('replica')).map((e) => e.properties.speech),
      ['line 0', 'line 1', 'line 2'],
    );

    // An answer generated on instance two streams to the client of instance one, piece by piece.
    fake.next({ sse: sse.openai(textChunks(['The lamp ', 'is lit ', 'at dusk.'])) });
    await toTwo('conversation.respond', { text: 'When is the lamp lit?' });
    const said = await client.waitFor(
      (e) => utterance('replica')(e) && e.turn_idx === 1,
      'the answer made on instance two',
    );
    assert.equal(said.properties.speech, 'The lamp is lit at dusk.');
    await client.waitFor((e) => e.event_type === 'conversation.replica.stopped_speaking', 'answer end');
    const streamed = client.events.filter((e) => e.event_type === 'conversation.utterance.streaming');
    assert.ok(streamed.length >= 2, 'streamed in pieces');
    assert.equal(streamed.at(-1)?.properties.speech, said.properties.speech);

    // An interrupt posted to instance one stops the answer instance two is generating: its upstream
    // call is aborted.
    fake.next({ sse: [`data: ${JSON.stringify(textChunks(['Once upon '])[1])}\n\n`], hold: true });
    await toTwo('conversation.respond', { text: 'marker-cross-interrupt' });
    await client.waitFor(
      (e) => e.event_type === 'conversation.utterance.streaming' && e.properties.speech === 'Once upon ',
      'first delta',
    );
    const upstream = fake.requests.find((q) => JSON.stringify(q.body).includes('marker-cross-interrupt'));
    assert.ok(upstream);
    const r = await one.request('POST', `/v2/conversations/${id}/events`, {
      account: a,
      json: interaction(id, 'conversation.interrupt'),
    });
    assert.equal(r.status, 200, r.text);
    await upstream.connectionClosed;
    const stopped = await client.waitFor(
      (e) => e.event_type === 'conversation.stopped_speaking' && e.turn_idx === 2,
      'interrupted end',
    );
    assert.equal(stopped.properties.interrupted, true);

    // Ended on instance two: the socket on instance one gets the shutdown and closes.
    assert.equal((await two.request('POST', `/v2/conversations/${id}/end`, { account: a })).status, 200);
    assert.equal(await client.closed, 1000);
    const seqs = client.events.map((e) => e.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((x, y) => x - y),
    );
    assert.equal(new Set(seqs).size, seqs.length, 'no event twice');
    // The same stream, read back from the store through instance two: nothing missing, nothing extra.
    const log = await two.request('GET', `/v2/conversations/${id}/events?seq=0`, { account: a });
    const stored = log.text
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => JSON.parse(l.slice(5)).seq);
    assert.deepEqual(seqs, stored);
  } finally {
    await s1.close();
    await two.close();
    await one.close();
    await fake.close();
  }
});
