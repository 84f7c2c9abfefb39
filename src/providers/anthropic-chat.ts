import type {
  ToolChoice as AnthropicToolChoice,
  ContentBlockParam,
  Message,
  MessageCreateParamsBase,
  RawMessageStreamEvent,
  StopReason,
  Tool,
} from '@anthropic-ai/sdk/resources/messages';
import type { ErrorResponse } from '@anthropic-ai/sdk/resources/shared';
import { ANTHROPIC_DEFAULT_MAX_TOKENS, anthropicOutgoing } from './anthropic.ts';
import type {
  ChatMessage,
  ConverseDelta,
  FinishReason,
  ToolCall,
  ToolChoice,
  ToolDef,
} from './chat-types.ts';
import { argumentsObject, type ChatStreamDecoder, ChatStreamReport, type ChatWire } from './chat-wire.ts';
import type { Usage } from './types.ts';
import { asObject, count, optObject, optString, parseJson, StreamErrorEvent, WireError } from './wire.ts';

/**
 * Anthropic Messages (POST {base}/v1/messages) for chat: system messages become the top-level `system`,
 * assistant tool calls `tool_use` blocks, tool turns `tool_result` blocks in a user turn; consecutive
 * turns of one role are merged into one (all results of one tool round must sit in the single user turn
 * that follows it). Streams come as content_block_start / content_block_delta (text_delta,
 * input_json_delta) / message_delta events. Shapes are checked against @anthropic-ai/sdk's types.
 */

type Role = 'user' | 'assistant';
interface Turn {
  role: Role;
  content: string | ContentBlockParam[];
}
/** The SDK follows API version 2026-10-21, which dropped sampling parameters; we pin 2023-06-01. */
type Body = Omit<MessageCreateParamsBase, 'messages'> & {
  messages: Turn[];
  temperature?: number;
  top_p?: number;
};
type StreamEvent = Partial<RawMessageStreamEvent> | Partial<ErrorResponse>;

export function anthropicFinish(reason: StopReason | string | null | undefined): FinishReason {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      // end_turn, stop_sequence, pause_turn
      return 'stop';
  }
}

function blocksOf(m: ChatMessage): ContentBlockParam[] {
  const blocks: ContentBlockParam[] = [];
  if (m.role === 'tool') {
    const result: ContentBlockParam = { type: 'tool_result', tool_use_id: m.toolCallId ?? '' };
    if (m.content !== '') result.content = m.content;
    return [result];
  }
  // Anthropic refuses empty text blocks.
  if (m.content !== '') blocks.push({ type: 'text', text: m.content });
  if (m.role === 'assistant') {
    for (const call of m.toolCalls ?? []) {
      blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: argumentsObject(call) });
    }
  }
  return blocks;
}

/** The history as alternating user/assistant turns, and the system messages joined for `system`. */
export function anthropicTurns(messages: ChatMessage[]): { system: string; turns: Turn[] } {
  const system: string[] = [];
  const turns: { role: Role; blocks: ContentBlockParam[] }[] = [];
  for (const m of messages) {
    if (m.role === 'system') {
      if (m.content !== '') system.push(m.content);
      continue;
    }
    const blocks = blocksOf(m);
    if (blocks.length === 0) continue;
    const role: Role = m.role === 'assistant' ? 'assistant' : 'user';
    const prev = turns.at(-1);
    if (prev && prev.role === role) prev.blocks.push(...blocks);
    else turns.push({ role, blocks });
  }
  return {
    system: system.join('\n\n'),
    turns: turns.map(({ role, blocks }) => {
      // A user turn answering tool calls must start with its tool_result blocks.
      const ordered =
        role === 'user'
          ? [
              ...blocks.filter((b) => b.type === 'tool_result'),
              ...blocks.filter((b) => b.type !== 'tool_result'),
            ]
          : blocks;
      const only = ordered.length === 1 ? ordered[0] : undefined;
      return { role, content: only?.type === 'text' ? only.text : ordered };
    }),
  };
}

function toolOf(t: ToolDef): Tool {
  const tool: Tool = {
    name: t.name,
    input_schema: (t.parameters ?? { type: 'object', properties: {} }) as Tool['input_schema'],
  };
  if (t.description !== undefined) tool.description = t.description;
  if (t.strict !== undefined) tool.strict = t.strict;
  return tool;
}

function toolChoiceOf(c: ToolChoice): AnthropicToolChoice {
  if (c === 'required') return { type: 'any' };
  if (c === 'auto' || c === 'none') return { type: c };
  return { type: 'tool', name: c.name };
}

function usageOf(u: { input_tokens?: unknown; output_tokens?: unknown } | null | undefined): Usage {
  return { inputTokens: count(u?.input_tokens), outputTokens: count(u?.output_tokens) };
}

export const anthropicChatWire: ChatWire = {
  request(req, stream, apiKey) {
    const { system, turns } = anthropicTurns(req.messages);
    const body: Body = {
      model: req.model,
      max_tokens: req.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
      messages: turns,
      stream,
    };
    if (system !== '') body.system = system;
    if (req.tools && req.tools.length > 0) {
      body.tools = req.tools.map(toolOf);
      if (req.toolChoice !== undefined) body.tool_choice = toolChoiceOf(req.toolChoice);
    }
    if (req.temperature !== undefined) body.temperature = req.temperature;
    if (req.topP !== undefined) body.top_p = req.topP;
    if (req.stop && req.stop.length > 0) body.stop_sequences = req.stop;
    if (req.user !== undefined) body.metadata = { user_id: req.user };
    // OpenAI's json_schema has Anthropic's structured-output twin; json_object has none and is left out.
    const format = req.responseFormat;
    const schema = optObject(optObject(format?.json_schema)?.schema);
    if (format?.type === 'json_schema' && schema) {
      body.output_config = { format: { type: 'json_schema', schema } };
    }
    return anthropicOutgoing(apiKey, stream, body);
  },

  parse(json, req) {
    const msg = asObject(json, 'body') as Partial<Message>;
    if (!Array.isArray(msg.content)) throw new WireError('no content blocks');
    let text = '';
    const toolCalls: ToolCall[] = [];
    // Select blocks by type: thinking blocks may come first.
    for (const block of msg.content) {
      if (block.type === 'text' && typeof block.text === 'string') text += block.text;
      else if (block.type === 'tool_use' && typeof block.name === 'string') {
        toolCalls.push({
          id: optString(block.id) ?? '',
          name: block.name,
          arguments: JSON.stringify(block.input ?? {}),
        });
      }
    }
    return {
      text,
      toolCalls,
      finishReason: anthropicFinish(msg.stop_reason),
      model: optString(msg.model) ?? req.model,
      usage: usageOf(msg.usage),
    };
  },

  decoder(req) {
    return new AnthropicChatStream(req);
  },
};

class AnthropicChatStream extends ChatStreamReport implements ChatStreamDecoder {
  done = false;
  /** Content block index -> tool call index (OpenAI numbers tool calls apart from text). */
  readonly #toolOfBlock = new Map<number, number>();
  /** Tool calls whose arguments have not come yet: a call without input gets `{}` at its block's end. */
  readonly #noArguments = new Set<number>();

  event(_name: string, data: string, emit: (delta: ConverseDelta) => void): void {
    const ev = asObject(parseJson(data, 'stream event'), 'stream event') as StreamEvent;
    switch (ev.type) {
      case 'message_start': {
        const message = ev.message;
        if (typeof message?.model === 'string') this.reportedModel = message.model;
        this.reportedUsage = usageOf(message?.usage);
        return;
      }
      case 'content_block_start': {
        const block = ev.content_block;
        if (typeof ev.index !== 'number' || !block) return;
        if (block.type === 'text' && typeof block.text === 'string' && block.text !== '') {
          emit({ type: 'text', text: block.text });
        } else if (block.type === 'tool_use') {
          const index = this.#toolOfBlock.size;
          this.#toolOfBlock.set(ev.index, index);
          const delta: ConverseDelta = { type: 'tool_call', index, id: block.id, name: block.name };
          const input = optObject(block.input);
          if (input && Object.keys(input).length > 0) delta.arguments = JSON.stringify(input);
          else this.#noArguments.add(index);
          emit(delta);
        }
        return;
      }
      case 'content_block_delta': {
        const delta = ev.delta;
        if (delta?.type === 'text_delta' && typeof delta.text === 'string' && delta.text !== '') {
          emit({ type: 'text', text: delta.text });
        } else if (delta?.type === 'input_json_delta' && typeof ev.index === 'number') {
          const index = this.#toolOfBlock.get(ev.index);
          if (index === undefined) throw new WireError('input_json_delta for a block that is not a tool_use');
          if (typeof delta.partial_json === 'string' && delta.partial_json !== '') {
            this.#noArguments.delete(index);
            emit({ type: 'tool_call', index, arguments: delta.partial_json });
          }
        }
        return;
      }
      case 'content_block_stop': {
        const index = typeof ev.index === 'number' ? this.#toolOfBlock.get(ev.index) : undefined;
        if (index !== undefined && this.#noArguments.delete(index))
          emit({ type: 'tool_call', index, arguments: '{}' });
        return;
      }
      case 'message_delta': {
        if (ev.delta?.stop_reason) this.reportedFinish = anthropicFinish(ev.delta.stop_reason);
        const usage = ev.usage;
        this.reportedUsage = {
          inputTokens: count(usage?.input_tokens) ?? this.reportedUsage.inputTokens,
          outputTokens: count(usage?.output_tokens) ?? this.reportedUsage.outputTokens,
        };
        return;
      }
      case 'message_stop':
        this.done = true;
        return;
      case 'error': {
        const err = ev.error;
        throw new StreamErrorEvent(
          optString(err?.message) ?? 'unknown error',
          err?.type === 'rate_limit_error',
        );
      }
      default:
        return; // ping and future event types
    }
  }
}
