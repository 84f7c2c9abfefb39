import type { JsonObject } from '../core/persona.ts';
import type { StyleCheck } from '../style/index.ts';
import type { ChatAdapter } from './chat-types.ts';
import type { Target } from './transport.ts';

/** One rewrite request in the provider-neutral shape every adapter translates to its wire format. */
export interface ChatRequest {
  model: string;
  /** The persona's compiled system prompt ('' for the local engine, which does not use it). */
  system: string;
  content: string;
  temperature: number | undefined;
  maxTokens: number | undefined;
  /** The persona's attributes, for the local engine. */
  attributes: JsonObject;
}

/** Token counts as the upstream reported them; null when it reported none. */
export interface Usage {
  inputTokens: number | null;
  outputTokens: number | null;
}

export interface Completion {
  text: string;
  /** The model that answered, as the upstream named it (falls back to the requested one). */
  model: string;
  usage: Usage;
  /** The persona's checks on `text`, when the provider already ran them (the local engine does). */
  checks?: StyleCheck[];
}

/**
 * Tells that the client went away: an AbortSignal, or anything with the part of its shape used here (the
 * native path passes one built on the response's 'close' event, without an EventTarget per request).
 */
export interface ClientSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** Everything one upstream call needs besides the request itself. */
export interface Call {
  target: Target;
  apiKey: string;
  /** Aborts when the client goes away. */
  signal: ClientSignal;
  timeoutMs: number;
}

/**
 * Takes one text delta of a stream. A promise back means the client is not keeping up: the upstream is
 * not read until it settles (backpressure, ADR 0014).
 */
export type DeltaSink = (text: string) => Promise<void> | undefined;

/** A stream whose upstream answered 2xx; reading it yields text deltas, then the whole completion. */
export interface OpenStream {
  read(onDelta: DeltaSink): Promise<Completion>;
}

export interface Provider {
  readonly id: string;
  /** The model used when the request names none; null when the request must name one. */
  readonly defaultModel: string | null;
  /** Trusted default base URL (env override or the vendor's), null when the request must supply one. */
  readonly defaultTarget: Target | null;
  /** False only for the local engine: no key, no network. */
  readonly remote: boolean;
  complete(call: Call | null, req: ChatRequest): Promise<Completion>;
  /** Resolves once the upstream accepted the request (2xx), so failures up to then keep their status. */
  open(call: Call | null, req: ChatRequest): Promise<OpenStream>;
  /** Multi-turn chat with tools (chat-types.ts); every remote provider has it, the local engine not. */
  readonly chat?: ChatAdapter;
}
