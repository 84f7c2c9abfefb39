import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsBase,
  ChatCompletionMessageParam,
  ChatCompletionTool,
  ChatCompletionToolChoiceOption,
} from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import type {
  ChatMessage,
  ConverseDelta,
  FinishReason,
  ToolCall,
  ToolChoice,
  ToolDef,
} from './chat-types.ts';
import { type ChatStreamDecoder, ChatStreamReport, type ChatWire } from './chat-wire.ts';
import { withExtraHeaders, withQuery } from './outgoing-extras.ts';
import type { Usage } from './types.ts';
import {
  asObject,
  count,
  type Json,
  optObject,
  optString,
  parseJson,
  StreamErrorEvent,
  WireError,
} from './wire.ts';

/**
 * Chat Completions (POST {base}/chat/completions) for OpenAI and every compatible server, multi-turn
 * with tools and streaming. The neutral shape is OpenAI's, so this is mostly a rename to snake_case; a
 * persona's own endpoint settings (`extraBody`, `extraHeaders`, `extraQuery`) are added here and only
 * here. Wire shapes are checked against the `openai` package's types (type-only import).
 */
export interface OpenAiChatOptions {
  /** OpenAI's own API wants max_completion_tokens (max_tokens is deprecated there); the others max_tokens. */
  maxTokensField: 'max_completion_tokens' | 'max_tokens';
  /** Ask for usage in the last stream chunk (stream_options.include_usage). */
  streamUsage: boolean;
  /**
   * Send `user` and messages' `name` (default true). Mistral refuses fields it does not know (422 "Extra
   * inputs are not permitted") and has neither, so its preset leaves them out.
   */
  userFields?: boolean;
}

type Body = ChatCompletionCreateParamsBase & Json;
type Chunk = Partial<ChatCompletionChunk> & {
  error?: { message?: unknown; type?: unknown; code?: unknown };
  /** Groq reports stream usage here. */
  x_groq?: { usage?: CompletionUsage };
};

function usageOf(u: Partial<CompletionUsage> | undefined): Usage {
  return { inputTokens: count(u?.prompt_tokens), outputTokens: count(u?.completion_tokens) };
}

/** OpenAI's finish reasons, with the deprecated function_call read as tool_calls. */
export function finishOf(reason: unknown): FinishReason {
  switch (reason) {
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'content_filter':
      return 'content_filter';
    default:
      return 'stop';
  }
}

function messageOf(m: ChatMessage, names: boolean): ChatCompletionMessageParam {
  if (!names && m.name !== undefined) {
    const { name: _, ...rest } = m;
    return messageOf(rest, true);
  }
  switch (m.role) {
    case 'system':
      return m.name
        ? { role: 'system', content: m.content, name: m.name }
        : { role: 'system', content: m.content };
    case 'user':
      return m.name
        ? { role: 'user', content: m.content, name: m.name }
        : { role: 'user', content: m.content };
    case 'tool':
      return { role: 'tool', content: m.content, tool_call_id: m.toolCallId ?? '' };
    case 'assistant': {
      const calls = m.toolCalls ?? [];
      // An assistant turn that only calls tools has null content, as OpenAI itself returns it.
      const out: ChatCompletionMessageParam = {
        role: 'assistant',
        content: m.content === '' && calls.length > 0 ? null : m.content,
      };
      if (m.name) out.name = m.name;
      if (calls.length > 0) {
        out.tool_calls = calls.map((c) => ({
          id: c.id,
          type: 'function' as const,
          function: { name: c.name, arguments: c.arguments },
        }));
      }
      return out;
    }
  }
}

function toolOf(t: ToolDef): ChatCompletionTool {
  const fn: ChatCompletionTool & { type: 'function' } = { type: 'function', function: { name: t.name } };
  if (t.description !== undefined) fn.function.description = t.description;
  if (t.parameters !== undefined) fn.function.parameters = t.parameters;
  if (t.strict !== undefined) fn.function.strict = t.strict;
  return fn;
}

function toolChoiceOf(c: ToolChoice): ChatCompletionToolChoiceOption {
  return typeof c === 'string' ? c : { type: 'function', function: { name: c.name } };
}

/** The `tool_calls` of an answer's message, with the custom (non-function) kind left out. */
function toolCallsOf(v: unknown): ToolCall[] {
  if (!Array.isArray(v)) return [];
  const out: ToolCall[] = [];
  for (const item of v) {
    const fn = optObject(optObject(item)?.function);
    const name = optString(fn?.name);
    if (!name) continue;
    const args = fn?.arguments;
    out.push({
      id: optString(optObject(item)?.id) ?? '',
      name,
      arguments: typeof args === 'string' ? args : args === undefined ? '' : JSON.stringify(args),
    });
  }
  return out;
}

export function openAiChatWire(options: OpenAiChatOptions): ChatWire {
  const userFields = options.userFields ?? true;
  return {
    request(req, stream, apiKey) {
      const ours: Body = {
        model: req.model,
        messages: req.messages.map((m) => messageOf(m, userFields)),
        stream,
      };
      if (req.tools && req.tools.length > 0) ours.tools = req.tools.map(toolOf);
      if (req.toolChoice !== undefined && req.tools && req.tools.length > 0) {
        ours.tool_choice = toolChoiceOf(req.toolChoice);
      }
      if (req.temperature !== undefined) ours.temperature = req.temperature;
      if (req.topP !== undefined) ours.top_p = req.topP;
      if (req.maxTokens !== undefined) ours[options.maxTokensField] = req.maxTokens;
      if (req.stop && req.stop.length > 0) ours.stop = req.stop;
      if (req.responseFormat !== undefined) {
        ours.response_format = req.responseFormat as unknown as Body['response_format'];
      }
      if (req.user !== undefined && userFields) ours.user = req.user;
      if (stream && options.streamUsage) ours.stream_options = { include_usage: true };
      // The persona's extra_body adds fields (a vendor's own parameters); ours win where both set one,
      // so it cannot turn a stream into a JSON answer under the reader's feet.
      const body = req.extraBody ? { ...req.extraBody, ...ours } : ours;
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: stream ? 'text/event-stream' : 'application/json',
      };
      // Local servers (Ollama, LM Studio, llama.cpp) need no key: with none, no Authorization at all (an
      // empty `Bearer ` is refused by some proxies in front of them).
      if (apiKey !== '') headers.authorization = `Bearer ${apiKey}`;
      return {
        path: withQuery('/chat/completions', req.extraQuery),
        headers: withExtraHeaders(headers, req.extraHeaders),
        body: JSON.stringify(body),
      };
    },

    parse(json, req) {
      const res = asObject(json, 'body') as Partial<ChatCompletion>;
      const choice = Array.isArray(res.choices) ? res.choices[0] : undefined;
      const message = optObject(choice?.message);
      if (!message) throw new WireError('no choices[0].message');
      const content = message.content;
      if (content !== null && content !== undefined && typeof content !== 'string') {
        throw new WireError('choices[0].message.content is not text');
      }
      const toolCalls = toolCallsOf(message.tool_calls);
      const refusal = optString(message.refusal);
      return {
        text: content ?? refusal ?? '',
        toolCalls,
        finishReason: refusal && !content ? 'content_filter' : finishOf(choice?.finish_reason),
        model: optString(res.model) ?? req.model,
        usage: usageOf(res.usage),
      };
    },

    decoder(req) {
      return new ChatCompletionStream(req);
    },
  };
}

class ChatCompletionStream extends ChatStreamReport implements ChatStreamDecoder {
  #finished = false;
  #sawDone = false;
  /** Servers that leave out a tool call's index (some compatible ones) are followed by call id. */
  readonly #indexOfId = new Map<string, number>();
  #lastIndex = -1;

  get done(): boolean {
    return this.#sawDone || this.#finished;
  }

  event(_name: string, data: string, emit: (delta: ConverseDelta) => void): void {
    if (data === '[DONE]') {
      this.#sawDone = true;
      return;
    }
    const chunk = asObject(parseJson(data, 'stream chunk'), 'stream chunk') as Chunk;
    if (chunk.error) {
      const e = chunk.error;
      throw new StreamErrorEvent(
        optString(e.message) ?? 'unknown error',
        e.type === 'rate_limit_exceeded' || e.code === 'rate_limit_exceeded',
      );
    }
    if (typeof chunk.model === 'string' && chunk.model !== '') this.reportedModel = chunk.model;
    const usage = chunk.usage ?? chunk.x_groq?.usage;
    if (usage) this.reportedUsage = usageOf(usage);
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (!choice) return;
    const delta = optObject(choice.delta);
    const text = delta?.content;
    if (typeof text === 'string' && text !== '') emit({ type: 'text', text });
    if (Array.isArray(delta?.tool_calls)) {
      for (const item of delta.tool_calls) this.#toolFragment(optObject(item), emit);
    }
    if (choice.finish_reason) {
      this.#finished = true;
      this.reportedFinish = finishOf(choice.finish_reason);
    }
  }

  #toolFragment(item: Json | undefined, emit: (delta: ConverseDelta) => void): void {
    if (!item) return;
    const fn = optObject(item.function);
    const id = optString(item.id);
    let index: number;
    // An index out of range is refused by the assembler (chat-wire.ts) as a malformed stream.
    if (typeof item.index === 'number') {
      index = item.index;
    } else if (id !== undefined && id !== '' && !this.#indexOfId.has(id)) {
      index = this.#lastIndex + 1;
    } else {
      index = id ? (this.#indexOfId.get(id) ?? 0) : Math.max(this.#lastIndex, 0);
    }
    if (id) this.#indexOfId.set(id, index);
    if (index > this.#lastIndex) this.#lastIndex = index;
    const delta: ConverseDelta = { type: 'tool_call', index };
    if (id) delta.id = id;
    const name = optString(fn?.name);
    if (name) delta.name = name;
    const args = fn?.arguments;
    if (typeof args === 'string' && args !== '') delta.arguments = args;
    else if (args && typeof args === 'object') delta.arguments = JSON.stringify(args);
    emit(delta);
  }
}
