import type { Cohere } from 'cohere-ai';
import type { Usage } from './types.ts';
import {
  asObject,
  count,
  parseJson,
  type StreamDecoder,
  StreamErrorEvent,
  StreamReport,
  WireError,
  type WireFormat,
} from './wire.ts';

/**
 * Cohere v2 chat (POST {base}/v2/chat), Bearer auth, SSE events content-delta / message-end.
 * cohere-ai's types are camelCase (its serializer renames fields on the wire), so they are mapped to
 * the snake_case wire form at the type level and checked against that (type-only import).
 */
export type Snake<S extends string> = S extends `${infer H}${infer T}`
  ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${Snake<T>}`
  : S;
export type Wire<T> = T extends string | number | boolean | null | undefined
  ? T
  : T extends readonly (infer U)[]
    ? Wire<U>[]
    : { [K in keyof T as K extends string ? Snake<K> : K]: Wire<T[K]> };

type ChatRequestWire = Pick<Wire<Cohere.V2ChatRequest>, 'model' | 'max_tokens' | 'temperature'> & {
  messages: Wire<Cohere.ChatMessageV2.System | Cohere.ChatMessageV2.User>[];
  stream: boolean;
};
type ChatResponseWire = Partial<Wire<Cohere.V2ChatResponse>>;
type UsageWire = Wire<Cohere.Usage>;
type StreamEventWire = Partial<Wire<Cohere.V2ChatStreamResponse>> & {
  delta?: Partial<Wire<Cohere.ChatContentDeltaEventDelta & Cohere.ChatMessageEndEventDelta>>;
};

function usageOf(u: Partial<UsageWire> | undefined): Usage {
  const tokens = u?.tokens ?? u?.billed_units;
  return { inputTokens: count(tokens?.input_tokens), outputTokens: count(tokens?.output_tokens) };
}

export const cohereWire: WireFormat = {
  request(req, stream, apiKey) {
    const body: ChatRequestWire = {
      model: req.model,
      messages: [
        { role: 'system', content: req.system },
        { role: 'user', content: req.content },
      ],
      stream,
    };
    if (req.temperature !== undefined) body.temperature = req.temperature;
    if (req.maxTokens !== undefined) body.max_tokens = req.maxTokens;
    return {
      path: '/v2/chat',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        accept: stream ? 'text/event-stream' : 'application/json',
      },
      body: JSON.stringify(body),
    };
  },

  parse(json, req) {
    const res = asObject(json, 'body') as ChatResponseWire;
    const content = res.message?.content;
    if (!Array.isArray(content)) throw new WireError('no message.content');
    let text = '';
    for (const item of content) if (item.type === 'text' && typeof item.text === 'string') text += item.text;
    // v2 chat does not echo the model.
    return { text, model: req.model, usage: usageOf(res.usage) };
  },

  decoder(req) {
    return new CohereStream(req);
  },

  // 498: Cohere's "invalid token".
  keyRejected: (status) => status === 498,
};

class CohereStream extends StreamReport implements StreamDecoder {
  done = false;

  event(_name: string, data: string): string | undefined {
    if (data === '[DONE]') return undefined;
    const ev = asObject(parseJson(data, 'stream event'), 'stream event') as StreamEventWire;
    if (ev.type === 'content-delta') {
      const text: unknown = ev.delta?.message?.content?.text;
      return typeof text === 'string' ? text : undefined;
    }
    if (ev.type === 'message-end') {
      const error: unknown = ev.delta?.error;
      if (typeof error === 'string' && error) throw new StreamErrorEvent(error);
      this.reportedUsage = usageOf(ev.delta?.usage);
      this.done = true;
    }
    return undefined;
  }
}
