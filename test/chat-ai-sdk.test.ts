import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { APICallError, generateText, stepCountIs, streamText, tool } from 'ai';
import { z } from 'zod';
import { completion, textChunks, v1Persona } from './helpers/chat-surface.ts';
import { sse, startChatFake } from './helpers/fake-chat-upstream.ts';
import { type Account, describeEachBackend, listening } from './helpers/harness.ts';

/**
 * A second OpenAI-compatible client nobody here wrote: the Vercel AI SDK's OpenAI-compatible provider,
 * pointed at personakit with a persona id as the model. The LLM behind it is a fake OpenAI upstream on
 * 127.0.0.1 chosen per request with personakit's provider headers, or the local engine with none.
 */

const fake = await startChatFake('openai');
after(() => fake.close());

describeEachBackend(
  'Vercel AI SDK (openai-compatible) against /v1/chat/completions',
  (h) => {
    const origin = listening(h);

    const personakit = (a: Account, byo: boolean) =>
      createOpenAICompatible({
        name: 'personakit',
        baseURL: `${origin()}/v1`,
        apiKey: a.key,
        includeUsage: true,
        headers: byo
          ? {
              'X-Personakit-Provider': 'openai-compatible',
              'X-Personakit-Provider-Key': fake.key,
              'X-Personakit-Provider-Base-Url': `${fake.origin}/v1`,
              'X-Personakit-Provider-Model': 'upstream-model',
            }
          : {},
      });

    test('generateText: the persona answers through the provider the headers name', async () => {
      const a = await h().newAccount();
      const p = await v1Persona(h, a, { exclamations: 'none', enforce: true });
      fake.next({ json: completion('Sure thing!') });
      const r = await generateText({
        model: personakit(a, true)(p.id),
        system: 'Be brief.',
        prompt: 'Can you help?',
      });
      assert.equal(r.text, 'Sure thing.');
      assert.equal(r.finishReason, 'stop');
      assert.equal(r.usage.inputTokens, 120);
      const sent = fake.requests.at(-1)?.body;
      assert.equal(sent.model, 'upstream-model');
      assert.match(sent.messages[0].content, /^You are Ada\.[\s\S]*Be brief\.$/);
      assert.deepEqual(sent.messages.slice(1), [{ role: 'user', content: 'Can you help?' }]);
    });

    test('streamText: deltas and usage arrive as the SDK expects', async () => {
      const a = await h().newAccount();
      const p = await v1Persona(h, a);
      fake.next({ sse: sse.openai(textChunks(['One, ', 'two, ', 'three.'])) });
      const r = streamText({ model: personakit(a, true)(p.id), prompt: 'Count to three.' });
      const pieces: string[] = [];
      for await (const piece of r.textStream) pieces.push(piece);
      assert.equal(pieces.join(''), 'One, two, three.');
      assert.equal((await r.usage).outputTokens, 31);
      assert.equal(await r.finishReason, 'stop');
    });

    test('tools: the SDK runs the tool the persona asked for and sends its result back for the answer', async () => {
      const a = await h().newAccount();
      const p = await v1Persona(h, a);
      fake.next({
        json: completion(null, {
          tool_calls: [
            {
              id: 'call_7',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
            },
          ],
        }),
      });
      fake.next({ json: completion('It is 3 degrees in Oslo.') });
      const asked: string[] = [];
      const r = await generateText({
        model: personakit(a, true)(p.id),
        prompt: 'Weather in Oslo?',
        tools: {
          get_weather: tool({
            description: 'Current weather for a city',
            inputSchema: z.object({ city: z.string() }),
            execute: async ({ city }) => {
              asked.push(city);
              return { temp: 3 };
            },
          }),
        },
        stopWhen: stepCountIs(3),
      });
      assert.deepEqual(asked, ['Oslo']);
      assert.equal(r.text, 'It is 3 degrees in Oslo.');
      const second = fake.requests.at(-1)?.body;
      assert.deepEqual(second.messages.at(-1), {
        role: 'tool',
        tool_call_id: 'call_7',
        content: '{"temp":3}',
      });
      assert.equal(second.tools[0].function.name, 'get_weather');
    });

    test('no provider, no key: the local engine answers, and an unknown model is an APICallError 404', async () => {
      const a = await h().newAccount();
      const p = await v1Persona(h, a);
      const r = await generateText({ model: personakit(a, false)(p.id), prompt: 'Hello?' });
      assert.match(r.text, /No language model is configured/);
      const err = await generateText({ model: personakit(a, false)('p-unknown'), prompt: 'Hello?' }).then(
        () => assert.fail('no error'),
        (e: unknown) => e,
      );
      assert.ok(APICallError.isInstance(err), String(err));
      assert.equal(err.statusCode, 404);
      assert.match(err.responseBody ?? '', /model_not_found/);
    });
  },
  { PERSONAKIT_ALLOWED_HOSTS: '127.0.0.1' },
);
