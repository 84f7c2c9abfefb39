import { AppError } from '../core/errors.ts';
import { readJsonAnswer } from './large-answer.ts';
import { SseParser, SseTooLong } from './sse.ts';
import type { Outgoing } from './transport.ts';
import type { Call } from './types.ts';
import { callFailure, malformed, scrub, statusError } from './upstream-errors.ts';
import { type Answer, BodyTooLarge, type StreamBody, UpstreamExchange } from './upstream-exchange.ts';
import { parseJson, StreamErrorEvent, WireError } from './wire.ts';

/**
 * The request/stream path every HTTP adapter shares, refine's WireFormat and chat's ChatWire alike: send
 * one request through the pooled transport, map a refusal to the AppError its status means, read a JSON
 * answer, or frame a 2xx stream into SSE events with backpressure. What differs between vendors (the
 * shapes) stays in the wire modules; what an upstream failure means stays here, in one place.
 */

/**
 * A 2xx answer larger than this is refused, streamed or not (legit answers are bounded by maxTokens, far
 * below): a JSON body is cut off with a 502, a stream with an `error` event.
 */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** Who is called, for messages, and how its vendor says "bad key" when not with 401/403. */
export interface UpstreamId {
  id: string;
  keyRejected?: (status: number, bodyText: string) => boolean;
}

/**
 * One SSE event handed to a reader; a promise back means the receiver is not keeping up (the upstream
 * is not read until it settles). Throws WireError or StreamErrorEvent to fail the stream.
 */
export type SseEventSink = (event: string, data: string) => Promise<void> | undefined;

/** A 2xx event stream; read() resolves when the upstream ended it, rejects with an AppError. */
export interface SseStream {
  read(onEvent: SseEventSink): Promise<void>;
}

const isStream = (a: Answer | StreamBody): a is StreamBody => 'read' in a;

/** A non-2xx answer as the AppError its status means. */
export function refused(up: UpstreamId, call: Call, answer: Answer): AppError {
  const retryAfter = answer.headers['retry-after'];
  return statusError(
    up.id,
    answer.status,
    Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
    answer.text,
    call.apiKey,
    up.keyRejected?.(answer.status, answer.text) ?? false,
  );
}

/**
 * Sends a non-stream request and gives the parsed JSON of its 2xx answer. The parse is the one place a
 * large answer's JSON is read, off the event loop for big bodies, for every caller.
 */
export async function postForJson(up: UpstreamId, call: Call, out: Outgoing): Promise<unknown> {
  const x = UpstreamExchange.send(call, out, false, MAX_ANSWER_BYTES);
  let answer: Answer;
  try {
    answer = (await x.answer) as Answer;
  } catch (err) {
    if (err instanceof BodyTooLarge) throw malformed(up.id, err.message);
    throw callFailure(up.id, err, x, call.timeoutMs, x.answered ? 'answer' : 'connect');
  }
  if (answer.status < 200 || answer.status >= 300) throw refused(up, call, answer);
  try {
    // A large answer is parsed off the event loop (large-answer.ts, ADR 0026).
    return await readJsonAnswer(answer.body, 'body');
  } catch (err) {
    if (err instanceof WireError) throw malformed(up.id, err.message);
    throw err;
  }
}

/** Sends a stream request; resolves once the upstream answered 2xx (a refusal keeps its status). */
export async function openSse(up: UpstreamId, call: Call, out: Outgoing): Promise<SseStream> {
  const x = UpstreamExchange.send(call, out, true, MAX_ANSWER_BYTES);
  let answer: Answer | StreamBody;
  try {
    answer = await x.answer;
  } catch (err) {
    throw callFailure(up.id, err, x, call.timeoutMs, 'connect');
  }
  if (!isStream(answer)) throw refused(up, call, answer);
  const body = answer;
  return {
    async read(onEvent) {
      // The receiver's "full" signal from any event of the chunk being parsed pauses the upstream.
      let full: Promise<void> | undefined;
      const parser = new SseParser((event, data) => {
        full = onEvent(event, data) ?? full;
      });
      try {
        await body.read((chunk) => {
          full = undefined;
          parser.push(chunk);
          return full;
        });
      } catch (err) {
        if (err instanceof BodyTooLarge || err instanceof SseTooLong || err instanceof WireError) {
          throw malformed(up.id, err.message);
        }
        if (err instanceof StreamErrorEvent) {
          const code = err.rateLimited ? 'rate_limited' : 'upstream_failed';
          throw new AppError(
            code,
            `${up.id} reported an error mid-stream: ${scrub(err.message, call.apiKey)}`,
          );
        }
        throw callFailure(up.id, err, x, call.timeoutMs, 'stream');
      }
    },
  };
}

/** Maps a WireError thrown while reading a 2xx JSON answer to the 502 it means. */
export function shapeOf<T>(up: UpstreamId, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof WireError) throw malformed(up.id, err.message);
    throw err;
  }
}
