import type {
  Message,
  MessageCreateParams,
  RawMessageStreamEvent,
} from '@anthropic-ai/sdk/resources/messages';
import type { ErrorResponse } from '@anthropic-ai/sdk/resources/shared';
import type { Outgoing } from './transport.ts';
import {
  asObject,
  count,
  optString,
  parseJson,
  type StreamDecoder,
  StreamErrorEvent,
  StreamReport,
  WireError,
  type WireFormat,
} from './wire.ts';

/**
 * Anthropic Messages API (POST {base}/v1/messages): x-api-key + anthropic-version, the system prompt
 * as the top-level `system`, SSE events message_start / content_block_delta / message_delta /
 * message_stop (and `error`). Shapes are checked against @anthropic-ai/sdk's types (type-only import).
 */
export const ANTHROPIC_VERSION = '2023-06-01';
/** max_tokens is required by the Messages API; a rewrite rarely needs more. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 16_384;

type StreamEvent = Partial<RawMessageStreamEvent> | Partial<ErrorResponse>;
/**
 * The SDK's types follow API version 2026-10-21, which dropped sampling parameters. We pin 2023-06-01,
 * where `temperature` still exists (models of generation 5 and later reject it: the caller decides).
 */
type MessageRequestWire = MessageCreateParams & { temperature?: number };

export const anthropicWire: WireFormat = {
  request(req, stream, apiKey) {
    const body: MessageRequestWire = {
      model: req.model,
      max_tokens: req.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
      system: req.system,
      messages: [{ role: 'user', content: req.content }],
      stream,
    };
    if (req.temperature !== undefined) body.temperature = req.temperature;
    return anthropicOutgoing(apiKey, stream, body);
  },

  parse(json, req) {
    const msg = asObject(json, 'body') as Partial<Message>;
    if (!Array.isArray(msg.content)) throw new WireError('no content blocks');
    let text = '';
    // Select blocks by type: thinking blocks may come first.
    for (const block of msg.content)
      if (block.type === 'text' && typeof block.text === 'string') text += block.text;
    return {
      text,
      model: optString(msg.model) ?? req.model,
      usage: { inputTokens: count(msg.usage?.input_tokens), outputTokens: count(msg.usage?.output_tokens) },
    };
  },

  decoder(req) {
    return new MessageStream(req);
  },
};

class MessageStream extends StreamReport implements StreamDecoder {
  done = false;

  event(_name: string, data: string): string | undefined {
    const ev = asObject(parseJson(data, 'stream event'), 'stream event') as StreamEvent;
    switch (ev.type) {
      case 'message_start': {
        const message = ev.message;
        if (typeof message?.model === 'string') this.reportedModel = message.model;
        this.reportedUsage = {
          inputTokens: count(message?.usage?.input_tokens),
          outputTokens: count(message?.usage?.output_tokens),
        };
        return undefined;
      }
      case 'content_block_delta': {
        const delta = ev.delta;
        return delta?.type === 'text_delta' && typeof delta.text === 'string' ? delta.text : undefined;
      }
      case 'message_delta': {
        const usage = ev.usage;
        const input = count(usage?.input_tokens);
        this.reportedUsage = {
          inputTokens: input ?? this.reportedUsage.inputTokens,
          outputTokens: count(usage?.output_tokens) ?? this.reportedUsage.outputTokens,
        };
        return undefined;
      }
      case 'message_stop':
        this.done = true;
        return undefined;
      case 'error': {
        const err = ev.error;
        throw new StreamErrorEvent(
          optString(err?.message) ?? 'unknown error',
          err?.type === 'rate_limit_error',
        );
      }
      default:
        return undefined; // ping, content_block_start/stop and future event types
    }
  }
}

/** POST /v1/messages with Anthropic's key and version headers: refine's and chat's wire alike. */
export function anthropicOutgoing(apiKey: string, stream: boolean, body: object): Outgoing {
  return {
    path: '/v1/messages',
    headers: {
      'x-api-key': apiKey,
      'anthropic-version': ANTHROPIC_VERSION,
      'content-type': 'application/json',
      accept: stream ? 'text/event-stream' : 'application/json',
    },
    body: JSON.stringify(body),
  };
}
