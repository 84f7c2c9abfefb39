import { AppError } from '../core/errors.ts';
import { MAX_JSON_DEPTH, nestedTooDeep } from '../core/json-shape.ts';
import type {
  ChatAdapter,
  ConverseDelta,
  ConverseRequest,
  ConverseResult,
  FinishReason,
  ToolCall,
} from './chat-types.ts';
import type { Outgoing } from './transport.ts';
import type { Call, Usage } from './types.ts';
import { openSse, postForJson, shapeOf, type UpstreamId } from './upstream-call.ts';
import { noUsage, WireError } from './wire.ts';

/**
 * What a vendor's chat adapter supplies: its request shape, how to read its JSON answer and its stream,
 * all from and to the OpenAI-shaped ConverseRequest/ConverseResult (chat-types.ts). Sending, errors,
 * caps and backpressure are upstream-call.ts's, shared with refine's WireFormat.
 */
export interface ChatWire {
  request(req: ConverseRequest, stream: boolean, apiKey: string): Outgoing;
  /** Reads a 2xx JSON answer; throws WireError when its shape is not the documented one. */
  parse(json: unknown, req: ConverseRequest): ConverseResult;
  decoder(req: ConverseRequest): ChatStreamDecoder;
  keyRejected?(status: number, bodyText: string): boolean;
}

/** Follows one streamed answer, event by event, in the vendor's own terms. */
export interface ChatStreamDecoder {
  /**
   * Handles one SSE event, passing on the deltas it carries through `emit`. Throws WireError when the
   * event is not the documented shape, StreamErrorEvent when it reports an error.
   */
  event(name: string, data: string, emit: (delta: ConverseDelta) => void): void;
  /** True once the upstream signalled a complete answer; a stream that ends before is broken. */
  readonly done: boolean;
  finishReason(): FinishReason;
  model(): string;
  usage(): Usage;
}

/**
 * The model, usage and finish reason a stream reports as it goes, starting from the request's model;
 * each vendor's decoder extends it.
 */
export abstract class ChatStreamReport {
  protected reportedModel: string;
  protected reportedUsage: Usage = noUsage();
  protected reportedFinish: FinishReason = 'stop';

  constructor(req: ConverseRequest) {
    this.reportedModel = req.model;
  }

  finishReason(): FinishReason {
    return this.reportedFinish;
  }

  model(): string {
    return this.reportedModel;
  }

  usage(): Usage {
    return this.reportedUsage;
  }
}

/**
 * Builds the whole answer from its deltas: text pieces joined once at the end, tool calls by index
 * (id and name from their first fragment, arguments appended in order).
 */
/** More tool calls in one answer than any model makes; past it the stream is not a vendor's. */
export const MAX_TOOL_CALLS = 1024;

export class AnswerAssembler {
  readonly #parts: string[] = [];
  readonly #calls: ToolCall[] = [];

  add(delta: ConverseDelta): void {
    if (delta.type === 'text') {
      this.#parts.push(delta.text);
      return;
    }
    if (!Number.isInteger(delta.index) || delta.index < 0 || delta.index >= MAX_TOOL_CALLS) {
      throw new WireError(`tool call index ${delta.index} is out of range`);
    }
    let call = this.#calls[delta.index];
    if (!call) {
      // Indexes come in order; a gap (never sent by a vendor) is filled so the array stays dense.
      for (let i = this.#calls.length; i <= delta.index; i++)
        this.#calls[i] = { id: '', name: '', arguments: '' };
      call = this.#calls[delta.index] as ToolCall;
    }
    if (delta.id) call.id = delta.id;
    if (delta.name) call.name = delta.name;
    if (delta.arguments) call.arguments += delta.arguments;
  }

  text(): string {
    return this.#parts.join('');
  }

  toolCalls(): ToolCall[] {
    return this.#calls;
  }
}

/** The chat side of an HTTP provider: one ChatWire over the shared request/stream path. */
export function chatAdapter(id: string, wire: ChatWire): ChatAdapter {
  const up: UpstreamId = { id, keyRejected: wire.keyRejected?.bind(wire) };
  return {
    async converse(call: Call, req: ConverseRequest): Promise<ConverseResult> {
      const json = await postForJson(up, call, wire.request(req, false, call.apiKey));
      return settled(shapeOf(up, () => wire.parse(json, req)));
    },

    async openConverse(call: Call, req: ConverseRequest) {
      const sse = await openSse(up, call, wire.request(req, true, call.apiKey));
      return {
        async read(onDelta) {
          const decoder = wire.decoder(req);
          const answer = new AnswerAssembler();
          // The receiver's "full" signal from any delta of the event pauses the upstream.
          let full: Promise<void> | undefined;
          const emit = (delta: ConverseDelta) => {
            answer.add(delta);
            full = onDelta(delta) ?? full;
          };
          await sse.read((event, data) => {
            full = undefined;
            decoder.event(event, data, emit);
            return full;
          });
          if (!decoder.done) throw new AppError('upstream_failed', `${id} stream broke off before the end`);
          return settled({
            text: answer.text(),
            toolCalls: answer.toolCalls(),
            finishReason: decoder.finishReason(),
            model: decoder.model(),
            usage: decoder.usage(),
          });
        },
      };
    },
  };
}

/**
 * An answer that calls tools finishes with `tool_calls`, whatever the vendor said: Gemini and some
 * compatible servers say "stop", and OpenAI clients decide on the finish reason whether to run tools.
 */
function settled(result: ConverseResult): ConverseResult {
  if (result.toolCalls.length > 0 && result.finishReason === 'stop')
    return { ...result, finishReason: 'tool_calls' };
  return result;
}

/** Tool-call arguments as an object, for vendors that take them parsed (Anthropic, Gemini). */
export function argumentsObject(call: ToolCall): Record<string, unknown> {
  if (call.arguments.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(call.arguments);
  } catch {
    parsed = undefined;
  }
  // Sent on as an object, written by JSON.stringify: held to a body's depth.
  if (nestedTooDeep(call.arguments, MAX_JSON_DEPTH)) {
    throw new AppError(
      'invalid',
      `the arguments of tool call ${call.id || call.name} are nested more than ${MAX_JSON_DEPTH} levels deep`,
    );
  }
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
    return parsed as Record<string, unknown>;
  throw new AppError('invalid', `the arguments of tool call ${call.id || call.name} are not a JSON object`);
}
