import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ClientGone } from '../src/providers/upstream-errors.ts';
import { appError, converse, providerAt, streamed } from './helpers/chat-calls.ts';
import { conversation, simple } from './helpers/chat-conversation.ts';
import { sse, startChatFake } from './helpers/fake-chat-upstream.ts';

const fake = await startChatFake('anthropic');
after(() => fake.close());

const last = () => fake.requests.at(-1) ?? assert.fail('no request');
const MODEL = 'claude-haiku-5-5-20261101';

const message = (content: object[], stop_reason: string) => ({
  id: 'msg_01',
  type: 'message',
  role: 'assistant',
  model: MODEL,
  content,
  stop_reason,
  stop_sequence: null,
  usage: { input_tokens: 210, output_tokens: 44, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
});

/** conversation() as the Messages API has it: system on top, one user turn holding both tool results. */
const wireMessages = (marker: string) => [
  { role: 'user', content: `Hello ${marker}` },
  { role: 'assistant', content: 'Hi! How can I help?' },
  { role: 'user', content: 'Weather in Paris and Rome?' },
  {
    role: 'assistant',
    content: [
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { city: 'Rome' } },
    ],
  },
  {
    role: 'user',
    content: [
      { type: 'tool_result', tool_use_id: 'call_1', content: '{"temp":21}' },
      { type: 'tool_result', tool_use_id: 'call_2', content: 'sunny, 25C' },
      { type: 'text', text: 'Thanks! And Berlin?' },
    ],
  },
];

test('anthropic: a multi-turn conversation with a tool round is sent as Messages; a tool_use comes back as a tool call', async () => {
  const marker = crypto.randomUUID();
  fake.next({
    json: message(
      [
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Berlin' } },
      ],
      'tool_use',
    ),
  });
  const result = await converse('anthropic', fake, conversation('claude-haiku-5-5', marker));
  const sent = last();
  assert.equal(sent.path, '/v1/messages');
  assert.equal(sent.headers['x-api-key'], fake.key);
  assert.equal(sent.headers['anthropic-version'], '2023-06-01');
  assert.equal(sent.headers.authorization, undefined);
  assert.deepEqual(sent.body, {
    model: 'claude-haiku-5-5',
    max_tokens: 256,
    messages: wireMessages(marker),
    stream: false,
    system: 'You are Ada.\n\nBe brief.',
    tools: [
      {
        name: 'get_weather',
        input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        description: 'Current weather for a city',
      },
      { name: 'get_time', input_schema: { type: 'object', properties: {} } },
    ],
    tool_choice: { type: 'auto' },
    temperature: 0.3,
    top_p: 0.9,
    stop_sequences: ['END'],
    metadata: { user_id: 'user-7' },
  });
  assert.deepEqual(result, {
    text: 'Let me check.',
    toolCalls: [{ id: 'toolu_01', name: 'get_weather', arguments: '{"city":"Berlin"}' }],
    finishReason: 'tool_calls',
    model: MODEL,
    usage: { inputTokens: 210, outputTokens: 44 },
  });
});

test('anthropic: tool choices map to auto / any / tool / none; stop reasons to finish reasons', async () => {
  const choices = [
    ['required', { type: 'any' }, 'max_tokens', 'length'],
    [{ name: 'get_time' }, { type: 'tool', name: 'get_time' }, 'refusal', 'content_filter'],
    ['none', { type: 'none' }, 'stop_sequence', 'stop'],
    ['auto', { type: 'auto' }, 'end_turn', 'stop'],
  ] as const;
  for (const [ours, wire, stop, finish] of choices) {
    fake.next({ json: message([{ type: 'text', text: 'ok' }], stop) });
    const r = await converse('anthropic', fake, { ...conversation('m', 'c'), toolChoice: ours });
    assert.deepEqual(last().body.tool_choice, wire);
    assert.equal(r.finishReason, finish);
  }
  // No tools: no tool_choice either, and max_tokens (required) falls back to the default.
  fake.next({ json: message([{ type: 'text', text: 'ok' }], 'end_turn') });
  await converse('anthropic', fake, { ...simple('m', 'n'), toolChoice: 'auto' });
  assert.equal(last().body.tool_choice, undefined);
  assert.equal(last().body.max_tokens, 16_384);
  assert.equal(last().body.system, undefined);
});

test('anthropic: consecutive turns of one role merge; a json_schema response format becomes output_config', async () => {
  fake.next({ json: message([{ type: 'text', text: '{"a":1}' }], 'end_turn') });
  const schema = { type: 'object', properties: { a: { type: 'number' } } };
  await converse('anthropic', fake, {
    model: 'm',
    messages: [
      { role: 'user', content: 'one' },
      { role: 'user', content: 'two' },
      { role: 'assistant', content: '' },
      { role: 'assistant', content: 'three' },
      { role: 'system', content: 'late system note' },
      { role: 'user', content: 'four' },
    ],
    responseFormat: { type: 'json_schema', json_schema: { name: 'x', schema } },
  });
  const body = last().body;
  assert.deepEqual(body.messages, [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'one' },
        { type: 'text', text: 'two' },
      ],
    },
    { role: 'assistant', content: 'three' },
    { role: 'user', content: 'four' },
  ]);
  assert.equal(body.system, 'late system note');
  assert.deepEqual(body.output_config, { format: { type: 'json_schema', schema } });
});

test('anthropic: tool-call arguments that are not a JSON object are a 400 before any call', async () => {
  const before = fake.requests.length;
  const err = await appError(
    converse('anthropic', fake, {
      model: 'm',
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: '', toolCalls: [{ id: 't1', name: 'f', arguments: '[1,2]' }] },
        { role: 'tool', toolCallId: 't1', content: 'r' },
      ],
    }),
  );
  assert.equal(err.status, 400);
  assert.equal(fake.requests.length, before);
});

test('anthropic: a stream passes text and input_json_delta fragments on and assembles the tool calls', async () => {
  const marker = crypto.randomUUID();
  fake.next({
    sse: sse.named([
      {
        type: 'message_start',
        message: { ...message([], ''), stop_reason: null, usage: { input_tokens: 210, output_tokens: 1 } },
      },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'ping' },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Checking ' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Berlin.' } },
      { type: 'content_block_stop', index: 0 },
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'toolu_A', name: 'get_weather', input: {} },
      },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '' } },
      {
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'input_json_delta', partial_json: '{"city": "Ber' },
      },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: 'lin"}' } },
      { type: 'content_block_stop', index: 1 },
      {
        type: 'content_block_start',
        index: 2,
        content_block: { type: 'tool_use', id: 'toolu_B', name: 'get_time', input: {} },
      },
      { type: 'content_block_stop', index: 2 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { output_tokens: 52 },
      },
      { type: 'message_stop' },
    ]),
  });
  const { result, deltas } = await streamed('anthropic', fake, conversation('claude-haiku-5-5', marker));
  const sent = last();
  assert.equal(sent.body.stream, true);
  assert.equal(sent.headers.accept, 'text/event-stream');
  assert.deepEqual(sent.body.messages, wireMessages(marker));
  assert.deepEqual(deltas, [
    { type: 'text', text: 'Checking ' },
    { type: 'text', text: 'Berlin.' },
    { type: 'tool_call', index: 0, id: 'toolu_A', name: 'get_weather' },
    { type: 'tool_call', index: 0, arguments: '{"city": "Ber' },
    { type: 'tool_call', index: 0, arguments: 'lin"}' },
    { type: 'tool_call', index: 1, id: 'toolu_B', name: 'get_time' },
    { type: 'tool_call', index: 1, arguments: '{}' },
  ]);
  assert.deepEqual(result, {
    text: 'Checking Berlin.',
    toolCalls: [
      { id: 'toolu_A', name: 'get_weather', arguments: '{"city": "Berlin"}' },
      { id: 'toolu_B', name: 'get_time', arguments: '{}' },
    ],
    finishReason: 'tool_calls',
    model: MODEL,
    usage: { inputTokens: 210, outputTokens: 52 },
  });
});

test('anthropic: error bodies keep their status; a stream error event and a missing message_stop are 502s', async () => {
  const err429 = {
    type: 'error',
    error: { type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit' },
  };
  fake.next({ json: err429, status: 429, headers: { 'retry-after': '12' } });
  let err = await appError(converse('anthropic', fake, simple('m', 'r')));
  assert.equal(err.code, 'rate_limited');
  assert.equal(err.retryAfter, '12');

  fake.next({
    json: { type: 'error', error: { type: 'overloaded_error', message: `Overloaded ${fake.key}` } },
    status: 529,
  });
  err = await appError(converse('anthropic', fake, simple('m', 'o')));
  assert.equal(err.status, 502);
  assert.match(err.message, /Overloaded \[redacted\]/);

  fake.next({
    json: { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: too large' } },
    status: 400,
  });
  const { chat, call } = providerAt('anthropic', fake);
  err = await appError(chat.openConverse(call, simple('m', 'i')));
  assert.equal(err.status, 400);
  assert.match(err.message, /max_tokens: too large/);

  err = await appError(chat.converse({ ...call, apiKey: 'sk-ant-wrong' }, simple('m', 'k')));
  assert.equal(err.code, 'unauthorized');

  fake.next({
    sse: sse.named([
      { type: 'message_start', message: message([], '') },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'a' } },
      { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    ]),
  });
  err = await appError(streamed('anthropic', fake, simple('m', 'e')));
  assert.equal(err.code, 'upstream_failed');
  assert.match(err.message, /mid-stream: Overloaded/);

  fake.next({ sse: sse.named([{ type: 'message_start', message: message([], '') }]) });
  err = await appError(streamed('anthropic', fake, simple('m', 'c')));
  assert.match(err.message, /broke off before the end/);
});

test('anthropic: aborting mid-stream closes the upstream connection', async () => {
  const controller = new AbortController();
  fake.next({
    sse: sse.named([
      { type: 'message_start', message: message([], '') },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'first' } },
    ]),
    hold: true,
  });
  const { chat, call } = providerAt('anthropic', fake, '', controller.signal);
  const stream = await chat.openConverse(call, simple('m', 'abort'));
  const sent = last();
  const reading = stream.read(() => {
    controller.abort();
    return undefined;
  });
  await assert.rejects(reading, (e) => e instanceof ClientGone);
  await sent.connectionClosed;
});
