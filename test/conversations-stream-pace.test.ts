import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { chunk, tavusPersona } from './helpers/chat-surface.ts';
import {
  createConversation,
  type Env,
  EventReader,
  interaction,
  utterance,
} from './helpers/conversations.ts';
import { describeEachBackend, listening } from './helpers/harness.ts';

/**
 * Streamed partials are paced (PERSONAKIT_UTTERANCE_STREAM_INTERVAL_MS): a provider sending a token every
 * few ms gives the first words at once, then at most one conversation.utterance.streaming per interval,
 * each with all the speech so far, and the final event without waiting for the interval.
 */

const DELTAS = 60;
const GAP_MS = 4;
const INTERVAL_MS = 60;

// An OpenAI-format upstream streaming DELTAS words GAP_MS apart (each its own network write).
// A request whose text says "Quick" gets QUICK_DELTAS words at once instead, then its end 300 ms later.
const QUICK_DELTAS = 3;
const upstream = createServer((req, res) => {
  let text = '';
  req.on('data', (d: Buffer) => {
    text += d.toString('utf8');
  });
  req.on('end', () => {
    const quick = text.includes('Quick');
    const deltas = quick ? QUICK_DELTAS : DELTAS;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(`data: ${JSON.stringify(chunk({ role: 'assistant', content: '' }))}\n\n`);
    let i = 0;
    const next = () => {
      if (res.destroyed) return;
      if (i === deltas) {
        const end = () => res.end(`data: ${JSON.stringify(chunk({}, 'stop'))}\n\ndata: [DONE]\n\n`);
        // Quick: the end a little later, once the first words are surely committed and the next partial
        // waits for the interval.
        if (quick) setTimeout(end, 300);
        else end();
        return;
      }
      res.write(`data: ${JSON.stringify(chunk({ content: `w${i++} ` }))}\n\n`);
      if (quick) setImmediate(next);
      else setTimeout(next, GAP_MS);
    };
    next();
  });
});
await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
after(() => new Promise<void>((r) => upstream.close(() => r())));

const whole = Array.from({ length: DELTAS }, (_, i) => `w${i} `).join('');

type Turn = (text: string) => Promise<{ events: Env[]; ms: number }>;

/**
 * The suite on each backend with the given pacing interval. `turn(text)` answers a respond of `text` on
 * a new account's conversation, and gives every event a client read up to the turn's end, and how long
 * that took.
 */
function pacedSuite(title: string, intervalMs: number, body: (turn: Turn) => void) {
  describeEachBackend(
    title,
    (h) => {
      const origin = listening(h);
      body(async (text) => {
        const a = await h().newAccount();
        const persona = await tavusPersona(h, a, {
          layers: { llm: { model: 'own-model', base_url: upstreamUrl, api_key: 'sk-pace' } },
        });
        const { conversation_id: id } = await createConversation(h, a, { persona_id: persona.persona_id });
        const r = new EventReader(`${origin()}/v2/conversations/${id}/events`, a.auth);
        const asked = Date.now();
        const sent = await h().request('POST', `/v2/conversations/${id}/events`, {
          account: a,
          json: interaction(id, 'conversation.respond', { text }),
        });
        assert.equal(sent.status, 200, sent.text);
        await r.waitFor((e: Env) => e.event_type === 'conversation.replica.stopped_speaking', 'the end');
        r.close();
        return { events: r.events, ms: Date.now() - asked };
      });
    },
    {
      PERSONAKIT_ALLOWED_HOSTS: '127.0.0.1',
      PERSONAKIT_ENCRYPTION_KEY: 'ab'.repeat(32),
      PERSONAKIT_UTTERANCE_STREAM_INTERVAL_MS: String(intervalMs),
    },
  );
}

const streamedOf = (events: Env[]) =>
  events.filter((e: Env) => e.event_type === 'conversation.utterance.streaming');

pacedSuite('streamed utterances are paced', INTERVAL_MS, (turn) => {
  test('first words at once, then one partial per interval with all the speech so far, final at once', async () => {
    const { events } = await turn('Count for me.');
    assert.equal(events.find(utterance('replica'))?.properties.speech, whole);
    const streamed = streamedOf(events);
    const partials = streamed.filter((e: Env) => !e.properties.final);
    const final = streamed.at(-1);
    assert.equal(final?.properties.final, true);
    assert.equal(final?.properties.speech, whole);
    // The first words are not held back for the interval.
    assert.equal(partials[0]?.properties.speech, 'w0 ');
    // Each partial holds all the speech before it, and they begin at least an interval apart (the
    // timestamp is taken as each is appended; 5 ms of slack for the clock's rounding).
    for (let i = 1; i < partials.length; i++) {
      const prev = partials[i - 1] as Env;
      const cur = partials[i] as Env;
      assert.ok(cur.properties.speech.startsWith(prev.properties.speech), `partial ${i} grows`);
      const gapMs = (cur.timestamp - prev.timestamp) * 1000;
      assert.ok(gapMs >= INTERVAL_MS - 5, `partials ${i - 1} and ${i} only ${gapMs.toFixed(1)} ms apart`);
    }
    // Paced, not one per delta (the gaps above bound the count by the stream's length, however slow
    // the machine makes the deltas).
    assert.ok(partials.length < DELTAS, `${partials.length} partials for ${DELTAS} deltas`);
  });
});

pacedSuite('a streamed answer that ends before the interval', 10_000, (turn) => {
  test('the final partial is not held for the interval: the answer ends, it is sent', async () => {
    const { events, ms } = await turn('Quick, please.');
    // The first words at once, then (the rest came within the interval) only the final one.
    assert.deepEqual(
      streamedOf(events).map((e: Env) => [e.properties.speech, e.properties.final]),
      [
        ['w0 ', false],
        ['w0 w1 w2 ', true],
      ],
    );
    // Held, it would have waited out the 10 s interval.
    assert.ok(ms < 5_000, `the turn took ${ms} ms`);
  });
});
