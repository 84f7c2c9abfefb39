import { AppError } from '../core/errors.ts';
import { readJsonAnswer } from './large-answer.ts';
import { type Target, trustedTarget } from './transport.ts';
import type { Call, ChatRequest, Completion, OpenStream, Provider } from './types.ts';
import { MAX_ANSWER_BYTES, openSse, refused, type UpstreamId } from './upstream-call.ts';
import { callFailure, malformed } from './upstream-errors.ts';
import { type Answer, BodyTooLarge, UpstreamExchange } from './upstream-exchange.ts';
import { parseJson, WireError, type WireFormat } from './wire.ts';

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
  const up: UpstreamId = { id, keyRejected: wire.keyRejected };

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
      if (answer.status < 200 || answer.status >= 300) throw refused(up, c, answer);
      try {
        return wire.parse(await readJsonAnswer(answer.body), req);
      } catch (err) {
        if (err instanceof WireError) throw malformed(id, err.message);
        throw err;
      }
    },

    async open(call, req): Promise<OpenStream> {
      const c = need(call);
      const sse = await openSse(up, c, wire.request(req, true, c.apiKey));
      return {
        async read(onDelta) {
          const decoder = wire.decoder(req);
          // The text itself is all that is kept (the final checks and the done event need it); events
          // and frames are dropped once passed on. Its size is bounded by the stream's byte cap.
          const parts: string[] = [];
          await sse.read((event, data) => {
            const text = decoder.event(event, data);
            if (!text) return undefined;
            parts.push(text);
            return onDelta(text);
          });
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
