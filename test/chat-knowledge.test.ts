import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { completion, tavusPersona, v1Persona } from './helpers/chat-surface.ts';
import { startChatFake } from './helpers/fake-chat-upstream.ts';
import { type Account, describeEachBackend, listen } from './helpers/harness.ts';
import { upload, waitForDocument } from './helpers/knowledge.ts';

/**
 * Knowledge in chat: documents ingested through the knowledge API, searched for each turn, given to the
 * LLM with citation markers and returned as `citations`; with no LLM at all, the local engine answers
 * extractively from them. No operator LLM is configured here: the local engine is the default.
 */

const fake = await startChatFake('openai');
after(() => fake.close());

const HANDBOOK = [
  '# Visiting',
  '',
  "Our office opens at nine. The parking garage is under building B. The garage isn't open on Sundays.",
  '',
  '# Food',
  '',
  'Lunch is served from noon in the canteen on the second floor.',
].join('\n');

describeEachBackend(
  'chat with knowledge',
  (h) => {
    let origin = '';
    let listener: Awaited<ReturnType<typeof listen>> | undefined;
    let a: Account;
    let documentId = '';
    const tag = `handbook-${crypto.randomUUID().slice(0, 8)}`;
    before(async () => {
      listener = await listen(h());
      origin = listener.url;
      a = await h().newAccount();
      const r = await upload(
        h(),
        a,
        { name: 'handbook.md', type: 'text/markdown', text: HANDBOOK },
        { tags: tag },
      );
      assert.equal(r.status, 200, r.text);
      documentId = r.body.document_id;
      const ready = await waitForDocument(h(), a, documentId);
      assert.equal(ready.status, 'ready', JSON.stringify(ready));
    });
    after(() => listener?.close());
    const client = (headers: Record<string, string> = {}) =>
      new OpenAI({ apiKey: a.key, baseURL: `${origin}/v1`, maxRetries: 0, defaultHeaders: headers });

    test('with no LLM configured, the local engine answers from the persona documents, phrased by its rules, with citations', async () => {
      const p = await tavusPersona(h, a, { document_tags: [tag] });
      const r = await client().chat.completions.create({
        model: p.persona_id,
        messages: [{ role: 'user', content: 'Where is the parking garage?' }],
      });
      const text = r.choices[0]?.message.content ?? '';
      assert.match(text, /The parking garage is under building B\. The garage isn't open on Sundays \[1\]\./);
      const citations = (
        r as unknown as { citations: { index: number; document_id: string; text: string }[] }
      ).citations;
      assert.equal(citations[0]?.index, 1);
      assert.equal(citations[0]?.document_id, documentId);
      assert.match(citations[0]?.text ?? '', /parking garage/);
      // Deterministic: the same question, the same answer.
      const again = await client().chat.completions.create({
        model: p.persona_id,
        messages: [{ role: 'user', content: 'Where is the parking garage?' }],
      });
      assert.equal(again.choices[0]?.message.content, text);

      // A /v1 persona with style rules, reading the same documents through the request's document_tags.
      const ruled = await v1Persona(h, a, { contractions: 'never', greeting: 'Hello.' });
      const styled = await client().chat.completions.create({
        model: ruled.id,
        messages: [{ role: 'user', content: 'Is the parking garage open on Sundays?' }],
        // @ts-expect-error personakit's own field
        document_tags: [tag],
      });
      const answer = styled.choices[0]?.message.content ?? '';
      assert.match(answer, /^Hello\. /);
      assert.match(answer, /is not open on Sundays/);
      const checks = (styled as unknown as { checks: { passed: boolean | null }[] }).checks;
      assert.ok(
        checks.every((c) => c.passed !== false),
        JSON.stringify(checks),
      );
    });

    test('streamed, the local answer arrives in pieces and the finish chunk carries its citations', async () => {
      const p = await tavusPersona(h, a, { document_tags: [tag] });
      const stream = await client().chat.completions.create({
        model: p.persona_id,
        messages: [{ role: 'user', content: 'When is lunch served?' }],
        stream: true,
      });
      const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
      for await (const c of stream) chunks.push(c);
      const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
      assert.match(text, /Lunch is served from noon in the canteen on the second floor \[1\]\./);
      assert.ok(chunks.filter((c) => c.choices[0]?.delta.content).length > 1);
      const finish = chunks.find((c) => c.choices[0]?.finish_reason) as unknown as {
        citations: { document_id: string }[];
      };
      assert.equal(finish.citations[0]?.document_id, documentId);
    });

    test('without documents the local engine says honestly that no LLM is configured, and how to configure one', async () => {
      const p = await v1Persona(h, a);
      const r = await client().chat.completions.create({
        model: p.id,
        messages: [{ role: 'user', content: 'Where is the parking garage?' }],
      });
      assert.match(
        r.choices[0]?.message.content ?? '',
        /^I have no documents to answer from\. No language model is configured/,
      );
      assert.match(r.choices[0]?.message.content ?? '', /PERSONAKIT_CHAT_PROVIDER/);
    });

    test('with an LLM, the passages go into the prompt with their markers and come back as citations', async () => {
      const p = await tavusPersona(h, a, { document_tags: [tag] });
      fake.next({ json: completion('Under building B [1].') });
      const r = await client({
        'X-Personakit-Provider': 'openai-compatible',
        'X-Personakit-Provider-Key': fake.key,
        'X-Personakit-Provider-Base-Url': `${fake.origin}/v1`,
        'X-Personakit-Provider-Model': 'm',
      }).chat.completions.create({
        model: p.persona_id,
        messages: [{ role: 'user', content: 'Where is the parking garage?' }],
      });
      const system: string = fake.requests.at(-1)?.body.messages[0].content;
      assert.match(
        system,
        /^You are Ada\.\n\nKnowledge \(passages from your documents.*\n\[1\] \(handbook\.md\) .*parking garage is under building B/s,
      );
      const citations = (r as unknown as { citations: { index: number; document_id: string }[] }).citations;
      assert.deepEqual(
        citations.map((c) => [c.index, c.document_id]),
        [[1, documentId]],
      );
    });

    test('a document id of another account in the request is refused, not searched', async () => {
      const b = await h().newAccount();
      const p = await v1Persona(h, b);
      const err = await new OpenAI({ apiKey: b.key, baseURL: `${origin}/v1`, maxRetries: 0 }).chat.completions
        .create({
          model: p.id,
          messages: [{ role: 'user', content: 'parking?' }],
          // @ts-expect-error personakit's own field
          document_ids: [documentId],
        })
        .then(
          () => assert.fail('no error'),
          (e: unknown) => e,
        );
      assert.ok(err instanceof OpenAI.BadRequestError, String(err));
      assert.equal(err.param, 'document_ids');
    });
  },
  { PERSONAKIT_ALLOWED_HOSTS: '127.0.0.1' },
  { startJobs: true },
);
