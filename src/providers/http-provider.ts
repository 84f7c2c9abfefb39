import { AppError } from '../core/errors.ts';
import { SseParser } from './sse.ts';
import {
  BodyTooLarge,
  Deadline,
  readChunks,
  readText,
  send,
  type Target,
  trustedTarget,
} from './transport.ts';
import type { Call, ChatRequest, Completion, OpenStream, Provider } from './types.ts';
import { callFailure, malformed, scrub, statusError } from './upstream-errors.ts';
import { parseJson, StreamErrorEvent, WireError, type WireFormat } from './wire.ts';

/** A 2xx answer larger than this is refused (legit answers are bounded by maxTokens, far below). */
const MAX_ANSWER_CHARS = 16 * 1024 * 1024;
/** Error bodies are only read for their message. */
const MAX_ERROR_CHARS = 64 * 1024;

export interface HttpProviderMeta {
  id: string;
  defaultModel: string | null;
  /** The env override or the vendor's URL; null when every request must bring its own. */
  baseUrl: string | null;
}

/** A provider over HTTP: shared transport, timeouts and error mapping around one WireFormat. */
export function httpProvider(meta: HttpProviderMeta, wire: WireFormat): Provider {
  const { id } = meta;
  const defaultTarget: Target | null = meta.baseUrl ? trustedTarget(meta.baseUrl) : null;

  async function accepted(call: Call, req: ChatRequest, stream: boolean, deadline: Deadline) {
    const res = await send(call, wire.request(req, stream, call.apiKey), deadline.signal);
    if (res.statusCode >= 200 && res.statusCode < 300) return res;
    const text = await readText(res.body, MAX_ERROR_CHARS).catch(() => '');
    const retryAfter = res.headers['retry-after'];
    throw statusError(
      id,
      res.statusCode,
      Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
      text,
      call.apiKey,
      wire.keyRejected?.(res.statusCode, text) ?? false,
    );
  }

  return {
    id,
    defaultModel: meta.defaultModel,
    defaultTarget,
    remote: true,

    async complete(call, req) {
      const c = need(call);
      const deadline = new Deadline(c.signal, c.timeoutMs);
      let phase: 'connect' | 'answer' = 'connect';
      try {
        const res = await accepted(c, req, false, deadline);
        phase = 'answer';
        const text = await readText(res.body, MAX_ANSWER_CHARS);
        return wire.parse(parseJson(text, 'body'), req);
      } catch (err) {
        if (err instanceof WireError || err instanceof BodyTooLarge) throw malformed(id, err.message);
        throw callFailure(id, err, deadline, c.timeoutMs, phase);
      } finally {
        deadline.dispose();
      }
    },

    async open(call, req): Promise<OpenStream> {
      const c = need(call);
      const deadline = new Deadline(c.signal, c.timeoutMs);
      let res: Awaited<ReturnType<typeof accepted>>;
      try {
        res = await accepted(c, req, true, deadline);
      } catch (err) {
        deadline.dispose();
        throw callFailure(id, err, deadline, c.timeoutMs, 'connect');
      }
      const body = res.body;
      return {
        async read(onDelta) {
          const decoder = wire.decoder(req);
          const parts: string[] = [];
          const parser = new SseParser((event, data) => {
            const text = decoder.event(event, data);
            if (text) {
              parts.push(text);
              onDelta(text);
            }
          });
          try {
            await readChunks(body, (chunk) => parser.push(chunk));
            if (!decoder.done) throw new AppError('upstream_failed', `${id} stream broke off before the end`);
            const completion: Completion = {
              text: parts.join(''),
              model: decoder.model(),
              usage: decoder.usage(),
            };
            return completion;
          } catch (err) {
            if (err instanceof WireError) throw malformed(id, err.message);
            if (err instanceof StreamErrorEvent) {
              const code = err.rateLimited ? 'rate_limited' : 'upstream_failed';
              throw new AppError(code, `${id} reported an error mid-stream: ${scrub(err.message, c.apiKey)}`);
            }
            throw callFailure(id, err, deadline, c.timeoutMs, 'stream');
          } finally {
            deadline.dispose();
          }
        },
      };
    },
  };
}

function need(call: Call | null): Call {
  if (!call) throw new AppError('internal', 'remote provider called without a target');
  return call;
}
