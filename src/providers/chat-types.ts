import type { JsonObject } from '../core/persona.ts';
import type { Call, Usage } from './types.ts';

/**
 * The provider-neutral shape of a multi-turn chat (issue 14), modelled on OpenAI's Chat Completions
 * because that is what callers send and what the surface answers: every adapter translates it to its
 * vendor's wire format and back (system messages to Anthropic's `system` / Gemini's
 * `systemInstruction` / Cohere's system turn, tool calls to `tool_use` / `functionCall` / `tool_calls`).
 * The chat engine (src/chat/) builds a ConverseRequest; adapters never see personas.
 */

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

/** One call of a tool the model asked for; `arguments` is the JSON text the model wrote, passed through. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface ChatMessage {
  role: ChatRole;
  /** The text (content parts joined); '' for an assistant turn that only calls tools. */
  content: string;
  name?: string;
  /** Assistant turns: the tools it called. */
  toolCalls?: ToolCall[];
  /** Tool turns: which call this answers. */
  toolCallId?: string;
}

/** A function tool as OpenAI describes one; `parameters` is a JSON Schema object, passed through. */
export interface ToolDef {
  name: string;
  description?: string;
  parameters?: JsonObject;
  strict?: boolean;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

export interface ConverseRequest {
  model: string;
  /** System messages first (the engine assembles them), then the history in order. */
  messages: ChatMessage[];
  tools?: ToolDef[];
  toolChoice?: ToolChoice;
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  stop?: string[];
  /** OpenAI's `response_format`, for the adapters whose vendor has an equivalent; others ignore it. */
  responseFormat?: JsonObject;
  user?: string;
  /** A persona's own OpenAI-compatible endpoint settings (`layers.llm`); other adapters ignore them. */
  extraBody?: JsonObject;
  extraHeaders?: Record<string, string>;
  extraQuery?: Record<string, string>;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface ConverseResult {
  text: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  /** The model that answered, as the upstream named it (falls back to the requested one). */
  model: string;
  usage: Usage;
}

/**
 * One piece of a streamed answer: text, or a fragment of the `index`-th tool call (its id and name come
 * once, its arguments in pieces, as OpenAI streams them; adapters whose vendor sends whole calls send
 * one fragment holding all three).
 */
export type ConverseDelta =
  | { type: 'text'; text: string }
  | { type: 'tool_call'; index: number; id?: string; name?: string; arguments?: string };

/** A promise back means the receiver is not keeping up: the upstream is not read until it settles. */
export type ConverseSink = (delta: ConverseDelta) => Promise<void> | undefined;

/** A stream whose upstream answered 2xx; reading it passes deltas on, then gives the whole result. */
export interface ConverseStream {
  read(onDelta: ConverseSink): Promise<ConverseResult>;
}

/** What a remote provider offers for chat; the local engine answers in src/chat/ instead. */
export interface ChatAdapter {
  converse(call: Call, req: ConverseRequest): Promise<ConverseResult>;
  /** Resolves once the upstream accepted the request (2xx), so failures up to then keep their status. */
  openConverse(call: Call, req: ConverseRequest): Promise<ConverseStream>;
}
