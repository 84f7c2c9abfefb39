import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Dispatcher } from 'undici';
import { encodeReply, LARGE_REPLY_CHARS } from '../src/http/large-json.ts';
import { AnswerBody } from '../src/providers/answer-body.ts';
import { MAX_ANSWER_VALUES } from '../src/providers/answer-bytes.ts';
import { LARGE_ANSWER_BYTES, readJsonAnswer } from '../src/providers/large-answer.ts';
import type { Target } from '../src/providers/transport.ts';
import type { Call } from '../src/providers/types.ts';
import { type StreamBody, UpstreamExchange } from '../src/providers/upstream-exchange.ts';
import { WireError } from '../src/providers/wire.ts';
import { poolThreads, styleText } from '../src/style/off-thread.ts';

/**
 * Issue 11: a provider's 16 MiB answer must not hold the event loop. Counted, not timed: while the work
 * runs elsewhere (or in slices), the loop keeps turning.
 */

/** Counts event-loop turns until stopped. */
function turns() {
  let n = 0;
  let on = true;
  const spin = () => {
    n++;
    if (on) setImmediate(spin);
  };
  setImmediate(spin);
  return {
    get count() {
      return n;
    },
    stop() {
      on = false;
    },
  };
}

function bodyOf(text: string, chunk = 64 * 1024): AnswerBody {
  const body = new AnswerBody();
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += chunk) body.push(bytes.subarray(i, i + chunk));
  return body;
}

const completion = (content: string) =>
  JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content } }], model: 'm' });

test('the body keeps its bytes across slabs, whatever the chunk sizes', () => {
  for (const size of [0, 10, LARGE_ANSWER_BYTES - 1, LARGE_ANSWER_BYTES, 3 * LARGE_ANSWER_BYTES + 17]) {
    const text = 'abcdefghijklmnopqrstuvwxyz'.repeat(Math.ceil(size / 26)).slice(0, size);
    for (const chunk of [1000, 64 * 1024, 5 * 1024 * 1024]) {
      const body = bodyOf(text, chunk);
      assert.equal(body.size, size);
      assert.equal(body.bytes().toString('latin1'), text, `${size} bytes in chunks of ${chunk}`);
      assert.equal(body.movable() !== undefined, size >= LARGE_ANSWER_BYTES);
    }
  }
});

test('a large answer is parsed off the event loop, with the same value as inline', async () => {
  const text = completion('\n'.repeat(3_000_000) + 'é🙂 end');
  const t = turns();
  const value = await readJsonAnswer(bodyOf(text));
  t.stop();
  assert.deepEqual(value, JSON.parse(text));
  // inline, the await would have resolved with the loop blocked: a turn or two
  assert.ok(t.count > 5, `the event loop turned ${t.count} times`);
});

test('a small answer is parsed inline; a body that is not JSON is a WireError at any size', async () => {
  let turned = false;
  setImmediate(() => {
    turned = true;
  });
  assert.deepEqual(await readJsonAnswer(bodyOf('{"a":1}')), { a: 1 });
  assert.equal(turned, false, 'the small answer went through the worker');
  for (const text of ['{"a":', `{"a":"${'x'.repeat(LARGE_ANSWER_BYTES)}"`]) {
    await assert.rejects(
      readJsonAnswer(bodyOf(text)),
      (e) => e instanceof WireError && /not JSON/.test(e.message),
    );
  }
});

test('a large answer of countless tiny values is refused, not cloned back value by value', async () => {
  const many = JSON.stringify({
    choices: Array.from({ length: MAX_ANSWER_VALUES + 1 }, () => 0),
    pad: 'x'.repeat(LARGE_ANSWER_BYTES),
  });
  await assert.rejects(
    readJsonAnswer(bodyOf(many)),
    (e) => e instanceof WireError && /more than 20000 JSON values/.test(e.message),
  );
});

test('a large reply is encoded off the event loop, to the bytes JSON.stringify gives', async () => {
  const value = { response: '\n'.repeat(LARGE_REPLY_CHARS * 8) + 'é🙂', provider: 'openai', checks: [] };
  const t = turns();
  const encoded = await encodeReply(value, value.response.length);
  t.stop();
  assert.ok(Buffer.isBuffer(encoded.text));
  assert.equal(encoded.text.toString('utf8'), JSON.stringify(value));
  assert.equal(encoded.bytes, Buffer.byteLength(JSON.stringify(value)));
  assert.ok(t.count > 2, `the event loop turned ${t.count} times`);
  const small = await encodeReply({ response: 'hi' }, 2);
  assert.equal(small.text, '{"response":"hi"}');
});

test('a stream whose megabytes arrive in one read is handed on in slices, the loop turning between them', async () => {
  const delta = 'x'.repeat(100_000);
  const frame = `data: ${JSON.stringify({ choices: [{ delta: { content: delta } }] })}\n\n`;
  const sse = frame.repeat(40); // ~4 MB in one chunk
  const state = { paused: false, aborted: false };
  const controller = {
    get paused() {
      return state.paused;
    },
    get aborted() {
      return state.aborted;
    },
    reason: null,
    pause: () => {
      state.paused = true;
    },
    resume: () => {
      state.paused = false;
    },
    abort: () => {
      state.aborted = true;
    },
  } as unknown as Dispatcher.DispatchController;
  let handler: Dispatcher.DispatchHandler | undefined;
  const target = {
    pool: { dispatch: (_o: unknown, h: Dispatcher.DispatchHandler) => (handler = h) },
    prefix: '',
  } as unknown as Target;
  const signal = { aborted: false, addEventListener() {}, removeEventListener() {} };
  const call: Call = { target, apiKey: 'k', signal, timeoutMs: 10_000 };
  const x = UpstreamExchange.send(call, { path: '/', headers: {}, body: '' }, true, 64 * 1024 * 1024);
  assert.ok(handler);
  handler.onRequestStart?.(controller, {});
  handler.onResponseStart?.(controller, 200, {}, '');
  handler.onResponseData?.(controller, Buffer.from(sse));
  handler.onResponseEnd?.(controller, {});
  const stream = (await x.answer) as StreamBody;
  let turn = 0;
  let spinning = true;
  const spin = () => {
    turn++;
    if (spinning) setImmediate(spin);
  };
  setImmediate(spin);
  const perTurn = new Map<number, number>();
  let total = 0;
  await stream.read((text) => {
    perTurn.set(turn, (perTurn.get(turn) ?? 0) + text.length);
    total += text.length;
    return undefined;
  });
  spinning = false;
  assert.equal(total, sse.length);
  const most = Math.max(...perTurn.values());
  assert.ok(most <= 64 * 1024, `${most} chars were handed on in one turn`);
  assert.ok(perTurn.size >= 10, `handed on in ${perTurn.size} turns`);
});

test('a thread that did a heavy job exits once idle (its heap goes with it); one that did ordinary work stays', async () => {
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await wait(2500); // threads that took the heavy jobs of the tests above are gone
  await styleText(
    'Yeah, gonna work!\n'.repeat(10_000),
    { formality: 'formal' },
    { apply: true, check: true },
  );
  assert.ok(poolThreads() >= 1);
  await wait(2500);
  assert.ok(poolThreads() >= 1, 'a thread that styled 180 KB exited');
  await readJsonAnswer(bodyOf(completion(' '.repeat(5 * 1024 * 1024))));
  await wait(2500);
  assert.equal(poolThreads(), 0, 'the thread that parsed 5 MiB is still running');
});
