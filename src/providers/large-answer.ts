import { inWorker } from '../style/off-thread.ts';
import type { AnswerBody } from './answer-body.ts';
import { parseAnswerBytes } from './answer-bytes.ts';
import { WireError } from './wire.ts';

/**
 * Reading a provider's 2xx JSON answer without holding the event loop (issue 11). Answers may be 16 MiB;
 * decoding and JSON.parse of that much (7.5 M escaped newlines: ~0.1-0.3 s) stalled every other request.
 * Above LARGE_ANSWER_BYTES the bytes (answer-body.ts keeps them in slabs for this) are moved, not
 * copied, to the worker pool of style/off-thread.ts and parsed there; the value comes back by structured
 * clone: a long string crosses as one copy, and answer-bytes.ts bounds how many values it may hold.
 * Smaller answers parse inline, where a thread hop would cost more than the parse.
 *
 * Every non-stream JSON read of a provider goes through readJsonAnswer (refine's complete(), and any
 * other adapter reading a JSON answer): it takes the answer's body (upstream-exchange.ts) and gives the
 * parsed value, or throws WireError when the body is not JSON. Once moved, the body is gone from this
 * thread: a worker that fails then fails the call (a 500), which only a bug in the worker can cause.
 */
export const LARGE_ANSWER_BYTES = 1024 * 1024;

export async function readJsonAnswer(body: AnswerBody, what = 'body'): Promise<unknown> {
  const slabs = body.size >= LARGE_ANSWER_BYTES ? body.movable() : undefined;
  if (!slabs) return parseAnswerBytes(body.bytes(), what);
  const job = inWorker(
    { kind: 'parse-json', slabs, what },
    body.size,
    slabs.map((s) => s.buffer),
  );
  // No worker: parse here (the slabs are still this thread's).
  if (!job) return parseAnswerBytes(body.bytes(), what);
  const answer = await job;
  if (typeof answer.problem === 'string') throw new WireError(answer.problem);
  return answer.value;
}
