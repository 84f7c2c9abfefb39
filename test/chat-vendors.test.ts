import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import OpenAI from 'openai';
import { v1Persona } from './helpers/chat-surface.ts';
import { type ChatFake, startChatFake } from './helpers/fake-chat-upstream.ts';
import { type Account, describeEachBackend, listening } from './helpers/harness.ts';

/**
 * The engine over every vendor family: one OpenAI-shaped conversation, sent through personakit to a
 * fake Anthropic, Gemini and Cohere upstream (each refusing what its API refuses), lands with the persona
 * prompt in the vendor's own system slot and the history in its own turns; the answer comes back in
 * OpenAI's shape with the persona's checks. The adapters' full translations are tested in
 * test/provider-chat-*.test.ts.
 */

const fakes = {
  anthropic: await startChatFake('anthropic'),
  google: await startChatFake('google'),
  cohere: await startChatFake('cohere'),
};
after(() => Promise.all(Object.values(fakes).map((f) => f.close())));

const answers = {
  anthropic: (text: string) => ({
    id: 'msg_01',
    type: 'message',
    role: 'assistant',
    model: 'claude-test',
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 5 },
  }),
  google: (text: string) => ({
    candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
    modelVersion: 'gemini-test',
    responseId: 'r1',
  }),
  cohere: (text: string) => ({
    id: 'c-1',
    finish_reason: 'COMPLETE',
    message: { role: 'assistant', content: [{ type: 'text', text }] },
    usage: { tokens: { input_tokens: 10, output_tokens: 5 } },
  }),
};

/** Where each vendor put the system text and the turns, read from what the fake received. */
const read = {
  anthropic: (b: { system: string; messages: { role: string }[] }) => ({
    system: b.system,
    turns: b.messages.length,
  }),
  google: (b: { systemInstruction: { parts: { text: string }[] }; contents: unknown[] }) => ({
    system: b.systemInstruction.parts.map((p) => p.text).join('\n\n'),
    turns: b.contents.length,
  }),
  cohere: (b: { messages: { role: string; content: string }[] }) => ({
    system: b.messages
      .filter((m) => m.role === 'system')
      .map((m) => m.content)
      .join('\n\n'),
    turns: b.messages.filter((m) => m.role !== 'system').length,
  }),
};

describeEachBackend(
  'chat over every vendor family',
  (h) => {
    const origin = listening(h);

    for (const vendor of ['anthropic', 'google', 'cohere'] as const) {
      test(`${vendor}: the persona prompt in the vendor's system slot, the history as its turns, OpenAI's shape back`, async () => {
        const a: Account = await h().newAccount();
        const p = await v1Persona(h, a, { exclamations: 'none', enforce: true });
        const fake: ChatFake = fakes[vendor];
        fake.next({ json: answers[vendor]('Happy to help!') });
        const client = new OpenAI({
          apiKey: a.key,
          baseURL: `${origin()}/v1`,
          maxRetries: 0,
          defaultHeaders: {
            'X-Personakit-Provider': vendor,
            'X-Personakit-Provider-Key': fake.key,
            'X-Personakit-Provider-Base-Url': fake.origin,
            'X-Personakit-Provider-Model': `${vendor}-test`,
          },
        });
        const r = await client.chat.completions.create({
          model: p.id,
          messages: [
            { role: 'system', content: 'Answer in one sentence.' },
            { role: 'user', content: 'Hello' },
            { role: 'assistant', content: 'Hi.' },
            { role: 'user', content: 'Can you help me?' },
          ],
        });
        const sent = read[vendor](fake.requests.at(-1)?.body);
        assert.match(
          sent.system,
          /^You are Ada\.\n\nStyle guide:\n- Do not use exclamation marks\.\n\nAnswer in one sentence\.$/,
        );
        assert.equal(sent.turns, 3);
        assert.equal(r.choices[0]?.message.content, 'Happy to help.');
        assert.equal(r.choices[0]?.finish_reason, 'stop');
        assert.equal(r.model, p.id);
      });
    }
  },
  { PERSONAKIT_ALLOWED_HOSTS: '127.0.0.1' },
);
