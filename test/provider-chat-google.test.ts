import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { SKIP_SIGNATURE } from '../src/providers/google-chat.ts';
import { ClientGone } from '../src/providers/upstream-errors.ts';
import { appError, converse, providerAt, streamed } from './helpers/chat-calls.ts';
import { conversation, simple } from './helpers/chat-conversation.ts';
import { sse, startChatFake } from './helpers/fake-chat-upstream.ts';

const fake = await startChatFake('google');
after(() => fake.close());

const last = () => fake.requests.at(-1) ?? assert.fail('no request');
const usageMetadata = { promptTokenCount: 400, candidatesTokenCount: 25, totalTokenCount: 425 };
const answer = (parts: object[], finishReason: string, responseId: string = crypto.randomUUID()) => ({
  candidates: [{ content: { role: 'model', parts }, finishReason, index: 0 }],
  usageMetadata,
  modelVersion: 'gemini-3.8-flash-001',
  responseId,
});

/** conversation() as generateContent has it: model turns, one user turn holding both function responses. */
const wireContents = (marker: string) => [
  { role: 'user', parts: [{ text: `Hello ${marker}` }] },
  { role: 'model', parts: [{ text: 'Hi! How can I help?' }] },
  { role: 'user', parts: [{ text: 'Weather in Paris and Rome?' }] },
  {
    role: 'model',
    parts: [
      { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SKIP_SIGNATURE },
      { functionCall: { name: 'get_weather', args: { city: 'Rome' } } },
    ],
  },
  {
    role: 'user',
    parts: [
      { functionResponse: { name: 'get_weather', response: { temp: 21 } } },
      { functionResponse: { name: 'get_weather', response: { output: 'sunny, 25C' } } },
      { text: 'Thanks! And Berlin?' },
    ],
  },
];

test('google: a multi-turn conversation with a tool round is sent as generateContent; calls get stable ids', async () => {
  const marker = crypto.randomUUID();
  const reply = answer(
    [
      { functionCall: { name: 'get_weather', args: { city: 'Berlin' } }, thoughtSignature: 'c2lnLUE=' },
      { functionCall: { name: 'get_time', args: {} } },
    ],
    'STOP',
    'resp-1',
  );
  fake.next({ json: reply });
  const result = await converse('google', fake, conversation('gemini-3.8-flash', marker));
  const sent = last();
  assert.equal(sent.path, '/v1beta/models/gemini-3.8-flash:generateContent');
  assert.equal(sent.headers['x-goog-api-key'], fake.key);
  assert.ok(!sent.path.includes(fake.key));
  assert.deepEqual(sent.body, {
    contents: wireContents(marker),
    systemInstruction: { parts: [{ text: 'You are Ada.' }, { text: 'Be brief.' }] },
    tools: [
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'Current weather for a city',
            parametersJsonSchema: {
              type: 'object',
              properties: { city: { type: 'string' } },
              required: ['city'],
            },
          },
          { name: 'get_time' },
        ],
      },
    ],
    toolConfig: { functionCallingConfig: { mode: 'AUTO' } },
    generationConfig: { temperature: 0.3, topP: 0.9, maxOutputTokens: 256, stopSequences: ['END'] },
  });
  // Gemini says STOP with function calls; OpenAI clients need tool_calls to run them.
  assert.equal(result.finishReason, 'tool_calls');
  assert.equal(result.text, '');
  assert.deepEqual(result.usage, { inputTokens: 400, outputTokens: 25 });
  assert.equal(result.model, 'gemini-3.8-flash-001');
  const [weather, time] = result.toolCalls;
  assert.equal(weather?.name, 'get_weather');
  assert.equal(weather?.arguments, '{"city":"Berlin"}');
  assert.equal(time?.arguments, '{}');
  // The first call carries Gemini's thought signature back; ids are unique within the answer.
  assert.match(weather?.id ?? '', /^call_[0-9a-f]{24}\.c2lnLUE=$/);
  assert.match(time?.id ?? '', /^call_[0-9a-f]{24}$/);

  // Stable: the same answer gives the same ids.
  fake.next({ json: reply });
  const again = await converse('google', fake, conversation('gemini-3.8-flash', marker));
  assert.deepEqual(again.toolCalls, result.toolCalls);

  // The round trip: the ids come back; names are found by id, the signature rides on the first call.
  fake.next({ json: answer([{ text: 'Berlin: 18C.' }], 'STOP') });
  const req = conversation('gemini-3.8-flash', marker);
  req.messages.push(
    { role: 'assistant', content: '', toolCalls: result.toolCalls },
    { role: 'tool', toolCallId: weather?.id ?? '', content: '18C' },
    { role: 'tool', toolCallId: time?.id ?? '', content: '"12:00"' },
  );
  const final = await converse('google', fake, req);
  assert.equal(final.text, 'Berlin: 18C.');
  assert.equal(final.finishReason, 'stop');
  const contents = last().body.contents;
  assert.deepEqual(contents.at(-2), {
    role: 'model',
    parts: [
      { functionCall: { name: 'get_weather', args: { city: 'Berlin' } }, thoughtSignature: 'c2lnLUE=' },
      { functionCall: { name: 'get_time', args: {} } },
    ],
  });
  assert.deepEqual(contents.at(-1), {
    role: 'user',
    parts: [
      { functionResponse: { name: 'get_weather', response: { output: '18C' } } },
      { functionResponse: { name: 'get_time', response: { output: '"12:00"' } } },
    ],
  });
});

test('google: tool choices map to functionCallingConfig modes; json formats to responseMimeType; finish reasons', async () => {
  const cases = [
    ['required', { mode: 'ANY' }, 'MAX_TOKENS', 'length'],
    ['none', { mode: 'NONE' }, 'SAFETY', 'content_filter'],
    [
      { name: 'get_time' },
      { mode: 'ANY', allowedFunctionNames: ['get_time'] },
      'RECITATION',
      'content_filter',
    ],
  ] as const;
  for (const [ours, wire, reason, finish] of cases) {
    fake.next({ json: answer([{ text: 'x' }], reason) });
    const r = await converse('google', fake, { ...conversation('m', 'c'), toolChoice: ours });
    assert.deepEqual(last().body.toolConfig, { functionCallingConfig: wire });
    assert.equal(r.finishReason, finish);
  }
  const schema = { type: 'object', properties: { a: { type: 'number' } } };
  fake.next({ json: answer([{ text: '{"a":1}' }], 'STOP') });
  await converse('google', fake, {
    ...simple('models/gemini-3.8-flash', 'j'),
    responseFormat: { type: 'json_schema', json_schema: { name: 'x', schema } },
  });
  assert.equal(last().path, '/v1beta/models/gemini-3.8-flash:generateContent');
  assert.deepEqual(last().body.generationConfig, {
    responseMimeType: 'application/json',
    responseJsonSchema: schema,
  });
  assert.equal(last().body.systemInstruction, undefined);

  fake.next({ json: answer([{ text: '{}' }], 'STOP') });
  await converse('google', fake, { ...simple('m', 'o'), responseFormat: { type: 'json_object' } });
  assert.deepEqual(last().body.generationConfig, { responseMimeType: 'application/json' });

  // A blocked prompt: no candidates, an empty answer finished by the content filter.
  fake.next({ json: { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata, modelVersion: 'g' } });
  const blocked = await converse('google', fake, simple('m', 'b'));
  assert.deepEqual(blocked, {
    text: '',
    toolCalls: [],
    finishReason: 'content_filter',
    model: 'g',
    usage: { inputTokens: 400, outputTokens: 25 },
  });
});

test('google: a tool turn answering a call not in the history is a 400 before any call', async () => {
  const before = fake.requests.length;
  const err = await appError(
    converse('google', fake, {
      model: 'm',
      messages: [
        { role: 'user', content: 'x' },
        { role: 'tool', toolCallId: 'nowhere', content: 'r' },
      ],
    }),
  );
  assert.equal(err.status, 400);
  assert.equal(fake.requests.length, before);
});

test('google: a stream passes text and whole function calls on and assembles the answer', async () => {
  const marker = crypto.randomUUID();
  fake.next({
    sse: sse.google([
      {
        candidates: [{ content: { role: 'model', parts: [{ text: 'Checking ' }] }, index: 0 }],
        modelVersion: 'gemini-3.8-flash-001',
        responseId: 'r-9',
      },
      {
        candidates: [{ content: { role: 'model', parts: [{ text: 'Berlin.' }] }, index: 0 }],
        modelVersion: 'gemini-3.8-flash-001',
        responseId: 'r-9',
      },
      {
        candidates: [
          {
            content: {
              role: 'model',
              parts: [
                { functionCall: { name: 'get_weather', args: { city: 'Berlin' } }, thoughtSignature: 'U0lH' },
                { functionCall: { name: 'get_time', args: {} } },
              ],
            },
            finishReason: 'STOP',
            index: 0,
          },
        ],
        usageMetadata,
        modelVersion: 'gemini-3.8-flash-001',
        responseId: 'r-9',
      },
    ]),
  });
  const { result, deltas } = await streamed('google', fake, conversation('gemini-3.8-flash', marker));
  const sent = last();
  assert.equal(sent.path, '/v1beta/models/gemini-3.8-flash:streamGenerateContent?alt=sse');
  assert.deepEqual(sent.body.contents, wireContents(marker));
  const ids = result.toolCalls.map((c) => c.id);
  assert.deepEqual(deltas, [
    { type: 'text', text: 'Checking ' },
    { type: 'text', text: 'Berlin.' },
    { type: 'tool_call', index: 0, id: ids[0], name: 'get_weather', arguments: '{"city":"Berlin"}' },
    { type: 'tool_call', index: 1, id: ids[1], name: 'get_time', arguments: '{}' },
  ]);
  assert.match(ids[0] ?? '', /^call_[0-9a-f]{24}\.U0lH$/);
  assert.notEqual(ids[0], ids[1]);
  assert.deepEqual(
    { ...result, toolCalls: result.toolCalls.map((c) => c.name) },
    {
      text: 'Checking Berlin.',
      toolCalls: ['get_weather', 'get_time'],
      finishReason: 'tool_calls',
      model: 'gemini-3.8-flash-001',
      usage: { inputTokens: 400, outputTokens: 25 },
    },
  );
});

test('google: a bad key (400 API_KEY_INVALID), errors with status, a stream error and a cut stream', async () => {
  const { chat, call } = providerAt('google', fake);
  let err = await appError(chat.converse({ ...call, apiKey: 'AIza-wrong' }, simple('m', 'k')));
  assert.equal(err.code, 'unauthorized');

  fake.next({
    json: {
      error: {
        code: 429,
        message: 'Resource has been exhausted (e.g. check quota).',
        status: 'RESOURCE_EXHAUSTED',
      },
    },
    status: 429,
    headers: { 'retry-after': '30' },
  });
  err = await appError(chat.openConverse(call, simple('m', 'q')));
  assert.equal(err.code, 'rate_limited');
  assert.equal(err.retryAfter, '30');

  fake.next({
    json: {
      error: { code: 400, message: 'Invalid value at generation_config.top_p', status: 'INVALID_ARGUMENT' },
    },
    status: 400,
  });
  err = await appError(converse('google', fake, simple('m', 'i')));
  assert.equal(err.status, 400);
  assert.match(err.message, /generation_config.top_p/);

  fake.next({
    sse: sse.google([
      { candidates: [{ content: { role: 'model', parts: [{ text: 'a' }] } }] },
      { error: { code: 500, message: 'An internal error has occurred.', status: 'INTERNAL' } },
    ]),
  });
  err = await appError(streamed('google', fake, simple('m', 'e')));
  assert.match(err.message, /mid-stream: An internal error has occurred/);

  fake.next({ sse: sse.google([{ candidates: [{ content: { role: 'model', parts: [{ text: 'a' }] } }] }]) });
  err = await appError(streamed('google', fake, simple('m', 'c')));
  assert.match(err.message, /broke off before the end/);
});

test('google: aborting mid-stream closes the upstream connection', async () => {
  const controller = new AbortController();
  fake.next({
    sse: sse.google([{ candidates: [{ content: { role: 'model', parts: [{ text: 'first' }] } }] }]),
    hold: true,
  });
  const { chat, call } = providerAt('google', fake, '', controller.signal);
  const stream = await chat.openConverse(call, simple('m', 'abort'));
  const sent = last();
  const reading = stream.read(() => {
    controller.abort();
    return undefined;
  });
  await assert.rejects(reading, (e) => e instanceof ClientGone);
  await sent.connectionClosed;
});
