import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { parseAnswerBytes } from '../src/providers/answer-bytes.ts';
import { LARGE_ANSWER_BYTES } from '../src/providers/large-answer.ts';
import { MAX_ANSWER_DEPTH, parseJson, WireError } from '../src/providers/wire.ts';
import { appError, converse, streamed } from './helpers/chat-calls.ts';
import { simple } from './helpers/chat-conversation.ts';
import type { ChatFake } from './helpers/fake-chat-upstream.ts';

/**
 * A provider's JSON nested deeper than MAX_ANSWER_DEPTH is a malformed answer (502), not a RangeError
 * (500): JSON.parse accepts any depth, but JSON.stringify of a tool's arguments and the structured clone
 * back from the parse worker overflow the stack near 5,000 levels.
 */

const nested = (depth: number, inner = '1') => '['.repeat(depth) + inner + ']'.repeat(depth);

test('the bound: MAX_ANSWER_DEPTH levels parse, one more is refused; brackets inside strings do not count', () => {
  assert.deepEqual(parseJson(`{"a":${nested(MAX_ANSWER_DEPTH - 1)}}`, 'chunk'), {
    a: JSON.parse(nested(MAX_ANSWER_DEPTH - 1)),
  });
  assert.throws(
    () => parseJson(`{"a":${nested(MAX_ANSWER_DEPTH)}}`, 'chunk'),
    (e: unknown) => e instanceof WireError && /nested more than 256 levels/.test(e.message),
  );
  // A shallow answer whose text is full of brackets (code in a completion) is an ordinary answer.
  const code = JSON.stringify({ content: '[{'.repeat(5_000) });
  assert.deepEqual(parseJson(code, 'chunk'), JSON.parse(code));
  assert.deepEqual(parseAnswerBytes(Buffer.from(code), 'body'), JSON.parse(code));
  assert.throws(
    () => parseAnswerBytes(Buffer.from(nested(10_000)), 'body'),
    (e: unknown) => e instanceof WireError,
  );
});

// An upstream answering whatever body is set, for any path (raw text: the deep values cannot be built
// with JSON.stringify, which is the point).
let answer = { type: 'application/json', body: '' };
let lastRequest = '';
const upstream = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (d: Buffer) => parts.push(d));
  req.on('end', () => {
    lastRequest = Buffer.concat(parts).toString('utf8');
    res.writeHead(200, { 'content-type': answer.type });
    res.end(answer.body);
  });
});
await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
after(() => new Promise<void>((r) => upstream.close(() => r())));
const fake = {
  origin: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
  key: 'sk-depth',
} as ChatFake;

test('OpenAI: a large answer (parsed in the worker) nested 19,000 deep is a 502, not a 500', async () => {
  const deep = nested(19_000);
  answer = {
    type: 'application/json',
    body: `{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"pad":"${'a'.repeat(LARGE_ANSWER_BYTES)}","extra":${deep}}`,
  };
  const e = await appError(converse('openai', fake, simple('m', 'deep')));
  assert.equal(e.status, 502);
  assert.match(e.message, /nested more than/);
});

test("Anthropic: a tool_use whose input nests 6,000 deep is a 502 (its arguments are JSON.stringify'd)", async () => {
  answer = {
    type: 'application/json',
    body: `{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"tool_use","id":"t1","name":"f","input":{"x":${nested(6_000)}}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}`,
  };
  const e = await appError(converse('anthropic', fake, simple('m', 'deep')));
  assert.equal(e.status, 502);
});

test('OpenAI stream: a chunk nesting its tool arguments 6,000 deep fails the stream as malformed', async () => {
  const chunk = `{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"t1","type":"function","function":{"name":"f","arguments":${nested(6_000, '{}')}}}]},"finish_reason":null}]}`;
  answer = { type: 'text/event-stream', body: `data: ${chunk}\n\ndata: [DONE]\n\n` };
  const e = await appError(streamed('openai', fake, simple('m', 'deep-stream')));
  assert.equal(e.status, 502);
});

test("a caller's tool-call arguments nested past a request body's 64 levels are a 400 for vendors that take them parsed", async () => {
  const args = `{"x":${nested(6_000)}}`;
  const req = {
    model: 'm',
    messages: [
      { role: 'user' as const, content: 'Use the tool.' },
      {
        role: 'assistant' as const,
        content: '',
        toolCalls: [{ id: 'call_1', name: 'f', arguments: args }],
      },
      { role: 'tool' as const, content: args, toolCallId: 'call_1' },
    ],
  };
  for (const vendor of ['anthropic', 'google']) {
    answer = { type: 'application/json', body: '{}' };
    const e = await appError(converse(vendor, fake, req));
    assert.equal(e.status, 400, `${vendor}: ${e.message}`);
    assert.match(e.message, /nested more than 64 levels/);
  }
});

test('Gemini: a tool result nested past 64 levels goes on as its text (`output`), not as an object', async () => {
  const deep = `{"x":${nested(6_000)}}`;
  answer = {
    type: 'application/json',
    body: '{"candidates":[{"content":{"role":"model","parts":[{"text":"Noted."}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":1,"candidatesTokenCount":1,"totalTokenCount":2}}',
  };
  const out = await converse('google', fake, {
    model: 'm',
    messages: [
      { role: 'user', content: 'Use the tool.' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'f', arguments: '{"q":1}' }] },
      { role: 'tool', content: deep, toolCallId: 'call_1' },
    ],
  });
  assert.equal(out.text, 'Noted.');
  const sent = JSON.parse(lastRequest) as {
    contents: { parts: { functionResponse?: { response: unknown } }[] }[];
  };
  const response = sent.contents.flatMap((c) => c.parts).find((p) => p.functionResponse)
    ?.functionResponse?.response;
  assert.deepEqual(response, { output: deep });
});
