import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ClientGone } from '../src/providers/upstream-errors.ts';
import { appError, converse, providerAt, streamed } from './helpers/chat-calls.ts';
import { conversation, simple } from './helpers/chat-conversation.ts';
import { type ChatFake, sse, startChatFake } from './helpers/fake-chat-upstream.ts';

const fake = await startChatFake('openai');
const keyless = await startChatFake('openai', { keyless: true });
after(() => Promise.all([fake.close(), keyless.close()]));

const last = (f: ChatFake) => f.requests.at(-1) ?? assert.fail('no request');
const chunk = (delta: object, finish: string | null = null, extra: object = {}) => ({
  id: 'chatcmpl-9',
  object: 'chat.completion.chunk',
  created: 1_790_000_000,
  model: 'gpt-6.1-terra-2026-11-01',
  choices: [{ index: 0, delta, finish_reason: finish }],
  ...extra,
});
const USAGE = { prompt_tokens: 120, completion_tokens: 31, total_tokens: 151 };

/** The messages of conversation() as OpenAI's wire has them. */
const wireMessages = (marker: string) => [
  { role: 'system', content: 'You are Ada.' },
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: `Hello ${marker}` },
  { role: 'assistant', content: 'Hi! How can I help?' },
  { role: 'user', content: 'Weather in Paris and Rome?' },
  {
    role: 'assistant',
    content: null,
    tool_calls: [
      { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
    ],
  },
  { role: 'tool', content: '{"temp":21}', tool_call_id: 'call_1' },
  { role: 'tool', content: 'sunny, 25C', tool_call_id: 'call_2' },
  { role: 'user', content: 'Thanks! And Berlin?' },
];

const wireTools = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
  { type: 'function', function: { name: 'get_time' } },
];

test('openai: a multi-turn conversation with a tool round is sent as Chat Completions; a tool call comes back', async () => {
  const marker = crypto.randomUUID();
  fake.next({
    json: {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1_790_000_000,
      model: 'gpt-6.1-terra-2026-11-01',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            refusal: null,
            tool_calls: [
              {
                id: 'call_b',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Berlin"}' },
              },
            ],
          },
          finish_reason: 'tool_calls',
        },
      ],
      usage: USAGE,
    },
  });
  const req = { ...conversation('gpt-6.1-terra', marker), responseFormat: { type: 'json_object' } };
  const result = await converse('openai', fake, req, '/v1');

  const sent = last(fake);
  assert.equal(sent.path, '/v1/chat/completions');
  assert.equal(sent.headers.authorization, `Bearer ${fake.key}`);
  assert.deepEqual(sent.body, {
    model: 'gpt-6.1-terra',
    messages: wireMessages(marker),
    stream: false,
    tools: wireTools,
    tool_choice: 'auto',
    temperature: 0.3,
    top_p: 0.9,
    max_completion_tokens: 256,
    stop: ['END'],
    response_format: { type: 'json_object' },
    user: 'user-7',
  });
  assert.deepEqual(result, {
    text: '',
    toolCalls: [{ id: 'call_b', name: 'get_weather', arguments: '{"city":"Berlin"}' }],
    finishReason: 'tool_calls',
    model: 'gpt-6.1-terra-2026-11-01',
    usage: { inputTokens: 120, outputTokens: 31 },
  });
});

test('openai: a named tool choice, text answers and finish reasons length / content_filter', async () => {
  const marker = crypto.randomUUID();
  for (const [wire, ours] of [
    ['length', 'length'],
    ['content_filter', 'content_filter'],
    ['stop', 'stop'],
  ] as const) {
    fake.next({
      json: {
        id: 'c',
        model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Cut sho' }, finish_reason: wire }],
        usage: USAGE,
      },
    });
    const req = { ...conversation('gpt-6.1-terra', marker), toolChoice: { name: 'get_time' } };
    const r = await converse('openai', fake, req, '/v1');
    assert.equal(r.finishReason, ours);
    assert.equal(r.text, 'Cut sho');
    assert.deepEqual(r.toolCalls, []);
    assert.deepEqual(last(fake).body.tool_choice, { type: 'function', function: { name: 'get_time' } });
  }
});

test('openai: a stream passes text and tool-call fragments on in order and assembles the whole answer', async () => {
  const marker = crypto.randomUUID();
  fake.next({
    sse: sse.openai([
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'Checking ' }),
      chunk({ content: 'Berlin.' }),
      chunk({
        tool_calls: [
          { index: 0, id: 'call_x', type: 'function', function: { name: 'get_weather', arguments: '' } },
        ],
      }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: 'ty":"Berlin"}' } }] }),
      chunk({
        tool_calls: [
          { index: 1, id: 'call_y', type: 'function', function: { name: 'get_time', arguments: '{}' } },
        ],
      }),
      chunk({}, 'tool_calls'),
      { ...chunk({}), choices: [], usage: USAGE },
    ]),
  });
  const { result, deltas } = await streamed('openai', fake, conversation('gpt-6.1-terra', marker), '/v1');

  const sent = last(fake);
  assert.equal(sent.headers.accept, 'text/event-stream');
  assert.equal(sent.body.stream, true);
  assert.deepEqual(sent.body.stream_options, { include_usage: true });
  assert.deepEqual(sent.body.messages, wireMessages(marker));
  assert.deepEqual(deltas, [
    { type: 'text', text: 'Checking ' },
    { type: 'text', text: 'Berlin.' },
    { type: 'tool_call', index: 0, id: 'call_x', name: 'get_weather' },
    { type: 'tool_call', index: 0, arguments: '{"ci' },
    { type: 'tool_call', index: 0, arguments: 'ty":"Berlin"}' },
    { type: 'tool_call', index: 1, id: 'call_y', name: 'get_time', arguments: '{}' },
  ]);
  assert.deepEqual(result, {
    text: 'Checking Berlin.',
    toolCalls: [
      { id: 'call_x', name: 'get_weather', arguments: '{"city":"Berlin"}' },
      { id: 'call_y', name: 'get_time', arguments: '{}' },
    ],
    finishReason: 'tool_calls',
    model: 'gpt-6.1-terra-2026-11-01',
    usage: { inputTokens: 120, outputTokens: 31 },
  });
});

test('openai family: every preset speaks the same wire with its own max-tokens field and usage request', async () => {
  const presets = [
    ['openai', '/v1', 'max_completion_tokens', true],
    ['mistral', '/v1', 'max_tokens', false],
    ['groq', '/openai/v1', 'max_completion_tokens', false],
    ['deepseek', '', 'max_tokens', true],
    ['together', '/v1', 'max_tokens', false],
    ['openrouter', '/api/v1', 'max_tokens', false],
  ] as const;
  for (const [id, prefix, field, usage] of presets) {
    const marker = crypto.randomUUID();
    fake.next({
      sse: sse.openai([chunk({ content: `hi from ${id}` }), chunk({}, 'stop', { usage: USAGE })]),
    });
    const req = { ...simple('m', marker), maxTokens: 99, user: 'u-1' };
    req.messages = [{ role: 'user', content: `Say hi ${marker}`, name: 'ann' }];
    const { result } = await streamed(id, fake, req, prefix);
    const sent = last(fake);
    // Mistral refuses fields it does not know and has no `user` nor message names.
    const named = id !== 'mistral';
    assert.equal(sent.body.user, named ? 'u-1' : undefined, id);
    assert.equal(sent.body.messages[0].name, named ? 'ann' : undefined, id);
    assert.equal(sent.path, `${prefix}/chat/completions`, id);
    assert.equal(sent.body[field], 99, id);
    assert.equal(sent.body.stream_options !== undefined, usage, id);
    assert.equal(result.text, `hi from ${id}`);
    assert.deepEqual(result.usage, { inputTokens: 120, outputTokens: 31 });
  }
});

test('openai-compatible: a persona endpoint gets extra_body, headers and query; no key sends no Authorization', async () => {
  const marker = crypto.randomUUID();
  keyless.next({
    json: {
      id: 'c',
      model: 'llama-4',
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
    },
  });
  const r = await converse(
    'openai-compatible',
    keyless,
    {
      ...simple('llama-4', marker),
      maxTokens: 50,
      // `stream` and `model` are ours: extra_body cannot override them.
      extraBody: { repetition_penalty: 1.1, stream: true, model: 'other' },
      extraHeaders: { 'X-Tenant': 'acme' },
      extraQuery: { 'api-version': '2026-10-01', tag: 'a b' },
    },
    '/v1',
  );
  assert.equal(r.text, 'ok');
  assert.deepEqual(r.usage, { inputTokens: null, outputTokens: null });
  const sent = last(keyless);
  assert.equal(sent.path, '/v1/chat/completions?api-version=2026-10-01&tag=a+b');
  assert.equal(sent.headers.authorization, undefined);
  assert.equal(sent.headers['x-tenant'], 'acme');
  assert.deepEqual(sent.body, {
    repetition_penalty: 1.1,
    stream: false,
    model: 'llama-4',
    messages: [{ role: 'user', content: `Say hi ${marker}` }],
    max_tokens: 50,
  });
});

test('openai-compatible: a header that cannot be sent is a 400, not a crash', async () => {
  const { chat, call } = providerAt('openai-compatible', keyless, '/v1');
  const err = await appError(
    chat.converse(call, { ...simple('m', 'x'), extraHeaders: { 'x-bad': 'a\r\nb: c' } }),
  );
  assert.equal(err.status, 400);
});

test('openai: upstream error bodies become AppErrors with their status, the key scrubbed', async () => {
  const cases = [
    [
      400,
      { error: { message: 'Invalid value for top_p', type: 'invalid_request_error' } },
      'invalid',
      400,
      /Invalid value for top_p/,
    ],
    [429, { error: { message: 'Rate limit reached', type: 'requests' } }, 'rate_limited', 429, /rate limit/],
    [
      500,
      { error: { message: `boom for ${fake.key}`, type: 'server_error' } },
      'upstream_failed',
      502,
      /boom for \[redacted\]/,
    ],
    [
      401,
      { error: { message: 'bad key', type: 'invalid_request_error' } },
      'unauthorized',
      401,
      /rejected the API key/,
    ],
  ] as const;
  for (const [status, body, code, httpStatus, message] of cases) {
    fake.next({ json: body, status, headers: status === 429 ? { 'retry-after': '9' } : {} });
    const err = await appError(converse('openai', fake, simple('m', 'e'), '/v1'));
    assert.equal(err.code, code);
    assert.equal(err.status, httpStatus);
    assert.match(err.message, message);
    assert.ok(!err.message.includes(fake.key));
    if (status === 429) assert.equal(err.retryAfter, '9');
    // A stream refused before it started keeps the status too.
    fake.next({ json: body, status });
    const streamErr = await appError(
      providerAt('openai', fake, '/v1').chat.openConverse(
        providerAt('openai', fake, '/v1').call,
        simple('m', 'e'),
      ),
    );
    assert.equal(streamErr.code, code);
  }
  // A wrong key reaches the fake's own check.
  const { chat, call } = providerAt('openai', fake, '/v1');
  const err = await appError(chat.converse({ ...call, apiKey: 'sk-wrong' }, simple('m', 'k')));
  assert.equal(err.code, 'unauthorized');
});

test('openai: a stream error event, a stream cut before its end and a malformed answer are 502s', async () => {
  fake.next({
    sse: [
      `data: ${JSON.stringify(chunk({ content: 'a' }))}\n\n`,
      `data: ${JSON.stringify({ error: { message: 'The server had an error' } })}\n\n`,
    ],
  });
  let err = await appError(streamed('openai', fake, simple('m', 's'), '/v1'));
  assert.equal(err.code, 'upstream_failed');
  assert.match(err.message, /mid-stream: The server had an error/);

  fake.next({ sse: [`data: ${JSON.stringify(chunk({ content: 'a' }))}\n\n`] });
  err = await appError(streamed('openai', fake, simple('m', 's'), '/v1'));
  assert.match(err.message, /broke off before the end/);

  fake.next({ json: { id: 'x', choices: [] } });
  err = await appError(converse('openai', fake, simple('m', 's'), '/v1'));
  assert.equal(err.status, 502);
  assert.match(err.message, /malformed/);
});

test('openai: aborting mid-stream closes the upstream connection at once', async () => {
  const controller = new AbortController();
  fake.next({ sse: [`data: ${JSON.stringify(chunk({ content: 'first' }))}\n\n`], hold: true });
  const { chat, call } = providerAt('openai', fake, '/v1', controller.signal);
  const stream = await chat.openConverse(call, simple('m', 'abort'));
  const sent = last(fake);
  const reading = stream.read((d) => {
    if (d.type === 'text') controller.abort();
    return undefined;
  });
  await assert.rejects(reading, (e) => e instanceof ClientGone);
  await sent.connectionClosed;
});

test('every remote provider has a chat adapter; the local engine has none', async () => {
  const { providersFor } = await import('../src/providers/registry.ts');
  const { testConfig } = await import('../src/config.ts');
  for (const [id, provider] of providersFor(testConfig())) {
    assert.equal(provider.chat !== undefined, provider.remote, id);
  }
});

test('openai: compatible servers that leave out tool-call indexes are followed by id; a wild index is a 502', async () => {
  fake.next({
    sse: sse.openai([
      chunk({ tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } }] }),
      chunk({ tool_calls: [{ id: 'b', type: 'function', function: { name: 'g', arguments: '{}' } }] }),
      chunk({}, 'stop'),
    ]),
  });
  const { result } = await streamed('openai', fake, simple('m', 'noindex'), '/v1');
  assert.deepEqual(result.toolCalls, [
    { id: 'a', name: 'f', arguments: '{"x":1}' },
    { id: 'b', name: 'g', arguments: '{}' },
  ]);
  // A server saying "stop" beside tool calls: OpenAI clients decide on tool_calls.
  assert.equal(result.finishReason, 'tool_calls');

  fake.next({
    sse: sse.openai([
      chunk({ tool_calls: [{ index: 1e9, id: 'x', function: { name: 'f' } }] }),
      chunk({}, 'stop'),
    ]),
  });
  const err = await appError(streamed('openai', fake, simple('m', 'wild'), '/v1'));
  assert.equal(err.status, 502);
  assert.match(err.message, /out of range/);
});
