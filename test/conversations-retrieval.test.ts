import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { knowledgeQuery, rerankByCoverage, STRATEGIES } from '../src/chat/knowledge.ts';
import { tavusPersona } from './helpers/chat-surface.ts';
import {
  createConversation,
  type Env,
  EventReader,
  interaction,
  utterance,
} from './helpers/conversations.ts';
import { type Account, describeEachBackend, listen } from './helpers/harness.ts';
import { upload, waitForDocument } from './helpers/knowledge.ts';

/**
 * `document_retrieval_strategy` changes what a conversation's turn retrieves, through the chat engine's
 * one retrieval function: `speed` asks for fewer passages with a smaller budget and searches the last
 * user turn alone; `quality` widens the query with earlier turns, asks for more and reranks. Observed
 * where an application sees it: the citations of the replica's utterance (the local engine answers).
 */

/** Twelve sections of ~250 tokens, each its own chunk, each about the lighthouse; no word "why". */
const GUIDE = Array.from({ length: 12 }, (_, i) =>
  [
    `# Lighthouse note ${i + 1}`,
    '',
    `The lighthouse keeper Martha ${i + 1} keeps the lamp lit on night ${i + 1}. `.repeat(12),
    '',
  ].join('\n'),
).join('\n');

describeEachBackend(
  'conversations: document_retrieval_strategy',
  (h) => {
    let origin = '';
    let listener: Awaited<ReturnType<typeof listen>> | undefined;
    let a: Account;
    let personaId = '';
    before(async () => {
      listener = await listen(h());
      origin = listener.url;
      a = await h().newAccount();
      const tag = `guide-${crypto.randomUUID().slice(0, 8)}`;
      const r = await upload(h(), a, { name: 'guide.md', type: 'text/markdown', text: GUIDE }, { tags: tag });
      assert.equal(r.status, 200, r.text);
      const ready = await waitForDocument(h(), a, r.body.document_id);
      assert.equal(ready.status, 'ready', JSON.stringify(ready));
      personaId = (await tavusPersona(h, a, { document_tags: [tag] })).persona_id;
    });
    after(() => listener?.close());

    /** Asks each question in turn; the replica utterances' citations, one list per answer. */
    async function citationsFor(strategy: string | undefined, questions: string[]): Promise<Env[][]> {
      const c = await createConversation(h, a, {
        persona_id: personaId,
        ...(strategy !== undefined && { document_retrieval_strategy: strategy }),
      });
      const id = c.conversation_id;
      const reader = new EventReader(`${origin}/v2/conversations/${id}/events`, a.auth);
      const out: Env[][] = [];
      for (const [i, text] of questions.entries()) {
        const r = await h().request('POST', `/v2/conversations/${id}/events`, {
          account: a,
          json: interaction(id, 'conversation.respond', { text }),
        });
        assert.equal(r.status, 200, r.text);
        await reader.waitFor(
          (e) => utterance('replica')(e) && e.turn_idx === i + 1,
          `answer ${i + 1} (${strategy})`,
        );
        const answer = reader.events.filter(utterance('replica')).at(-1);
        out.push(answer.properties.citations);
      }
      reader.close();
      await reader.done;
      return out;
    }

    test('speed retrieves fewer passages than balanced (the default), quality more', async () => {
      const q = ['Who keeps the lighthouse lamp?'];
      const [speed] = await citationsFor('speed', q);
      const [balanced] = await citationsFor('balanced', q);
      const [unset] = await citationsFor(undefined, q);
      const [quality] = await citationsFor('quality', q);
      assert.ok(speed && balanced && unset && quality);
      assert.ok(speed.length > 0, 'speed still finds the answer');
      assert.ok(speed.length < balanced.length, `speed ${speed.length} < balanced ${balanced.length}`);
      assert.ok(balanced.length < quality.length, `balanced ${balanced.length} < quality ${quality.length}`);
      assert.equal(unset.length, balanced.length, 'balanced is the default');
      assert.ok(speed.length <= STRATEGIES.speed.candidates);
    });

    test('a follow-up needs the earlier turn: speed searches the last turn alone, balanced and quality find it', async () => {
      const q = ['Who keeps the lighthouse lamp?', 'Why?'];
      const [, speed] = await citationsFor('speed', q);
      const [, balanced] = await citationsFor('balanced', q);
      const [, quality] = await citationsFor('quality', q);
      assert.deepEqual(speed, []);
      assert.ok((balanced?.length ?? 0) > 0);
      assert.ok((quality?.length ?? 0) > 0);
    });

    test('an unknown strategy is refused in the Tavus error shape', async () => {
      const r = await h().request('POST', '/v2/conversations', {
        account: a,
        json: { persona_id: personaId, document_retrieval_strategy: 'fastest' },
      });
      assert.equal(r.status, 400);
      assert.equal(typeof r.body.error, 'string');
    });
  },
  {},
  { startJobs: true },
);

test('quality widens the query with earlier user turns; speed keeps the last one alone', () => {
  const messages = [
    { role: 'user' as const, content: 'one' },
    { role: 'assistant' as const, content: 'a' },
    { role: 'user' as const, content: 'two' },
    { role: 'user' as const, content: 'three' },
    { role: 'user' as const, content: 'four' },
    { role: 'user' as const, content: 'five' },
  ];
  assert.equal(knowledgeQuery(messages, STRATEGIES.speed.earlierTurns), 'five');
  assert.equal(knowledgeQuery(messages, STRATEGIES.balanced.earlierTurns), 'five\nfour');
  assert.equal(knowledgeQuery(messages, STRATEGIES.quality.earlierTurns), 'five\nfour\nthree\ntwo');
});

test('the rerank puts passages covering more of the question first, rank breaking ties', () => {
  const passages = [
    { text: 'The canteen serves lunch.', id: 1 },
    { text: 'Parking is under building B.', id: 2 },
    { text: 'The parking garage closes on Sundays.', id: 3 },
    { text: 'Garages and parking: see building B.', id: 4 },
  ];
  const ranked = rerankByCoverage(passages, 'When does the parking garage close?');
  assert.deepEqual(
    ranked.map((p) => p.id),
    [3, 4, 2, 1],
  );
  assert.deepEqual(
    rerankByCoverage(passages, '?!').map((p) => p.id),
    [1, 2, 3, 4],
    'no terms: the search order stays',
  );
});
