import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { chunk, tavusPersona } from './helpers/chat-surface.ts';
import {
  createConversation,
  type Env,
  EventReader,
  interaction,
  utterance,
} from './helpers/conversations.ts';
import { describeEachBackend, listen } from './helpers/harness.ts';

/**
 * Streamed partials are paced (PERSONAKIT_UTTERANCE_STREAM_INTERVAL_MS): a provider sending a token every
 * few ms gives the first words at once, then at most one conversation.utterance.streaming per interval,
 * each with all the speech so far, and the final event without waiting for the interval.
 */

const DELTAS = 60;
const GAP_MS = 4;
const INTERVAL_MS = 60;

// An OpenAI-format upstream streaming DELTAS words GAP_MS apart (each its own network write).
const upstream = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(`data: ${JSON.stringify(chunk({ role: 'assistant', content: '' }))}\n\n`);
    let i = 0;
    const next = () => {
      if (res.destroyed) return;
      if (i === DELTAS) {
        res.end(`data: ${JSON.stringify(chunk({}, 'stop'))}\n\ndata: [DONE]\n\n`);
        return;
      }
      res.write(`data: ${JSON.stringify(chunk({ content: `w${i++} ` }))}\n\n`);
      setTimeout(next, GAP_MS);
    };
    next();
  });
});
await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
after(() => new Promise<void>((r) => upstream.close(() => r())));

const whole = Array.from({ length: DELTAS }, (_, i) => `w${i} `).join('');

describeEachBackend(
  'streamed utterances are paced',
  (h) => {
    let origin = '';
    let listener: Awaited<ReturnType<typeof listen>> | undefined;
    before(async () => {
      listener = await listen(h());
      origin = listener.url;
    });
    after(() => listener?.close());

    test('first words at once, then one partial per interval with all the speech so far, final at once', async () => {
      const a = await h().newAccount();
      const persona = await tavusPersona(h, a, {
        layers: { llm: { model: 'own-model', base_url: upstreamUrl, api_key: 'sk-pace' } },
      });
      const { conversation_id: id } = await createConversation(h, a, { persona_id: persona.persona_id });
      const r = new EventReader(`${origin}/v2/conversations/${id}/events`, a.auth);
      const sent = await h().request('POST', `/v2/conversations/${id}/events`, {
        account: a,
        json: interaction(id, 'conversation.respond', { text: 'Count for me.' }),
      });
      assert.equal(sent.status, 200, sent.text);
      const said = await r.waitFor(utterance('replica'), 'the replica utterance');
      r.close();
      assert.equal(said.properties.speech, whole);

      const streamed = r.events.filter((e: Env) => e.event_type === 'conversation.utterance.streaming');
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
      // ~240 ms of deltas: a handful of partials, not one per delta.
      assert.ok(partials.length < DELTAS / 4, `${partials.length} partials for ${DELTAS} deltas`);
      // The final one is not held for the interval: it follows the last partial as soon as the answer ends.
      const stopped = r.events.find((e: Env) => e.event_type === 'conversation.stopped_speaking');
      assert.ok(stopped, 'the turn ended');
    });
  },
  {
    PERSONAKIT_ALLOWED_HOSTS: '127.0.0.1',
    PERSONAKIT_ENCRYPTION_KEY: 'ab'.repeat(32),
    PERSONAKIT_UTTERANCE_STREAM_INTERVAL_MS: String(INTERVAL_MS),
  },
);
