import type { JsonObject } from '../core/persona.ts';
import type {
  ChatMessage,
  ConverseDelta,
  FinishReason,
  ToolCall,
  ToolChoice,
  ToolDef,
} from '../providers/chat-types.ts';
import type { ClientSignal, Usage } from '../providers/types.ts';
import type { StyleCheck } from '../style/index.ts';

/**
 * The chat engine's input and output (issue 14): transport-free, so the OpenAI surface, Tavus
 * conversations and the console all call the same engine with their own wire formats around it.
 */

/** A provider and key the caller brings for one request (headers on the OpenAI surface); never stored. */
export interface BringYourOwn {
  provider: string;
  apiKey?: string | undefined;
  /** Untrusted: goes through the outbound-URL guard. */
  baseUrl?: string | undefined;
  model?: string | undefined;
}

export interface ChatInput {
  /** A persona id the caller may read (its own, or a system persona). */
  personaId: string;
  /** A pinned persona version; the current one when unset. */
  version?: number | undefined;
  /** The caller's conversation: system, user, assistant and tool turns in order. */
  messages: ChatMessage[];
  tools?: ToolDef[] | undefined;
  toolChoice?: ToolChoice | undefined;
  temperature?: number | undefined;
  topP?: number | undefined;
  maxTokens?: number | undefined;
  stop?: string[] | undefined;
  responseFormat?: JsonObject | undefined;
  user?: string | undefined;
  /** Documents searched besides the persona's own (ids and tags of the caller's account). */
  documentIds?: string[] | undefined;
  documentTags?: string[] | undefined;
  /** How much work retrieval does per turn (src/chat/knowledge.ts); `balanced` when unset. */
  retrievalStrategy?: 'speed' | 'balanced' | 'quality' | undefined;
  /** Overrides the persona's `attributes.enforce` for this request. */
  enforce?: boolean | undefined;
  byo?: BringYourOwn | undefined;
  /** The client's signal: aborting it aborts the upstream call at once. */
  signal: ClientSignal;
}

/** One passage the answer may cite, as `[n]` in the prompt and in the answer. */
export interface Citation {
  /** The marker's number: `[1]` is index 1. */
  index: number;
  document_id: string;
  document_name: string;
  chunk_id: string;
  text: string;
  score: number;
  position: { ordinal: number; heading_path: string[]; page?: number; sheet?: string; url?: string };
}

export interface ChatResult {
  /** The answer as it leaves (enforced when enforce is on). */
  text: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  /** `local` for the local engine, else the provider id. */
  provider: string;
  model: string;
  usage: Usage;
  checks: StyleCheck[];
  citations: Citation[];
}

/** A stream that the provider accepted: run() passes deltas on, then resolves with the whole result. */
export interface ChatStream {
  /** Known once the stream is open (the prompt was built, the provider accepted it). */
  readonly provider: string;
  readonly model: string;
  readonly citations: Citation[];
  run(onDelta: (delta: ConverseDelta) => Promise<void> | undefined): Promise<ChatResult>;
}
