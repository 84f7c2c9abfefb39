import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPlainChatBody } from '../src/surfaces/openai/plain-body.ts';
import { ChatCompletionBody } from '../src/surfaces/openai/schemas.ts';

/**
 * The hand check of a chat request's common case (ADR 0060) may only say yes where the schema says yes
 * and returns the body unchanged: the native path then skips the schema. Checked on the boundaries of
 * every field it reads and on many generated bodies mixing valid and invalid values.
 */

/** What skipping the schema relies on; returns whether the body was taken by the hand check. */
function agreesWithSchema(body: unknown): boolean {
  const plain = isPlainChatBody(body);
  if (plain) {
    const r = ChatCompletionBody.safeParse(body);
    assert.ok(r.success, `the schema refuses a body taken as plain: ${JSON.stringify(body)}`);
    assert.deepStrictEqual(r.data, body);
  }
  return plain;
}

const user = (content: unknown, extra: Record<string, unknown> = {}) => ({ role: 'user', content, ...extra });
const body = (extra: Record<string, unknown> = {}) => ({ model: 'p1', messages: [user('Hi')], ...extra });

test('the requests clients usually send are taken by the hand check', () => {
  const common = [
    body(),
    body({ stream: true }),
    body({ stream: true, stream_options: { include_usage: true } }),
    body({ temperature: 0.7, max_tokens: 256, top_p: 1, n: 1, user: 'u-42' }),
    body({ max_completion_tokens: 1000, stream: false, enforce: true }),
    // fields the schema does not name pass, as through its loose objects
    body({ seed: 7, parallel_tool_calls: false, metadata: { a: 'b' }, store: false }),
    {
      model: 'p1@3',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: '' },
        user('Hi', { name: 'ada' }),
        { role: 'assistant', content: 'Hello!' },
        user('And?'),
      ],
    },
  ];
  for (const b of common) assert.equal(agreesWithSchema(b), true, JSON.stringify(b));
});

test('on every boundary the hand check takes only what the schema accepts', () => {
  const long = (n: number) => 'x'.repeat(n);
  const cases: unknown[] = [
    null,
    [],
    'body',
    { messages: [user('Hi')] },
    { model: '', messages: [user('Hi')] },
    body({ model: long(200) }),
    body({ model: long(201) }),
    body({ model: 7 }),
    body({ messages: [] }),
    body({ messages: Array.from({ length: 2000 }, () => user('x')) }),
    body({ messages: Array.from({ length: 2001 }, () => user('x')) }),
    body({ messages: [user(long(400_000))] }),
    body({ messages: [user(long(400_001))] }),
    body({ messages: [user('x', { name: '' })] }),
    body({ messages: [user('x', { name: long(64) })] }),
    body({ messages: [user('x', { name: long(65) })] }),
    body({ messages: [user('x', { name: 3 })] }),
    body({ messages: [user(null)] }),
    body({ messages: [user([{ type: 'text', text: 'Hi' }])] }),
    body({ messages: [{ role: 'assistant', content: null }] }),
    body({ messages: [{ role: 'assistant', content: 'x', refusal: null }] }),
    body({ messages: [{ role: 'tool', content: 'x', tool_call_id: 'c1' }] }),
    body({ messages: [{ role: 'function', content: 'x' }] }),
    body({ messages: [{ content: 'x' }] }),
    body({ messages: [user('x', { tool_calls: [] })] }),
    body({ messages: [user('x', { extra: { deep: [1] } })] }),
    body({ messages: ['hi'] }),
    body({ temperature: 0 }),
    body({ temperature: 2 }),
    body({ temperature: 2.0001 }),
    body({ temperature: -0.1 }),
    body({ temperature: Number.POSITIVE_INFINITY }),
    body({ temperature: '1' }),
    body({ temperature: null }),
    body({ top_p: 1 }),
    body({ top_p: 1.01 }),
    body({ max_tokens: 1 }),
    body({ max_tokens: 0 }),
    body({ max_tokens: 1_000_000 }),
    body({ max_tokens: 1_000_001 }),
    body({ max_tokens: 1.5 }),
    body({ max_completion_tokens: null }),
    body({ n: 128 }),
    body({ n: 129 }),
    body({ n: 2 }),
    body({ user: long(256) }),
    body({ user: long(257) }),
    body({ user: null }),
    body({ stream: 'yes' }),
    body({ stream: null }),
    body({ enforce: null }),
    body({ enforce: 1 }),
    body({ stream_options: { include_usage: 'yes' } }),
    body({ tools: [] }),
    body({ tool_choice: 'auto' }),
    body({ response_format: { type: 'text' } }),
    body({ document_ids: ['d1'] }),
    body({ stop: '\n' }),
    JSON.parse('{"model":"p1","messages":[{"role":"user","content":"x"}],"__proto__":{"model":""}}'),
    JSON.parse('{"model":"p1","messages":[{"role":"user","content":"x","__proto__":{"role":"tool"}}]}'),
  ];
  for (const c of cases) agreesWithSchema(c);
});

test('on generated bodies the hand check never takes one the schema refuses or changes', () => {
  let seed = 42;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const strings = [
    '',
    'a',
    'x'.repeat(64),
    'x'.repeat(65),
    'x'.repeat(200),
    'x'.repeat(201),
    'x'.repeat(257),
  ];
  const scalars: unknown[] = [
    ...strings,
    null,
    true,
    false,
    0,
    1,
    -1,
    0.5,
    1.5,
    2,
    2.5,
    128,
    129,
    1_000_000,
    1_000_001,
    Number.POSITIVE_INFINITY,
    [],
    {},
  ];
  const value = () => (rand() < 0.5 ? pick(scalars) : pick([null, true, 1, 0.5, 'a', 64]));
  const message = () => {
    const m: Record<string, unknown> = {};
    if (rand() < 0.98) m.role = pick(['system', 'developer', 'user', 'user', 'assistant', 'tool', 'bot']);
    if (rand() < 0.98) m.content = rand() < 0.9 ? pick(['Hi', '', 'x'.repeat(10)]) : value();
    if (rand() < 0.2) m.name = pick([...strings, 5, null]);
    if (rand() < 0.05) m[pick(['refusal', 'tool_calls', 'tool_call_id', 'extra'])] = value();
    return m;
  };
  /** Each field with values the schema accepts; a generated body mixes them with any value. */
  const fields: Record<string, unknown[]> = {
    stream: [true, false, null],
    enforce: [true, false],
    temperature: [0, 1, 2, null],
    top_p: [0, 1, null],
    max_tokens: [1, 100, 1_000_000, null],
    max_completion_tokens: [1, null],
    n: [1, 128, null],
    user: ['', 'u-1'],
    stream_options: [{ include_usage: true }, {}, null],
    stop: ['\n', null],
    seed: [7],
    metadata: [{ a: 'b' }],
  };
  let taken = 0;
  let refused = 0;
  for (let i = 0; i < 20_000; i++) {
    const b: Record<string, unknown> = {};
    if (rand() < 0.97) b.model = rand() < 0.8 ? 'p1' : pick(scalars);
    if (rand() < 0.97)
      b.messages = Array.from({ length: Math.floor(rand() * 3) + (rand() < 0.95 ? 1 : 0) }, message);
    for (const [f, good] of Object.entries(fields)) {
      if (rand() < 0.2) b[f] = rand() < 0.7 ? pick(good) : value();
    }
    if (agreesWithSchema(b)) taken++;
    else if (!ChatCompletionBody.safeParse(b).success) refused++;
  }
  // Both sides are exercised: many bodies taken by hand, many the schema refuses.
  assert.ok(taken > 1000, `only ${taken} bodies taken`);
  assert.ok(refused > 1000, `only ${refused} bodies refused`);
});
