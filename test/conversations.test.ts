import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { signCallback } from '../src/knowledge/callbacks.ts';
import { chunk, tavusPersona, textChunks } from './helpers/chat-surface.ts';
import {
  createConversation,
  type Env,
  EventReader,
  interaction,
  utterance,
} from './helpers/conversations.ts';
import { sse, startChatFake } from './helpers/fake-chat-upstream.ts';
import { type Account, describeEachBackend, listen, listening } from './helpers/harness.ts';

/**
 * Tavus conversations in text (issue 15): the REST contract with Tavus's error shapes, the live protocol
 * over HTTP (POST …/events, SSE resumable by Last-Event-ID), the chat engine's local mode answering with
 * no network, interrupt aborting a held upstream stream, a tool round trip, signed and retried callbacks,
 * timers ending a conversation, hard delete, and account isolation of every route.
 */

const fake = await startChatFake('openai');
after(() => fake.close());

const SECRET = 'conv-webhook-secret';

interface Hit {
  headers: IncomingHttpHeaders;
  body: string;
}
const hits: Hit[] = [];
let failFirst = 0;
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (failFirst > 0) {
      failFirst--;
      res.writeHead(500).end();
      return;
    }
    hits.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success"}');
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
after(() => new Promise<void>((r) => receiver.close(() => r())));

async function waitForHits(match: (h: Env) => boolean, n: number): Promise<Env[]> {
  for (let i = 0; i < 200; i++) {
    const found = hits.map((h) => ({ ...h, json: JSON.parse(h.body) })).filter((h) => match(h.json));
    if (found.length >= n) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('callbacks did not arrive');
}

describeEachBackend(
  'Tavus conversations',
  (h) => {
    const origin = listening(h);
    const reader = (a: Account, id: string, headers: Record<string, string> = {}) =>
      new EventReader(`${origin()}/v2/conversations/${id}/events`, { ...a.auth, ...headers });
    const post = (a: Account, id: string, body: unknown) =>
      h().request('POST', `/v2/conversations/${id}/events`, { account: a, json: body });

    test('create, get, list, verbose, end: the Tavus object with an absolute conversation_url', async () => {
      const a = await h().newAccount();
      const r = await h().request('POST', '/v2/conversations', {
        account: a,
        json: {
          conversation_name: 'Sales practice',
          replica_id: 'r79e1c033f',
          conversational_context: 'The user sells bikes.',
          custom_greeting: 'Hey there!',
          memory_stores: ['anna'],
          document_retrieval_strategy: 'quality',
          audio_only: false,
          max_participants: 2,
          properties: { max_call_duration: 600, language: 'english', enable_recording: true },
        },
      });
      assert.equal(r.status, 200, r.text);
      const c = r.body;
      assert.match(c.conversation_id, /^c[a-z0-9]{24}$/);
      assert.equal(c.conversation_name, 'Sales practice');
      assert.equal(c.status, 'active');
      assert.equal(c.callback_url, '');
      assert.equal(c.replica_id, 'r79e1c033f');
      assert.equal(c.persona_id, null);
      assert.equal(c.meeting_token, undefined);
      assert.ok(c.conversation_url.startsWith('http://'), c.conversation_url);
      assert.ok(c.conversation_url.endsWith(`/c/${c.conversation_id}`));

      const got = await h().request('GET', `/v2/conversations/${c.conversation_id}`, { account: a });
      assert.equal(got.status, 200);
      assert.equal(got.body.conversation_name, 'Sales practice');
      assert.equal(got.body.transcript, undefined);

      const verbose = await h().request('GET', `/v2/conversations/${c.conversation_id}?verbose=true`, {
        account: a,
      });
      assert.deepEqual(
        verbose.body.transcript.map((t: Env) => [t.role, t.content]),
        [['assistant', 'Hey there!']],
      );
      assert.equal(verbose.body.shutdown_reason, null);
      assert.deepEqual(
        verbose.body.events.map((e: Env) => e.event_type),
        ['system.replica_joined'],
      );

      const listed = await h().request('GET', '/v2/conversations?status=active&limit=5&page=1', {
        account: a,
      });
      assert.equal(listed.status, 200);
      assert.equal(listed.body.total_count, 1);
      assert.equal(listed.body.data[0].conversation_id, c.conversation_id);

      const ended = await h().request('POST', `/v2/conversations/${c.conversation_id}/end`, { account: a });
      assert.equal(ended.status, 200);
      assert.equal(ended.text, '');
      const after = await h().request('GET', `/v2/conversations/${c.conversation_id}?verbose=true`, {
        account: a,
      });
      assert.equal(after.body.status, 'ended');
      assert.equal(after.body.shutdown_reason, 'end_conversation_endpoint_hit');
      assert.deepEqual(
        after.body.events.map((e: Env) => e.event_type),
        ['system.replica_joined', 'system.shutdown', 'application.transcription_ready'],
      );
      const none = await h().request('GET', '/v2/conversations?status=active', { account: a });
      assert.equal(none.body.total_count, 0);
      // Interactions on an ended conversation are refused in Tavus's 400 shape.
      const late = await post(
        a,
        c.conversation_id,
        interaction(c.conversation_id, 'conversation.respond', { text: 'hi' }),
      );
      assert.equal(late.status, 400);
      assert.equal(typeof late.body.error, 'string');
    });

    test('test_mode creates it ended; require_auth returns a meeting_token', async () => {
      const a = await h().newAccount();
      const t = await createConversation(h, a, { test_mode: true });
      const got = await h().request('GET', `/v2/conversations/${t.conversation_id}`, { account: a });
      assert.equal(got.body.status, 'ended');
      // Its event stream (an ended conversation's) replays the log and ends rather than staying open.
      const stream = await h().request('GET', `/v2/conversations/${t.conversation_id}/events`, {
        account: a,
      });
      assert.equal(stream.status, 200);
      assert.equal(stream.text, '');
      // Interactions are refused: it has ended.
      const r = await post(
        a,
        t.conversation_id,
        interaction(t.conversation_id, 'conversation.echo', { text: 'x' }),
      );
      assert.equal(r.status, 400);
      const p = await createConversation(h, a, { require_auth: true });
      assert.match(p.meeting_token ?? '', /^[A-Za-z0-9_-]{20,}$/);
    });

    test('documented errors: 400 {error} for bad input, 401 {message}, 404 {message}', async () => {
      const a = await h().newAccount();
      const badPersona = await h().request('POST', '/v2/conversations', {
        account: a,
        json: { persona_id: 'p_nope' },
      });
      assert.equal(badPersona.status, 400);
      assert.deepEqual(badPersona.body, { error: 'Invalid persona_id' });
      const badType = await h().request('POST', '/v2/conversations', {
        account: a,
        json: { test_mode: 'yes' },
      });
      assert.equal(badType.status, 400);
      assert.match(badType.body.error, /test_mode/);
      const badProps = await h().request('POST', '/v2/conversations', {
        account: a,
        json: { properties: { max_call_duration: -1 } },
      });
      assert.equal(badProps.status, 400);
      const privateHook = await h().request('POST', '/v2/conversations', {
        account: a,
        json: { callback_url: 'http://10.1.2.3/hook' },
      });
      assert.equal(privateHook.status, 400);
      assert.match(privateHook.body.error, /callback_url/);
      const noKey = await h().request('GET', '/v2/conversations');
      assert.equal(noKey.status, 401);
      assert.deepEqual(noKey.body, { message: 'Invalid access token' });
      const missing = await h().request('GET', '/v2/conversations/cnothere', { account: a });
      assert.equal(missing.status, 404);
      assert.equal(typeof missing.body.message, 'string');
      const c = await createConversation(h, a);
      for (const bad of [
        { event_type: 'conversation.nope' },
        interaction(c.conversation_id, 'conversation.respond', {}),
        interaction(c.conversation_id, 'conversation.respond', { text: 42 }),
        interaction('cother', 'conversation.respond', { text: 'hi' }),
        interaction(c.conversation_id, 'conversation.echo', { modality: 'video', text: 'x' }),
        interaction(c.conversation_id, 'conversation.tool_result', { tool_call_id: 'x', output: 5 }),
      ]) {
        const r = await post(a, c.conversation_id, bad);
        assert.equal(r.status, 400, JSON.stringify(bad));
        assert.equal(typeof r.body.error, 'string');
      }
    });

    test("isolation: another account's conversation is not found on every route", async () => {
      const a = await h().newAccount();
      const b = await h().newAccount();
      const c = await createConversation(h, a);
      const id = c.conversation_id;
      for (const [method, path, json] of [
        ['GET', `/v2/conversations/${id}`, undefined],
        ['GET', `/v2/conversations/${id}?verbose=true`, undefined],
        ['POST', `/v2/conversations/${id}/end`, undefined],
        ['DELETE', `/v2/conversations/${id}`, undefined],
        ['POST', `/v2/conversations/${id}/events`, interaction(id, 'conversation.echo', { text: 'x' })],
        ['GET', `/v2/conversations/${id}/events`, undefined],
      ] as const) {
        const r = await h().request(method, path, { account: b, ...(json && { json }) });
        assert.equal(r.status, 404, `${method} ${path}`);
      }
      const list = await h().request('GET', '/v2/conversations', { account: b });
      assert.equal(list.body.total_count, 0);
      const still = await h().request('GET', `/v2/conversations/${id}`, { account: a });
      assert.equal(still.body.status, 'active');
    });

    test('respond: the local engine answers; the events come over SSE in order, resumable by Last-Event-ID', async () => {
      const a = await h().newAccount();
      const c = await createConversation(h, a, { custom_greeting: 'Welcome.' });
      const id = c.conversation_id;
      const r1 = reader(a, id);
      await r1.waitFor(utterance('replica'), 'greeting');
      const sent = await post(a, id, interaction(id, 'conversation.respond', { text: 'What do you know?' }));
      assert.equal(sent.status, 200, sent.text);
      const user = await r1.waitFor(utterance('user'), 'user utterance');
      assert.equal(user.properties.speech, 'What do you know?');
      assert.equal(user.turn_idx, 1);
      const stopped = await r1.waitFor((e) => e.event_type === 'conversation.stopped_speaking', 'stopped');
      const replica = r1.events.filter(utterance('replica'))[1];
      assert.ok(replica, 'a replica utterance');
      assert.ok(replica.properties.speech.length > 0);
      assert.equal(replica.turn_idx, 1);
      assert.equal(replica.inference_id, stopped.inference_id);
      assert.ok(Array.isArray(replica.properties.checks));
      // Every envelope: Tavus's fields, strictly increasing seq, the SSE id is the seq.
      for (const e of r1.events) {
        assert.equal(e.message_type, 'conversation');
        assert.equal(e.conversation_id, id);
        assert.equal(typeof e.timestamp, 'number');
      }
      const seqs = r1.events.map((e) => e.seq);
      assert.deepEqual(
        seqs,
        [...seqs].sort((x, y) => x - y),
      );
      assert.equal(new Set(seqs).size, seqs.length);
      assert.deepEqual(r1.ids, seqs.map(String));
      const types = r1.events.map((e) => e.event_type);
      for (const t of [
        'conversation.started_speaking',
        'conversation.replica.started_speaking',
        'conversation.utterance.streaming',
        'conversation.stopped_speaking',
        'conversation.replica.stopped_speaking',
      ]) {
        assert.ok(types.includes(t), t);
      }
      const finals = r1.events.filter(
        (e) => e.event_type === 'conversation.utterance.streaming' && e.properties.final,
      );
      assert.equal(finals.length, 1);
      assert.equal(finals[0].properties.speech, replica.properties.speech);
      assert.ok(!types.includes('conversation.interrupt'), 'engine-only events are never broadcast');
      r1.close();
      await r1.done;

      // Resume after the user's utterance: exactly what followed it.
      const r2 = reader(a, id, { 'last-event-id': String(user.seq) });
      await r2.waitFor((e) => e.event_type === 'conversation.replica.stopped_speaking', 'resumed end');
      assert.equal(r2.events[0].seq > user.seq, true);
      assert.deepEqual(
        r2.events.map((e) => e.seq),
        seqs.filter((s) => s > user.seq),
      );
      r2.close();
      await r2.done;
    });

    test('echo and context: echo is a replica utterance in the history; context reaches the next turn', async () => {
      const a = await h().newAccount();
      const persona = await tavusPersona(h, a, {
        layers: { llm: { model: 'own-model', base_url: `${fake.origin}/v1`, api_key: fake.key } },
      });
      const c = await createConversation(h, a, {
        persona_id: persona.persona_id,
        conversational_context: 'First.',
      });
      const id = c.conversation_id;
      const r = reader(a, id);
      assert.equal(
        (
          await post(
            a,
            id,
            interaction(id, 'conversation.echo', { modality: 'text', text: 'Echoed line.', done: true }),
          )
        ).status,
        200,
      );
      await r.waitFor((e) => utterance('replica')(e) && e.properties.speech === 'Echoed line.', 'echo');
      assert.equal(
        (await post(a, id, interaction(id, 'conversation.append_llm_context', { context: 'Second.' })))
          .status,
        200,
      );
      assert.equal(
        (
          await post(
            a,
            id,
            interaction(id, 'conversation.sensitivity', {
              participant_pause_sensitivity: 'high',
              participant_interrupt_sensitivity: 'low',
            }),
          )
        ).status,
        200,
      );
      fake.next({ sse: sse.openai(textChunks(['Hello', ' you.'])) });
      await post(a, id, interaction(id, 'conversation.respond', { text: 'marker-ctx-1' }));
      const said = await r.waitFor(
        (e) => utterance('replica')(e) && e.properties.speech === 'Hello you.',
        'answer',
      );
      assert.ok(said);
      const body = fake.requests.find((q) => JSON.stringify(q.body).includes('marker-ctx-1'))?.body;
      const text = JSON.stringify(body.messages);
      assert.match(text, /First\.\\nSecond\./);
      assert.ok(body.messages.some((m: Env) => m.role === 'assistant' && m.content === 'Echoed line.'));
      await post(a, id, interaction(id, 'conversation.overwrite_context', { context: 'Only this.' }));
      fake.next({ sse: sse.openai(textChunks(['Ok.'])) });
      await post(a, id, interaction(id, 'conversation.respond', { text: 'marker-ctx-2' }));
      await r.waitFor((e) => utterance('replica')(e) && e.properties.speech === 'Ok.', 'second answer');
      const body2 = fake.requests.find((q) => JSON.stringify(q.body).includes('marker-ctx-2'))?.body;
      const text2 = JSON.stringify(body2.messages);
      assert.match(text2, /Only this\./);
      assert.doesNotMatch(text2, /First\./);
      r.close();
    });

    test('interrupt aborts the upstream call mid-stream and marks the utterance interrupted', async () => {
      const a = await h().newAccount();
      const persona = await tavusPersona(h, a, {
        layers: { llm: { model: 'own-model', base_url: `${fake.origin}/v1`, api_key: fake.key } },
      });
      const c = await createConversation(h, a, { persona_id: persona.persona_id });
      const id = c.conversation_id;
      const r = reader(a, id);
      fake.next({ sse: [`data: ${JSON.stringify(textChunks(['Once upon '])[1])}\n\n`], hold: true });
      await post(a, id, interaction(id, 'conversation.respond', { text: 'marker-interrupt' }));
      await r.waitFor(
        (e) => e.event_type === 'conversation.utterance.streaming' && e.properties.speech === 'Once upon ',
        'first delta',
      );
      const upstream = fake.requests.find((q) => JSON.stringify(q.body).includes('marker-interrupt'));
      assert.ok(upstream);
      assert.equal((await post(a, id, interaction(id, 'conversation.interrupt'))).status, 200);
      await upstream.connectionClosed;
      const stopped = await r.waitFor((e) => e.event_type === 'conversation.stopped_speaking', 'stopped');
      assert.equal(stopped.properties.interrupted, true);
      const said = r.events.find(utterance('replica'));
      assert.equal(said.properties.interrupted, true);
      assert.equal(said.properties.speech, 'Once upon ');
      const final = r.events.find(
        (e) => e.event_type === 'conversation.utterance.streaming' && e.properties.final,
      );
      assert.equal(final.properties.is_interrupted, true);
      r.close();
    });

    test('tool round trip: tool_call with tool_call_id and JSON-string arguments; the answer continues with the result', async () => {
      const a = await h().newAccount();
      const persona = await tavusPersona(h, a, {
        layers: {
          llm: {
            model: 'own-model',
            base_url: `${fake.origin}/v1`,
            api_key: fake.key,
            tools: [
              {
                type: 'function',
                function: {
                  name: 'get_weather',
                  description: 'Weather',
                  parameters: {
                    type: 'object',
                    properties: { city: { type: 'string' } },
                    required: ['city'],
                  },
                },
              },
            ],
          },
        },
      });
      const c = await createConversation(h, a, { persona_id: persona.persona_id });
      const id = c.conversation_id;
      const r = reader(a, id);
      fake.next({
        sse: sse.openai([
          chunk({
            role: 'assistant',
            content: null,
            tool_calls: [
              { index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } },
            ],
          }),
          chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":"Oslo"}' } }] }),
          chunk({}, 'tool_calls'),
        ]),
      });
      fake.next({ sse: sse.openai(textChunks(['It is sunny.'])) });
      await post(a, id, interaction(id, 'conversation.respond', { text: 'marker-tool weather?' }));
      const call = await r.waitFor((e) => e.event_type === 'conversation.tool_call', 'tool call');
      assert.equal(call.properties.name, 'get_weather');
      assert.equal(call.properties.arguments, '{"city":"Oslo"}');
      assert.equal(call.properties.tool_call_id, 'call_1');
      assert.equal(call.turn_idx, 1);
      const result = await post(
        a,
        id,
        interaction(id, 'conversation.tool_result', { tool_call_id: 'call_1', output: { temp: 21 } }),
      );
      assert.equal(result.status, 200);
      await r.waitFor((e) => utterance('replica')(e) && e.properties.speech === 'It is sunny.', 'answer');
      const second = fake.requests.filter((q) => JSON.stringify(q.body).includes('marker-tool')).at(-1)?.body;
      const tool = second.messages.find((m: Env) => m.role === 'tool');
      assert.equal(tool.tool_call_id, 'call_1');
      assert.equal(tool.content, '{"temp":21}');
      r.close();
    });

    test('an answer that fails becomes a system.error event, with no empty utterance in the transcript', async () => {
      const a = await h().newAccount();
      const persona = await tavusPersona(h, a, {
        layers: { llm: { model: 'own-model', base_url: `${fake.origin}/v1`, api_key: 'wrong-key' } },
      });
      const c = await createConversation(h, a, { persona_id: persona.persona_id });
      const id = c.conversation_id;
      const r = reader(a, id);
      await post(a, id, interaction(id, 'conversation.respond', { text: 'Hello?' }));
      const err = await r.waitFor((e) => e.event_type === 'system.error', 'error event');
      assert.equal(typeof err.properties.message, 'string');
      assert.equal(err.turn_idx, 1);
      await r.waitFor((e) => e.event_type === 'conversation.stopped_speaking', 'stopped');
      assert.equal(r.events.filter(utterance('replica')).length, 0);
      const v = await h().request('GET', `/v2/conversations/${id}?verbose=true`, { account: a });
      assert.deepEqual(
        v.body.transcript.map((t: Env) => t.role),
        ['user'],
      );
      r.close();
    });

    test('memories: a later conversation with the same memory store recalls what was said; deleting the store forgets it', async () => {
      const a = await h().newAccount();
      const b = await h().newAccount();
      const persona = await tavusPersona(h, a, {
        layers: { llm: { model: 'own-model', base_url: `${fake.origin}/v1`, api_key: fake.key } },
      });
      const store = `anna-${Date.now()}`;
      const first = await createConversation(h, a, { memory_stores: [store] });
      await post(
        a,
        first.conversation_id,
        interaction(first.conversation_id, 'conversation.echo', { text: 'Your name is Zed-42.' }),
      );
      const ask = async (marker: string) => {
        const c = await createConversation(h, a, { persona_id: persona.persona_id, memory_stores: [store] });
        const r = reader(a, c.conversation_id);
        fake.next({ sse: sse.openai(textChunks(['Noted.'])) });
        await post(
          a,
          c.conversation_id,
          interaction(c.conversation_id, 'conversation.respond', { text: marker }),
        );
        await r.waitFor((e) => utterance('replica')(e) && e.properties.speech === 'Noted.', 'answer');
        r.close();
        return JSON.stringify(
          fake.requests.find((q) => JSON.stringify(q.body).includes(marker))?.body.messages,
        );
      };
      assert.match(await ask('marker-mem-1'), /Zed-42/);
      // Another account's delete of the same tag is "not found" and forgets nothing.
      assert.equal((await h().request('DELETE', `/v2/memories/${store}`, { account: b })).status, 404);
      assert.equal((await h().request('DELETE', `/v2/memories/${store}`, { account: a })).status, 204);
      assert.equal((await h().request('DELETE', `/v2/memories/${store}`, { account: a })).status, 404);
      assert.doesNotMatch(await ask('marker-mem-2'), /Zed-42/);
    });

    test('hard delete removes the transcript; soft delete hides the conversation', async () => {
      const a = await h().newAccount();
      const soft = await createConversation(h, a, { custom_greeting: 'Hi.' });
      const hard = await createConversation(h, a, { custom_greeting: 'Hi.' });
      assert.equal(
        (await h().request('DELETE', `/v2/conversations/${soft.conversation_id}`, { account: a })).status,
        204,
      );
      assert.equal(
        (await h().request('DELETE', `/v2/conversations/${hard.conversation_id}?hard=true`, { account: a }))
          .status,
        204,
      );
      for (const c of [soft, hard]) {
        assert.equal(
          (await h().request('GET', `/v2/conversations/${c.conversation_id}`, { account: a })).status,
          404,
        );
      }
      const db = h().services.db.kysely;
      const count = async (id: string) =>
        Number(
          (
            await db
              .selectFrom('conversation_events')
              .select((eb) => eb.fn.countAll().as('n'))
              .where('conversation_id', '=', id)
              .executeTakeFirstOrThrow()
          ).n,
        );
      assert.ok((await count(soft.conversation_id)) > 0);
      assert.equal(await count(hard.conversation_id), 0);
    });
  },
  { PERSONAKIT_ALLOWED_HOSTS: '127.0.0.1', PERSONAKIT_ENCRYPTION_KEY: 'ab'.repeat(32) },
);

describeEachBackend(
  'Tavus conversation callbacks and timers',
  (h) => {
    test('callbacks: replica_joined, shutdown and transcript delivered, signed, retried after a failure', async () => {
      const a = await h().newAccount();
      failFirst = 1;
      const c = await createConversation(h, a, {
        callback_url: hookUrl,
        custom_greeting: 'Hello from the replica.',
      });
      const id = c.conversation_id;
      await h().request('POST', `/v2/conversations/${id}/events`, {
        account: a,
        json: interaction(id, 'conversation.respond', { text: 'Anything?' }),
      });
      // Wait for the answer to finish before ending.
      for (let i = 0; i < 100; i++) {
        const v = await h().request('GET', `/v2/conversations/${id}?verbose=true`, { account: a });
        if (v.body.transcript.length >= 3) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await h().request('POST', `/v2/conversations/${id}/end`, { account: a });
      const mine = (e: Env) => e.conversation_id === id;
      const got = await waitForHits(mine, 3).catch((err) => {
        console.error(hits.map((x) => x.body));
        throw err;
      });
      const byType = new Map(got.map((g) => [g.json.event_type, g]));
      const joined = byType.get('system.replica_joined');
      assert.deepEqual(Object.keys(joined.json).sort(), [
        'conversation_id',
        'event_type',
        'message_type',
        'properties',
        'timestamp',
        'webhook_url',
      ]);
      assert.equal(joined.json.message_type, 'system');
      assert.equal(joined.json.webhook_url, hookUrl);
      assert.match(joined.json.timestamp, /^\d{4}-\d\d-\d\dT/);
      const shutdown = byType.get('system.shutdown');
      assert.equal(shutdown.json.properties.shutdown_reason, 'end_conversation_endpoint_hit');
      const transcript = byType.get('application.transcription_ready');
      assert.equal(transcript.json.message_type, 'application');
      const entries = transcript.json.properties.transcript;
      assert.deepEqual(
        entries.map((e: Env) => e.role),
        ['assistant', 'user', 'assistant'],
      );
      assert.equal(entries[0].content, 'Hello from the replica.');
      assert.equal(entries[1].content, 'Anything?');
      for (const e of entries) {
        assert.equal(typeof e.timestamp, 'number');
        assert.equal(typeof e.seconds_from_start, 'number');
        assert.equal(typeof e.duration, 'number');
      }
      assert.equal(typeof entries[2].inference_id, 'string');
      for (const g of got) {
        const ts = String(g.headers['x-personakit-timestamp']);
        assert.equal(g.headers['x-personakit-signature'], signCallback(SECRET, ts, g.body));
      }
    });

    test('max_call_duration ends the conversation with its shutdown reason', async () => {
      const a = await h().newAccount();
      const c = await createConversation(h, a, { properties: { max_call_duration: 1 } });
      let status = '';
      let reason = '';
      for (let i = 0; i < 100 && status !== 'ended'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const v = await h().request('GET', `/v2/conversations/${c.conversation_id}?verbose=true`, {
          account: a,
        });
        status = v.body.status;
        reason = v.body.shutdown_reason;
      }
      assert.equal(status, 'ended');
      assert.equal(reason, 'max_call_duration reached');
    });

    test('participant_absent_timeout ends a conversation nobody joined', async () => {
      const a = await h().newAccount();
      const c = await createConversation(h, a, { properties: { participant_absent_timeout: 1 } });
      let reason = '';
      for (let i = 0; i < 100 && !reason; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const v = await h().request('GET', `/v2/conversations/${c.conversation_id}?verbose=true`, {
          account: a,
        });
        reason = v.body.shutdown_reason ?? '';
      }
      assert.equal(reason, 'participant_absent_timeout reached');
    });

    test('participant_left_timeout ends a conversation once its last participant left, not while one is there', async () => {
      const a = await h().newAccount();
      const c = await createConversation(h, a, { properties: { participant_left_timeout: 1 } });
      const id = c.conversation_id;
      const get = async () =>
        (await h().request('GET', `/v2/conversations/${id}?verbose=true`, { account: a })).body;
      const server = await listen(h());
      try {
        const r = new EventReader(`${server.url}/v2/conversations/${id}/events`, a.auth);
        for (let i = 0; i < 100 && r.status === 0; i++) await new Promise((res) => setTimeout(res, 20));
        assert.equal(r.status, 200);
        // Connected for longer than the timeout: nothing fires (it only counts from a leave).
        await new Promise((res) => setTimeout(res, 1500));
        assert.equal((await get()).status, 'active');
        r.close();
        await r.done;
      } finally {
        await server.close();
      }
      let reason = '';
      for (let i = 0; i < 100 && !reason; i++) {
        await new Promise((res) => setTimeout(res, 100));
        reason = (await get()).shutdown_reason ?? '';
      }
      assert.equal(reason, 'participant_left_timeout reached');
    });
  },
  { PERSONAKIT_ALLOWED_HOSTS: '127.0.0.1', PERSONAKIT_WEBHOOK_SECRET: SECRET },
  { startJobs: true },
);
