import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { appendEvents } from '../src/conversations/events.ts';
import { tavusPersona, textChunks } from './helpers/chat-surface.ts';
import { createConversation, type Env, interaction } from './helpers/conversations.ts';
import { sse, startChatFake } from './helpers/fake-chat-upstream.ts';
import { describeEachBackend } from './helpers/harness.ts';

/**
 * A turn's history is the conversation's most recent utterances (400), read through their own index:
 * a long conversation neither loses its latest turns nor costs more per turn as it grows (each turn used
 * to read every event from the first, streamed partials included).
 */
const fake = await startChatFake('openai');
after(() => fake.close());

describeEachBackend(
  'conversation history given to the LLM',
  (h) => {
    test('after 450 exchanges the LLM gets the latest 400 utterances, newest last, and the question', async () => {
      const a = await h().newAccount();
      const persona = await tavusPersona(h, a, {
        layers: { llm: { model: 'own-model', base_url: `${fake.origin}/v1`, api_key: fake.key } },
      });
      const c = await createConversation(h, a, { persona_id: persona.persona_id });
      const id = c.conversation_id;
      const db = h().services.db;
      for (let i = 0; i < 450; i += 50) {
        const batch = [];
        for (let j = i; j < i + 50; j++) {
          batch.push(
            { event_type: 'conversation.utterance', properties: { role: 'user', speech: `u${j}` } },
            {
              event_type: 'conversation.utterance.streaming',
              properties: { role: 'replica', speech: `partial ${j}` },
            },
            { event_type: 'conversation.utterance', properties: { role: 'replica', speech: `r${j}` } },
          );
        }
        await appendEvents(db, id, batch, new Date());
      }
      fake.next({ sse: sse.openai(textChunks(['Noted.'])) });
      const r = await h().request('POST', `/v2/conversations/${id}/events`, {
        account: a,
        json: interaction(id, 'conversation.respond', { text: 'marker-latest-question' }),
      });
      assert.ok(r.status < 300, r.text);
      let upstream: (typeof fake.requests)[number] | undefined;
      for (let i = 0; i < 200 && !upstream; i++) {
        upstream = fake.requests.find((q) => JSON.stringify(q.body).includes('marker-latest-question'));
        if (!upstream) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.ok(upstream, 'the turn reached the LLM');
      const said = (upstream.body as Env).messages
        .filter((m: Env) => m.role === 'user' || m.role === 'assistant')
        .map((m: Env) => m.content);
      assert.equal(said.length, 400, 'the 400 most recent utterances');
      assert.equal(said.at(-1), 'marker-latest-question');
      assert.equal(said.at(-2), 'r449');
      assert.ok(!said.includes('u0') && !said.includes('u250'), 'older utterances left out');
      assert.equal(said[0], 'r250', 'the oldest kept');
      assert.ok(!said.some((t: string) => t.startsWith('partial')), 'streamed partials are not history');
      // The turn ends (its answer in the transcript) before the suite closes the store under it.
      let done = false;
      for (let i = 0; i < 200 && !done; i++) {
        const v = await h().request('GET', `/v2/conversations/${id}?verbose=true`, { account: a });
        done = v.body.transcript?.some((t: Env) => t.role === 'assistant' && t.content === 'Noted.') ?? false;
        if (!done) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.ok(done, 'the answer was recorded');
    });
  },
  { PERSONAKIT_ALLOWED_HOSTS: '127.0.0.1', PERSONAKIT_ENCRYPTION_KEY: 'ef'.repeat(32) },
);
