import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { readEvents } from '../src/conversations/events.ts';
import { interact } from '../src/conversations/interactions.ts';
import { startServer } from '../src/server.ts';
import { type Backend, testOnPersistentStores } from './helpers/backends.ts';
import { chunk, tavusPersona } from './helpers/chat-surface.ts';
import { createConversation, type Env, interaction } from './helpers/conversations.ts';
import { createHarness } from './helpers/harness.ts';

/**
 * Stopping the server while a conversation turn streams (issue 15): the store closes only after the turn
 * is done with it. A turn that finishes within the drain is recorded whole; one still running when the
 * drain ends is interrupted as conversation.interrupt would (its upstream call aborted) and records its
 * partial answer as an interrupted utterance. Interactions arriving meanwhile are refused (503). Nothing
 * writes to the closed store (no warning, no unhandled rejection), and the log read back after a restart
 * is whole: seq 1..n without a gap, every started_speaking with its stopped_speaking.
 */

const rejections: unknown[] = [];
process.on('unhandledRejection', (err) => rejections.push(err));

/** An OpenAI-compatible upstream that streams its first words, then holds until released. */
async function heldUpstream(first: string, rest: string) {
  const frame = (c: unknown) => `data: ${JSON.stringify(c)}\n\n`;
  let release: () => void = () => {};
  const released = new Promise<void>((r) => {
    release = r;
  });
  let requested: () => void = () => {};
  const reached = new Promise<void>((r) => {
    requested = r;
  });
  let connectionClosed: Promise<void> = new Promise(() => {});
  const server: Server = createServer((req, res) => {
    req.resume();
    connectionClosed = new Promise((r) => req.socket.once('close', () => r()));
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(frame(chunk({ role: 'assistant', content: '' })));
    res.write(frame(chunk({ content: first })));
    requested();
    void released.then(() => {
      if (res.destroyed) return;
      res.write(frame(chunk({ content: rest })));
      res.write(frame(chunk({}, 'stop')));
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    reached,
    release: () => release(),
    closed: () => connectionClosed,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Resolves true when `p` settles within `ms` (a bound on a wait, never a speed assertion). */
const within = (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

/** Log lines at warn and above, as the server writes them. */
function warnings() {
  const lines: Env[] = [];
  const destination = new Writable({
    write(line, _enc, done) {
      lines.push(JSON.parse(String(line)));
      done();
    },
  });
  return { lines, destination: destination as unknown as import('pino').DestinationStream };
}

interface Scenario {
  /** The server's drain: PERSONAKIT_SHUTDOWN_TIMEOUT_MS. */
  drainMs: number;
  /** Runs while the server closes (before the close is awaited). */
  whileClosing: (ctx: {
    upstream: Awaited<ReturnType<typeof heldUpstream>>;
    refused: () => Promise<number>;
  }) => Promise<void>;
}

/** Streams a turn, stops the server mid-turn, reopens the store: returns the log as read back. */
async function stopMidTurn(store: Backend, scenario: Scenario) {
  const upstream = await heldUpstream('Partial ', 'and the rest.');
  const log = warnings();
  const env = {
    PORT: '0',
    LOG_LEVEL: 'warn',
    PERSONAKIT_ALLOWED_HOSTS: '127.0.0.1',
    PERSONAKIT_ENCRYPTION_KEY: 'ef'.repeat(32),
    PERSONAKIT_SHUTDOWN_TIMEOUT_MS: String(scenario.drainMs),
  };
  const first = await createHarness(store, env, { logDestination: log.destination });
  const a = await first.newAccount();
  const persona = await tavusPersona(() => first, a, {
    layers: { llm: { model: 'own-model', base_url: upstream.baseUrl, api_key: 'sk-held' } },
  });
  const { conversation_id: id } = await createConversation(() => first, a, {
    persona_id: persona.persona_id,
  });
  const server = await startServer(first.services);
  const r = await first.request('POST', `/v2/conversations/${id}/events`, {
    account: a,
    json: interaction(id, 'conversation.respond', { text: 'marker-shutdown' }),
  });
  assert.equal(r.status, 200, r.text);
  await upstream.reached;
  // The first words are in the store: the turn is mid-stream when the server is told to stop.
  for (let i = 0; i < 400; i++) {
    const events = await readEvents(first.services.db, id, 0, 1000);
    if (events.some((e) => e.envelope.properties?.speech === 'Partial ')) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const closing = server.close();
  const ctx = { ...first.services, accountId: a.accountId, keyId: '' };
  await scenario.whileClosing({
    upstream,
    refused: () =>
      interact(ctx, id, interaction(id, 'conversation.echo', { text: 'too late' })).then(
        () => 200,
        (err: { status?: number }) => err.status ?? 500,
      ),
  });
  await closing;
  // Bounded, before the upstream is released: only an aborted call has closed its connection by now.
  const aborted = await within(upstream.closed(), 2000);
  // Anything the turn still had to do would now fail on the closed store: give it the chance to.
  upstream.release();
  await upstream.close();
  await new Promise((resolve) => setTimeout(resolve, 200));

  const second = await createHarness(store, { PERSONAKIT_ENCRYPTION_KEY: 'ef'.repeat(32) });
  try {
    const events = (await readEvents(second.services.db, id, 0, 1000, true)).map((e): Env => e.envelope);
    const transcript = (await second.request('GET', `/v2/conversations/${id}?verbose=true`, { account: a }))
      .body.transcript as Env[];
    return { events, transcript, warnings: log.lines, aborted };
  } finally {
    await second.close();
  }
}

function assertWhole(events: Env[], warnings: Env[]) {
  assert.deepEqual(
    events.map((e) => e.seq),
    events.map((_, i) => i + 1),
    'seq 1..n, no gap',
  );
  const count = (type: string) => events.filter((e) => e.event_type === type).length;
  assert.equal(count('conversation.replica.started_speaking'), 1);
  assert.equal(count('conversation.replica.stopped_speaking'), 1, 'the turn recorded its end once');
  assert.equal(count('conversation.stopped_speaking'), 1);
  assert.equal(events.at(-1)?.event_type, 'conversation.replica.stopped_speaking', 'nothing after the end');
  assert.deepEqual(warnings, [], 'nothing failed writing (a closed store) while the server stopped');
  assert.deepEqual(rejections, [], 'no unhandled rejection');
}

testOnPersistentStores(
  'a turn still streaming when the drain ends is interrupted (upstream aborted) and recorded before the store closes',
  async (store) => {
    const { events, transcript, warnings, aborted } = await stopMidTurn(store, {
      drainMs: 100,
      whileClosing: async () => {},
    });
    assert.ok(aborted, 'the upstream call was aborted');
    const answer = events.find(
      (e) => e.event_type === 'conversation.utterance' && e.properties.role === 'replica',
    );
    assert.equal(answer?.properties.speech, 'Partial ', 'the partial answer, as clients were shown it');
    assert.equal(answer?.properties.interrupted, true);
    const final = events.findLast((e) => e.event_type === 'conversation.utterance.streaming');
    assert.equal(final?.properties.final, true);
    assert.equal(final?.properties.is_interrupted, true);
    const stopped = events.find((e) => e.event_type === 'conversation.replica.stopped_speaking');
    assert.equal(stopped?.properties.interrupted, true);
    assert.deepEqual(
      transcript.map((t) => [t.role, t.content]),
      [
        ['user', 'marker-shutdown'],
        ['assistant', 'Partial '],
      ],
    );
    assertWhole(events, warnings);
  },
);

testOnPersistentStores(
  'a turn that finishes within the drain is recorded whole; interactions meanwhile are refused (503)',
  async (store) => {
    const { events, warnings } = await stopMidTurn(store, {
      drainMs: 30_000,
      whileClosing: async ({ upstream, refused }) => {
        assert.equal(await refused(), 503, 'an interaction while the server stops');
        upstream.release();
      },
    });
    const answer = events.find(
      (e) => e.event_type === 'conversation.utterance' && e.properties.role === 'replica',
    );
    assert.equal(answer?.properties.speech, 'Partial and the rest.');
    assert.equal(answer?.properties.interrupted, undefined);
    assert.ok(!events.some((e) => e.properties?.speech === 'too late'), 'the refused echo left nothing');
    assertWhole(events, warnings);
  },
);
