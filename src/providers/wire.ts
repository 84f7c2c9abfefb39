import { nestedTooDeep } from '../core/json-shape.ts';
import type { Outgoing } from './transport.ts';
import type { ChatRequest, Completion, Usage } from './types.ts';

/**
 * What an HTTP provider adapter supplies: its request shape, how to read its JSON answer and its stream.
 * The shared machinery around it: http-provider.ts (calls and streams), transport.ts (pools),
 * upstream-exchange.ts (one request: timeouts, aborts, reading the answer), upstream-errors.ts (status
 * mapping) and sse.ts (SSE framing).
 */
export interface WireFormat {
  request(req: ChatRequest, stream: boolean, apiKey: string): Outgoing;
  /** Reads a 2xx JSON answer; throws WireError when its shape is not the documented one. */
  parse(json: unknown, req: ChatRequest): Completion;
  decoder(req: ChatRequest): StreamDecoder;
  /** Vendors that report a bad key with another status than 401/403 (Gemini: 400 API_KEY_INVALID). */
  keyRejected?(status: number, bodyText: string): boolean;
}

/** Follows one streamed answer, event by event. */
export interface StreamDecoder {
  /** Handles one SSE event; returns the text it carries, if any. Throws WireError or StreamErrorEvent. */
  event(name: string, data: string): string | undefined;
  /** True once the upstream signalled a complete answer; a stream that ends before is broken. */
  readonly done: boolean;
  model(): string;
  usage(): Usage;
}

/**
 * The model and usage a stream reports as it goes, starting from the request's model; each vendor's
 * decoder extends it and updates them from its own events.
 */
export abstract class StreamReport {
  protected reportedModel: string;
  protected reportedUsage: Usage = noUsage();

  constructor(req: ChatRequest) {
    this.reportedModel = req.model;
  }

  model(): string {
    return this.reportedModel;
  }

  usage(): Usage {
    return this.reportedUsage;
  }
}

/** The upstream answered 2xx with a body that is not its documented shape. */
export class WireError extends Error {}

/** The upstream reported an error inside a stream that had started fine. */
export class StreamErrorEvent extends Error {
  readonly rateLimited: boolean;
  constructor(message: string, rateLimited = false) {
    super(message);
    this.rateLimited = rateLimited;
  }
}

export type Json = Record<string, unknown>;

/**
 * How deep a provider's JSON may nest. JSON.parse accepts any nesting, but what is done with the value
 * afterwards recurses: JSON.stringify of a tool call's arguments (Anthropic's and Google's `input`/`args`
 * objects) and the structured clone that brings a large answer back from the parse worker overflow the
 * stack near 5,000 levels (a RangeError, answered as a 500). Real answers nest a handful of levels.
 */
export const MAX_ANSWER_DEPTH = 256;

/** A provider's JSON in a stream (each event's data): parsed, and bounded in depth. */
export function parseJson(text: string, what: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new WireError(`${what} is not JSON`);
  }
  if (nestedTooDeep(text, MAX_ANSWER_DEPTH))
    throw new WireError(`${what} is nested more than ${MAX_ANSWER_DEPTH} levels deep`);
  return value;
}

export function asObject(v: unknown, what: string): Json {
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as Json;
  throw new WireError(`${what} is not an object`);
}

export function optObject(v: unknown): Json | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

export function optString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function count(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export const noUsage = (): Usage => ({ inputTokens: null, outputTokens: null });
