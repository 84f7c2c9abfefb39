import { AppError } from '../core/errors.ts';
import { readJsonAnswer } from './large-answer.ts';
import { SseParser, SseTooLong } from './sse.ts';
import { type Target, trustedTarget } from './transport.ts';
import type { Call, ChatRequest, Completion, OpenStream, Provider } from './types.ts';
import { callFailure, malformed, scrub, statusError } from './upstream-errors.ts';
import { type Answer, BodyTooLarge, type StreamBody, UpstreamExchange } from './upstream-exchange.ts';
import { StreamErrorEvent, WireError, type WireFormat } from './wire.ts';

/**
 * A 2xx answer larger than this is refused, streamed or not (legit answers are bounded by maxTokens, far
 * below): a JSON body is cut off with a 502, a stream with an `error` event.
 */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

export interface HttpProviderMeta {
  id: string;
  defaultModel: string | null;
  /** The env override or the vendor's URL; null when every request must bring its own. */
  baseUrl: string | null;
}

const isStream = (a: Answer | StreamBody): a is StreamBody => 'read' in a;

/** A provider over HTTP: shared transport, timeouts and error mapping around one WireFormat. */
export function httpProvider(meta: HttpProviderMeta, wire: WireFormat): Provider {
  const { id } = meta;
  const defaultTarget: Target | null = meta.baseUrl ? trustedTarget(meta.baseUrl) : null;

  /** A non-2xx answer as the AppError its status means. */
  function refused(call: Call, answer: Answer): AppError {
    const retryAfter = answer.headers['retry-after'];
    return statusError(
      id,
      answer.status,
      Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
      answer.text,
      call.apiKey,
      wire.keyRejected?.(answer.status, answer.text) ?? false,
    );
  }

  function send(call: Call, req: ChatRequest, stream: boolean) {
    return UpstreamExchange.send(call, wire.request(req, stream, call.apiKey), stream, MAX_ANSWER_BYTES);
  }

  return {
    id,
    defaultModel: meta.defaultModel,
    defaultTarget,
    remote: true,

    async complete(call, req) {
      const c = need(call);
      const x = send(c, req, false);
      let answer: Answer;
      try {
        answer = (await x.answer) as Answer;
      } catch (err) {
        if (err instanceof BodyTooLarge) throw malformed(id, err.message);
        throw callFailure(id, err, x, c.timeoutMs, x.answered ? 'answer' : 'connect');
      }
      if (answer.status < 200 || answer.status >= 300) throw refused(c, answer);
      try {
        return wire.parse(await readJsonAnswer(answer.body), req);
      } catch (err) {
        if (err instanceof WireError) throw malformed(id, err.message);
        throw err;
      }
    },

    async open(call, req): Promise<OpenStream> {
      const c = need(call);
      const x = send(c, req, true);
      let answer: Answer | StreamBody;
      try {
        answer = await x.answer;
      } catch (err) {
        throw callFailure(id, err, x, c.timeoutMs, 'connect');
      }
      if (!isStream(answer)) throw refused(c, answer);
      const body = answer;
      return {
        async read(onDelta) {
          const decoder = wire.decoder(req);
          // The text itself is all that is kept (the final checks and the done event need it); events
          // and frames are dropped once passed on. Its size is bounded by the stream's byte cap.
          const parts: string[] = [];
          // The receiver's "full" signal from any delta of the chunk being parsed pauses the upstream.
          let full: Promise<void> | undefined;
          const parser = new SseParser((event, data) => {
            const text = decoder.event(event, data);
            if (text) {
              parts.push(text);
              full = onDelta(text) ?? full;
            }
          });
          try {
            await body.read((chunk) => {
              full = undefined;
              parser.push(chunk);
              return full;
            });
          } catch (err) {
            if (err instanceof BodyTooLarge || err instanceof SseTooLong || err instanceof WireError) {
              throw malformed(id, err.message);
            }
            if (err instanceof StreamErrorEvent) {
              const code = err.rateLimited ? 'rate_limited' : 'upstream_failed';
              throw new AppError(code, `${id} reported an error mid-stream: ${scrub(err.message, c.apiKey)}`);
            }
            throw callFailure(id, err, x, c.timeoutMs, 'stream');
          }
          if (!decoder.done) throw new AppError('upstream_failed', `${id} stream broke off before the end`);
          const completion: Completion = {
            text: parts.join(''),
            model: decoder.model(),
            usage: decoder.usage(),
          };
          return completion;
        },
      };
    },
  };
}

function need(call: Call | null): Call {
  if (!call) throw new AppError('internal', 'remote provider called without a target');
  return call;
}
