import type { Cohere } from 'cohere-ai';
import { AppError } from '../core/errors.ts';
import type { ChatMessage, ConverseDelta, FinishReason, ToolCall, ToolDef } from './chat-types.ts';
import { type ChatStreamDecoder, ChatStreamReport, type ChatWire } from './chat-wire.ts';
import type { Wire } from './cohere.ts';
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
 * Cohere v2 chat (POST {base}/v2/chat) for chat: OpenAI's roles map one to one (system, user,
 * assistant with `tool_calls`, tool with `tool_call_id`); an assistant turn's text next to its tool
 * calls is Cohere's `tool_plan`, and comes back as the answer's text, so a round trip keeps it. Streams
 * come as content-delta, tool-plan-delta, tool-call-start / tool-call-delta and message-end events.
 * Cohere has no "call this one tool" choice: a named choice sends only that tool, with REQUIRED.
 */

type MessageWire =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content?: string; tool_plan?: string; tool_calls?: Wire<Cohere.ToolCallV2>[] }
  | { role: 'tool'; tool_call_id: string; content: string };
type Body = Pick<
  Wire<Cohere.V2ChatRequest>,
  'model' | 'max_tokens' | 'temperature' | 'p' | 'stop_sequences' | 'tool_choice' | 'strict_tools'
> & {
  messages: MessageWire[];
  tools?: ToolWire[];
  response_format?: { type: 'json_object'; json_schema?: Record<string, unknown> };
  stream: boolean;
};
/** A JSON Schema stays a plain object on the wire (Wire<> would map its unknown values). */
type ToolWire = {
  type: 'function';
  function: Omit<Wire<Cohere.ToolV2Function>, 'parameters'> & { parameters: Record<string, unknown> };
};
type ResponseWire = Partial<Wire<Cohere.V2ChatResponse>>;
type StreamEventWire = { type?: unknown; index?: unknown; delta?: Json };

export function cohereFinish(reason: unknown): FinishReason {
  switch (reason) {
    case 'MAX_TOKENS':
      return 'length';
    case 'TOOL_CALL':
      return 'tool_calls';
    default:
      // COMPLETE, STOP_SEQUENCE
      return 'stop';
  }
}

function usageOf(u: Partial<Wire<Cohere.Usage>> | undefined): Usage {
  const tokens = u?.tokens ?? u?.billed_units;
  return { inputTokens: count(tokens?.input_tokens), outputTokens: count(tokens?.output_tokens) };
}

function messageOf(m: ChatMessage): MessageWire | undefined {
  switch (m.role) {
    case 'system':
    case 'user':
      return { role: m.role, content: m.content };
    case 'tool':
      return { role: 'tool', tool_call_id: m.toolCallId ?? '', content: m.content };
    case 'assistant': {
      const calls = m.toolCalls ?? [];
      // An empty assistant turn (no text, no calls) says nothing; Cohere refuses empty content.
      if (calls.length === 0) return m.content === '' ? undefined : { role: 'assistant', content: m.content };
      const out: MessageWire = {
        role: 'assistant',
        tool_calls: calls.map((c) => ({
          id: c.id,
          type: 'function',
          function: { name: c.name, arguments: c.arguments },
        })),
      };
      if (m.content !== '') out.tool_plan = m.content;
      return out;
    }
  }
}

function toolOf(t: ToolDef): ToolWire {
  const fn: ToolWire['function'] = {
    name: t.name,
    parameters: t.parameters ?? { type: 'object', properties: {} },
  };
  if (t.description !== undefined) fn.description = t.description;
  return { type: 'function', function: fn };
}

function toolCallsOf(v: unknown): ToolCall[] {
  if (!Array.isArray(v)) return [];
  const out: ToolCall[] = [];
  for (const item of v) {
    const fn = optObject(optObject(item)?.function);
    const name = optString(fn?.name);
    if (!name) continue;
    out.push({ id: optString(optObject(item)?.id) ?? '', name, arguments: optString(fn?.arguments) ?? '{}' });
  }
  return out;
}

export const cohereChatWire: ChatWire = {
  request(req, stream, apiKey) {
    const messages: MessageWire[] = [];
    for (const m of req.messages) {
      const out = messageOf(m);
      if (out) messages.push(out);
    }
    const body: Body = { model: req.model, messages, stream };
    let tools = req.tools ?? [];
    const choice = req.toolChoice;
    if (typeof choice === 'object') tools = tools.filter((t) => t.name === choice.name);
    if (tools.length > 0) {
      body.tools = tools.map(toolOf);
      if (choice === 'required' || typeof choice === 'object') body.tool_choice = 'REQUIRED';
      else if (choice === 'none') body.tool_choice = 'NONE';
      if (tools.some((t) => t.strict === true)) body.strict_tools = true;
    }
    if (req.temperature !== undefined) body.temperature = req.temperature;
    if (req.topP !== undefined) body.p = req.topP;
    if (req.maxTokens !== undefined) body.max_tokens = req.maxTokens;
    if (req.stop && req.stop.length > 0) body.stop_sequences = req.stop;
    const format = req.responseFormat;
    if (format?.type === 'json_object') body.response_format = { type: 'json_object' };
    else if (format?.type === 'json_schema') {
      const schema = optObject(optObject(format.json_schema)?.schema);
      body.response_format = schema ? { type: 'json_object', json_schema: schema } : { type: 'json_object' };
    }
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
    const res = asObject(json, 'body') as ResponseWire;
    if (res.finish_reason === 'ERROR' || res.finish_reason === 'TIMEOUT') {
      throw new AppError('upstream_failed', `cohere ended the generation with ${res.finish_reason}`);
    }
    const message = optObject(res.message);
    if (!message) throw new WireError('no message');
    let text = '';
    if (Array.isArray(message.content)) {
      for (const item of message.content) {
        const o = optObject(item);
        if (o?.type === 'text' && typeof o.text === 'string') text += o.text;
      }
    }
    const toolCalls = toolCallsOf(message.tool_calls);
    if (text === '' && toolCalls.length > 0) text = optString(message.tool_plan) ?? '';
    // v2 chat does not echo the model.
    return {
      text,
      toolCalls,
      finishReason: cohereFinish(res.finish_reason),
      model: req.model,
      usage: usageOf(res.usage),
    };
  },

  decoder(req) {
    return new CohereChatStream(req);
  },

  // 498: Cohere's "invalid token".
  keyRejected: (status) => status === 498,
};

class CohereChatStream extends ChatStreamReport implements ChatStreamDecoder {
  done = false;

  event(_name: string, data: string, emit: (delta: ConverseDelta) => void): void {
    if (data === '[DONE]') return;
    const ev = asObject(parseJson(data, 'stream event'), 'stream event') as StreamEventWire;
    const message = optObject(optObject(ev.delta)?.message);
    switch (ev.type) {
      case 'content-delta': {
        const text = optObject(message?.content)?.text;
        if (typeof text === 'string' && text !== '') emit({ type: 'text', text });
        return;
      }
      case 'tool-plan-delta': {
        const text = message?.tool_plan;
        if (typeof text === 'string' && text !== '') emit({ type: 'text', text });
        return;
      }
      case 'tool-call-start':
      case 'tool-call-delta': {
        if (typeof ev.index !== 'number' || !Number.isInteger(ev.index) || ev.index < 0) {
          throw new WireError(`${ev.type} without an index`);
        }
        const call = optObject(message?.tool_calls);
        const fn = optObject(call?.function);
        const delta: ConverseDelta = { type: 'tool_call', index: ev.index };
        const id = optString(call?.id);
        const name = optString(fn?.name);
        const args = optString(fn?.arguments);
        if (id) delta.id = id;
        if (name) delta.name = name;
        if (args) delta.arguments = args;
        emit(delta);
        return;
      }
      case 'message-end': {
        const end = optObject(ev.delta);
        const error = end?.error;
        if (typeof error === 'string' && error !== '') throw new StreamErrorEvent(error);
        if (end?.finish_reason === 'ERROR' || end?.finish_reason === 'TIMEOUT') {
          throw new StreamErrorEvent(`generation ended with ${end.finish_reason}`);
        }
        this.reportedFinish = cohereFinish(end?.finish_reason);
        this.reportedUsage = usageOf(optObject(end?.usage));
        this.done = true;
        return;
      }
      default:
        return; // message-start, content-start/end, tool-call-end, citation events
    }
  }
}
