import type { Account, Harness } from './harness.ts';

/** Builders for the chat-surface suites: personas to chat with, and what a fake upstream answers. */

export async function v1Persona(
  h: () => Harness,
  account: Account,
  attributes: Record<string, unknown> = {},
) {
  const r = await h().request('POST', '/v1/personas', { account, json: { name: 'Ada', attributes } });
  if (r.status !== 201 && r.status !== 200) throw new Error(`persona: ${r.status} ${r.text}`);
  return r.body as { id: string; name: string };
}

export async function tavusPersona(h: () => Harness, account: Account, fields: Record<string, unknown>) {
  const r = await h().request('POST', '/v2/personas', {
    account,
    json: { persona_name: 'Ada', system_prompt: 'You are Ada.', ...fields },
  });
  if (r.status !== 200) throw new Error(`tavus persona: ${r.status} ${r.text}`);
  return r.body as { persona_id: string };
}

export const USAGE = { prompt_tokens: 120, completion_tokens: 31, total_tokens: 151 };

export function completion(content: string | null, extra: { tool_calls?: unknown[]; finish?: string } = {}) {
  return {
    id: 'chatcmpl-up',
    object: 'chat.completion',
    created: 1_790_000_000,
    model: 'gpt-test-2026',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content,
          refusal: null,
          ...(extra.tool_calls ? { tool_calls: extra.tool_calls } : {}),
        },
        finish_reason: extra.finish ?? (extra.tool_calls ? 'tool_calls' : 'stop'),
      },
    ],
    usage: USAGE,
  };
}

export const chunk = (delta: object, finish: string | null = null, extra: object = {}) => ({
  id: 'chatcmpl-up',
  object: 'chat.completion.chunk',
  created: 1_790_000_000,
  model: 'gpt-test-2026',
  choices: [{ index: 0, delta, finish_reason: finish }],
  ...extra,
});

/** An upstream stream of these text pieces, with usage in its last chunk. */
export function textChunks(pieces: string[]) {
  return [
    chunk({ role: 'assistant', content: '' }),
    ...pieces.map((p) => chunk({ content: p })),
    chunk({}, 'stop'),
    { ...chunk({}), choices: [], usage: USAGE },
  ];
}

export const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
