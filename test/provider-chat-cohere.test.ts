import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ClientGone } from '../src/providers/upstream-errors.ts';
import { appError, converse, providerAt, streamed } from './helpers/chat-calls.ts';
import { conversation, simple } from './helpers/chat-conversation.ts';
import { sse, startChatFake } from './helpers/fake-chat-upstream.ts';

const fake = await startChatFake('cohere');
after(() => fake.close());

const last = () => fake.requests.at(-1) ?? assert.fail('no request');
const usage = {
  billed_units: { input_tokens: 300, output_tokens: 40 },
  tokens: { input_tokens: 310, output_tokens: 41 },
};

/** conversation() as v2 chat has it: OpenAI's roles one to one, tool calls with ids. */
const wireMessages = (marker: string) => [
  { role: 'system', content: 'You are Ada.' },
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: `Hello ${marker}` },
  { role: 'assistant', content: 'Hi! How can I help?' },
  { role: 'user', content: 'Weather in Paris and Rome?' },
  {
    role: 'assistant',
    tool_calls: [
      { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
    ],
  },
  { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
  { role: 'tool', tool_call_id: 'call_2', content: 'sunny, 25C' },
  { role: 'user', content: 'Thanks! And Berlin?' },
];

test('cohere: a multi-turn conversation with a tool round is sent as v2 chat; tool calls and the tool plan come back', async () => {
  const marker = crypto.randomUUID();
  fake.next({
    json: {
      id: 'c-1',
      finish_reason: 'TOOL_CALL',
      message: {
        role: 'assistant',
        tool_plan: 'I will look up the weather in Berlin.',
        tool_calls: [
          {
            id: 'get_weather_x1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Berlin"}' },
          },
        ],
      },
      usage,
    },
  });
  const result = await converse('cohere', fake, conversation('command-a-plus-05-2026', marker));
  const sent = last();
  assert.equal(sent.path, '/v2/chat');
  assert.equal(sent.headers.authorization, `Bearer ${fake.key}`);
  assert.deepEqual(sent.body, {
    model: 'command-a-plus-05-2026',
    messages: wireMessages(marker),
    stream: false,
    tools: [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          description: 'Current weather for a city',
        },
      },
      { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
    ],
    temperature: 0.3,
    p: 0.9,
    max_tokens: 256,
    stop_sequences: ['END'],
  });
  assert.deepEqual(result, {
    text: 'I will look up the weather in Berlin.',
    toolCalls: [{ id: 'get_weather_x1', name: 'get_weather', arguments: '{"city":"Berlin"}' }],
    finishReason: 'tool_calls',
    model: 'command-a-plus-05-2026',
    usage: { inputTokens: 310, outputTokens: 41 },
  });
});

test('cohere: tool choices, the tool plan sent back, response formats and finish reasons', async () => {
  const answer = (finish: string) => ({
    json: {
      id: 'c',
      finish_reason: finish,
      message: { role: 'assistant', content: [{ type: 'text', text: 'ok' }] },
      usage,
    },
  });
  fake.next(answer('MAX_TOKENS'));
  let r = await converse('cohere', fake, { ...conversation('m', 'a'), toolChoice: 'required' });
  assert.equal(last().body.tool_choice, 'REQUIRED');
  assert.equal(r.finishReason, 'length');

  fake.next(answer('STOP_SEQUENCE'));
  r = await converse('cohere', fake, { ...conversation('m', 'b'), toolChoice: 'none' });
  assert.equal(last().body.tool_choice, 'NONE');
  assert.equal(r.finishReason, 'stop');

  // A named choice: only that tool is offered, and a call is required.
  fake.next(answer('COMPLETE'));
  await converse('cohere', fake, { ...conversation('m', 'c'), toolChoice: { name: 'get_time' } });
  assert.equal(last().body.tool_choice, 'REQUIRED');
  assert.deepEqual(
    last().body.tools.map((t: { function: { name: string } }) => t.function.name),
    ['get_time'],
  );

  // An assistant turn's text beside its tool calls is Cohere's tool_plan.
  fake.next(answer('COMPLETE'));
  const schema = { type: 'object', properties: { a: { type: 'number' } } };
  await converse('cohere', fake, {
    model: 'm',
    messages: [
      { role: 'user', content: 'x' },
      // An empty assistant turn is left out (Cohere refuses empty content).
      { role: 'assistant', content: '' },
      { role: 'assistant', content: 'Plan: call f.', toolCalls: [{ id: 't1', name: 'f', arguments: '{}' }] },
      { role: 'tool', toolCallId: 't1', content: 'r' },
    ],
    responseFormat: { type: 'json_schema', json_schema: { name: 's', schema } },
  });
  assert.deepEqual(last().body.messages[1], {
    role: 'assistant',
    tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{}' } }],
    tool_plan: 'Plan: call f.',
  });
  assert.deepEqual(last().body.response_format, { type: 'json_object', json_schema: schema });

  fake.next({ json: { id: 'c', finish_reason: 'ERROR', message: { role: 'assistant', content: [] } } });
  const err = await appError(converse('cohere', fake, simple('m', 'e')));
  assert.equal(err.status, 502);
});

test('cohere: a stream passes content, tool-plan and tool-call fragments on and assembles the answer', async () => {
  const marker = crypto.randomUUID();
  fake.next({
    sse: sse.named([
      {
        id: 'c-2',
        type: 'message-start',
        delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } },
      },
      { type: 'tool-plan-delta', delta: { message: { tool_plan: 'I will ' } } },
      { type: 'tool-plan-delta', delta: { message: { tool_plan: 'check.' } } },
      {
        type: 'tool-call-start',
        index: 0,
        delta: {
          message: {
            tool_calls: {
              id: 'get_weather_a',
              type: 'function',
              function: { name: 'get_weather', arguments: '' },
            },
          },
        },
      },
      {
        type: 'tool-call-delta',
        index: 0,
        delta: { message: { tool_calls: { function: { arguments: '{"city": ' } } } },
      },
      {
        type: 'tool-call-delta',
        index: 0,
        delta: { message: { tool_calls: { function: { arguments: '"Berlin"}' } } } },
      },
      { type: 'tool-call-end', index: 0 },
      {
        type: 'tool-call-start',
        index: 1,
        delta: {
          message: {
            tool_calls: {
              id: 'get_time_b',
              type: 'function',
              function: { name: 'get_time', arguments: '{}' },
            },
          },
        },
      },
      { type: 'tool-call-end', index: 1 },
      { type: 'message-end', delta: { finish_reason: 'TOOL_CALL', usage } },
    ]),
  });
  const { result, deltas } = await streamed('cohere', fake, conversation('command-a-plus-05-2026', marker));
  assert.equal(last().body.stream, true);
  assert.deepEqual(last().body.messages, wireMessages(marker));
  assert.deepEqual(deltas, [
    { type: 'text', text: 'I will ' },
    { type: 'text', text: 'check.' },
    { type: 'tool_call', index: 0, id: 'get_weather_a', name: 'get_weather' },
    { type: 'tool_call', index: 0, arguments: '{"city": ' },
    { type: 'tool_call', index: 0, arguments: '"Berlin"}' },
    { type: 'tool_call', index: 1, id: 'get_time_b', name: 'get_time', arguments: '{}' },
  ]);
  assert.deepEqual(result, {
    text: 'I will check.',
    toolCalls: [
      { id: 'get_weather_a', name: 'get_weather', arguments: '{"city": "Berlin"}' },
      { id: 'get_time_b', name: 'get_time', arguments: '{}' },
    ],
    finishReason: 'tool_calls',
    model: 'command-a-plus-05-2026',
    usage: { inputTokens: 310, outputTokens: 41 },
  });

  fake.next({
    sse: sse.named([
      { type: 'content-start', index: 0, delta: { message: { content: { type: 'text', text: '' } } } },
      { type: 'content-delta', index: 0, delta: { message: { content: { text: 'Sunny' } } } },
      { type: 'content-delta', index: 0, delta: { message: { content: { text: ' there.' } } } },
      { type: 'content-end', index: 0 },
      { type: 'message-end', delta: { finish_reason: 'MAX_TOKENS', usage } },
    ]),
  });
  const text = await streamed('cohere', fake, simple('m', 't'));
  assert.equal(text.result.text, 'Sunny there.');
  assert.equal(text.result.finishReason, 'length');
});

test('cohere: error bodies keep their status; an error at message-end and a cut stream are 502s', async () => {
  fake.next({ json: { id: 'c', message: 'invalid request: p must be between 0.01 and 0.99' }, status: 400 });
  let err = await appError(converse('cohere', fake, simple('m', 'a')));
  assert.equal(err.status, 400);
  assert.match(err.message, /p must be between/);

  fake.next({ json: { id: 'c', message: 'invalid api token' }, status: 498 });
  err = await appError(converse('cohere', fake, simple('m', 'b')));
  assert.equal(err.code, 'unauthorized');

  fake.next({
    json: { id: 'c', message: 'Trial key limited' },
    status: 429,
    headers: { 'retry-after': '3' },
  });
  const { chat, call } = providerAt('cohere', fake);
  err = await appError(chat.openConverse(call, simple('m', 'c')));
  assert.equal(err.code, 'rate_limited');
  assert.equal(err.retryAfter, '3');

  fake.next({ json: { id: 'c', message: `internal server error (token ${fake.key})` }, status: 500 });
  err = await appError(converse('cohere', fake, simple('m', 'd')));
  assert.equal(err.status, 502);
  assert.ok(!err.message.includes(fake.key));

  fake.next({
    sse: sse.named([
      { type: 'content-delta', index: 0, delta: { message: { content: { text: 'a' } } } },
      { type: 'message-end', delta: { finish_reason: 'ERROR', error: 'internal error during generation' } },
    ]),
  });
  err = await appError(streamed('cohere', fake, simple('m', 'e')));
  assert.match(err.message, /mid-stream: internal error during generation/);

  fake.next({
    sse: sse.named([{ type: 'content-delta', index: 0, delta: { message: { content: { text: 'a' } } } }]),
  });
  err = await appError(streamed('cohere', fake, simple('m', 'f')));
  assert.match(err.message, /broke off before the end/);
});

test('cohere: aborting mid-stream closes the upstream connection', async () => {
  const controller = new AbortController();
  fake.next({
    sse: sse.named([{ type: 'content-delta', index: 0, delta: { message: { content: { text: 'first' } } } }]),
    hold: true,
  });
  const { chat, call } = providerAt('cohere', fake, '', controller.signal);
  const stream = await chat.openConverse(call, simple('m', 'abort'));
  const sent = last();
  const reading = stream.read(() => {
    controller.abort();
    return undefined;
  });
  await assert.rejects(reading, (e) => e instanceof ClientGone);
  await sent.connectionClosed;
});
