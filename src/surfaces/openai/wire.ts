import type { BringYourOwn, ChatInput, ChatResult, Citation } from '../../chat/types.ts';
import { AppError, invalid } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { JsonObject } from '../../core/persona.ts';
import type { ChatMessage, ConverseDelta, ToolChoice } from '../../providers/chat-types.ts';
import type { ClientSignal, Usage } from '../../providers/types.ts';
import type { StyleCheck } from '../../style/index.ts';
import type { ChatCompletionBody } from './schemas.ts';

/**
 * Translation between OpenAI's Chat Completions wire format and the chat engine (src/chat/): requests to
 * ChatInput, results to `chat.completion`, deltas to `chat.completion.chunk` frames. Nothing else.
 */

/** The per-request provider headers (docs/chat.md "Bring your own provider"). */
export const BYO_HEADERS = {
  provider: 'x-personakit-provider',
  key: 'x-personakit-provider-key',
  baseUrl: 'x-personakit-provider-base-url',
  model: 'x-personakit-provider-model',
} as const;

/** Printable ASCII, no spaces: every vendor key has this form, and it cannot smuggle header bytes. */
const keyForm = /^[\x21-\x7e]{1,1024}$/;

export function byoFromHeaders(header: (name: string) => string | undefined): BringYourOwn | undefined {
  const provider = header(BYO_HEADERS.provider)?.trim();
  const apiKey = header(BYO_HEADERS.key)?.trim();
  const baseUrl = header(BYO_HEADERS.baseUrl)?.trim();
  const model = header(BYO_HEADERS.model)?.trim();
  if (!provider) {
    const orphan = apiKey ? 'Key' : baseUrl ? 'Base-Url' : model ? 'Model' : undefined;
    if (orphan) throw invalid('X-Personakit-Provider', `is required with X-Personakit-Provider-${orphan}`);
    return undefined;
  }
  // The key is never put in a message: only what is wrong with it.
  if (apiKey !== undefined && apiKey !== '' && !keyForm.test(apiKey)) {
    throw invalid(
      'X-Personakit-Provider-Key',
      'must be printable ASCII without spaces, at most 1024 characters',
    );
  }
  if (baseUrl !== undefined && baseUrl.length > 2048) {
    throw invalid('X-Personakit-Provider-Base-Url', 'must be at most 2048 characters');
  }
  if (model !== undefined && model.length > 200) {
    throw invalid('X-Personakit-Provider-Model', 'must be at most 200 characters');
  }
  return {
    provider,
    ...(apiKey ? { apiKey } : {}),
    ...(baseUrl ? { baseUrl } : {}),
    ...(model ? { model } : {}),
  };
}

type WireMessage = ChatCompletionBody['messages'][number];

/** A message's text: the string, or its text parts joined; any other part is refused by name. */
function textOf(content: WireMessage['content'], at: string): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  let out = '';
  content.forEach((part, j) => {
    if (part.type !== 'text' && part.type !== 'refusal') {
      throw invalid(
        `${at}.${j}.type`,
        `"${part.type.slice(0, 40)}" parts are not supported: a persona reads text only; send {"type": "text", "text": "..."} parts`,
      );
    }
    const t = part.type === 'text' ? part.text : (part as { refusal?: unknown }).refusal;
    if (typeof t !== 'string') throw invalid(`${at}.${j}.${part.type}`, 'is required and must be a string');
    out += t;
  });
  return out;
}

export function toMessages(wire: ChatCompletionBody['messages']): ChatMessage[] {
  return wire.map((m, i): ChatMessage => {
    const content = textOf(m.content, `messages.${i}.content`);
    switch (m.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content };
      case 'user':
        return m.name ? { role: 'user', content, name: m.name } : { role: 'user', content };
      case 'assistant': {
        const out: ChatMessage = { role: 'assistant', content };
        if (m.name) out.name = m.name;
        if (m.tool_calls && m.tool_calls.length > 0) {
          out.toolCalls = m.tool_calls.map((c) => ({
            id: c.id,
            name: c.function.name,
            arguments: c.function.arguments,
          }));
        }
        return out;
      }
      default:
        return { role: 'tool', content, toolCallId: m.tool_call_id };
    }
  });
}

function toolChoiceOf(v: ChatCompletionBody['tool_choice']): ToolChoice | undefined {
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : { name: v.function.name };
}

export function toChatInput(
  body: ChatCompletionBody,
  target: { personaId: string; version?: number | undefined },
  byo: BringYourOwn | undefined,
  signal: ClientSignal,
): ChatInput {
  if (body.n !== undefined && body.n !== null && body.n !== 1) {
    throw invalid('n', 'only 1 is supported: a persona gives one answer per request');
  }
  if (body.stream_options && body.stream !== true) {
    throw invalid('stream_options', 'is only allowed when stream is true');
  }
  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
  const stop =
    body.stop === null || body.stop === undefined
      ? undefined
      : typeof body.stop === 'string'
        ? [body.stop]
        : body.stop;
  return {
    personaId: target.personaId,
    version: target.version,
    messages: toMessages(body.messages),
    tools: body.tools?.map((t) => ({
      name: t.function.name,
      ...(t.function.description !== undefined ? { description: t.function.description } : {}),
      ...(t.function.parameters !== undefined ? { parameters: t.function.parameters as JsonObject } : {}),
      ...(typeof t.function.strict === 'boolean' ? { strict: t.function.strict } : {}),
    })),
    toolChoice: toolChoiceOf(body.tool_choice),
    temperature: body.temperature ?? undefined,
    topP: body.top_p ?? undefined,
    maxTokens,
    stop,
    responseFormat: body.response_format as JsonObject | undefined,
    user: body.user,
    documentIds: body.document_ids,
    documentTags: body.document_tags,
    enforce: body.enforce,
    byo,
    signal,
  };
}

/** The error for an unknown model, in OpenAI's words. */
export function modelNotFound(model: string): AppError {
  return new AppError(
    'not_found',
    `The model \`${model.slice(0, 200)}\` does not exist or you do not have access to it.`,
    {
      field: 'model',
    },
  );
}

// From the process's pooled random bytes (core/ids.ts): randomBytes() per answer was ~9 µs of a chat turn.
export const completionId = () => newId('chatcmpl-');

export function usageOf(u: Usage) {
  const prompt = u.inputTokens ?? 0;
  const completion = u.outputTokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

const toolCallsOf = (r: ChatResult) =>
  r.toolCalls.map((c) => ({
    id: c.id,
    type: 'function' as const,
    function: { name: c.name, arguments: c.arguments },
  }));

export function toCompletion(r: ChatResult, model: string, id: string, created: number) {
  const toolCalls = toolCallsOf(r);
  return {
    id,
    object: 'chat.completion' as const,
    created,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant' as const,
          content: r.text === '' && toolCalls.length > 0 ? null : r.text,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: r.finishReason,
      },
    ],
    usage: usageOf(r.usage),
    system_fingerprint: null,
    citations: r.citations,
    checks: r.checks,
  };
}

/**
 * The chunk frames of one stream. Every frame of a stream shares its id, created and model, so their
 * JSON is put together once and each delta only adds its own part.
 */
export class ChunkFrames {
  private readonly head: string;

  constructor(id: string, created: number, model: string) {
    this.head = `data: {"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"system_fingerprint":null,"choices":[`;
  }

  private choice(delta: string, finish: string | null, extra = ''): string {
    return `${this.head}{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish === null ? 'null' : JSON.stringify(finish)}}]${extra}}\n\n`;
  }

  /** OpenAI's first chunk: the role, no content yet. */
  first(): string {
    return this.choice('{"role":"assistant","content":""}', null);
  }

  delta(d: ConverseDelta): string {
    if (d.type === 'text') return this.choice(`{"content":${JSON.stringify(d.text)}}`, null);
    const call: Record<string, unknown> = { index: d.index };
    if (d.id !== undefined) {
      call.id = d.id;
      call.type = 'function';
    }
    const fn: Record<string, string> = {};
    if (d.name !== undefined) fn.name = d.name;
    if (d.arguments !== undefined) fn.arguments = d.arguments;
    call.function = fn;
    return this.choice(`{"tool_calls":[${JSON.stringify(call)}]}`, null);
  }

  /** The closing chunk: finish_reason, and personakit's citations and checks beside `choices`. */
  finish(reason: string, citations: Citation[], checks: StyleCheck[]): string {
    return this.choice(
      '{}',
      reason,
      `,"citations":${JSON.stringify(citations)},"checks":${JSON.stringify(checks)}`,
    );
  }

  usage(u: Usage): string {
    return `${this.head}],"usage":${JSON.stringify(usageOf(u))}}\n\n`;
  }
}

export const DONE = 'data: [DONE]\n\n';

export const errorFrame = (body: unknown) => `data: ${JSON.stringify(body)}\n\n`;
