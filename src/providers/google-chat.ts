import { hash } from 'node:crypto';
import type {
  Content,
  FunctionCallingConfigMode,
  FunctionDeclaration,
  GenerateContentResponse,
  GenerationConfig,
  Tool as GoogleTool,
  Part,
  ToolConfig,
} from '@google/genai';
import { AppError } from '../core/errors.ts';
import { MAX_JSON_DEPTH, nestedTooDeep } from '../core/json-shape.ts';
import type {
  ChatMessage,
  ConverseDelta,
  ConverseRequest,
  FinishReason,
  ToolCall,
  ToolChoice,
  ToolDef,
} from './chat-types.ts';
import { argumentsObject, type ChatStreamDecoder, ChatStreamReport, type ChatWire } from './chat-wire.ts';
import { googleWire } from './google.ts';
import type { Usage } from './types.ts';
import {
  asObject,
  count,
  noUsage,
  optObject,
  optString,
  parseJson,
  StreamErrorEvent,
  WireError,
} from './wire.ts';

/**
 * Gemini generateContent / streamGenerateContent?alt=sse for chat: system messages become
 * `systemInstruction`, the history `contents` with roles user / model, tool calls `functionCall` parts
 * and tool turns `functionResponse` parts. Gemini's function responses name the function, not a call id,
 * so the name is looked up in the history by the call id the caller sends back. Gemini gives calls no
 * ids: stable ones are made from the answer (ADR 0033), and Gemini 3's thought signature, which must come
 * back with the call, travels inside the id. Shapes are checked against @google/genai's types.
 */

type Body = {
  contents: Content[];
  systemInstruction?: Content;
  tools?: GoogleTool[];
  toolConfig?: ToolConfig;
  generationConfig?: Pick<
    GenerationConfig,
    'temperature' | 'topP' | 'maxOutputTokens' | 'stopSequences' | 'responseMimeType' | 'responseJsonSchema'
  >;
};
type ResponseWire = Partial<
  Pick<
    GenerateContentResponse,
    'candidates' | 'usageMetadata' | 'modelVersion' | 'promptFeedback' | 'responseId'
  >
> & { error?: { message?: unknown; status?: unknown } };

/**
 * Google's documented stand-in for a function call's thought signature when the history did not come
 * from Gemini (another model, or a client that rebuilt it): Gemini 3 refuses a call without one.
 */
export const SKIP_SIGNATURE = 'skip_thought_signature_validator';
/** Between a synthesised call id and the thought signature it carries; base64 has no '.'. */
const SIGNATURE_MARK = '.';
const modelsPrefix = /^models\//;

export function geminiFinish(reason: unknown): FinishReason {
  switch (reason) {
    case 'MAX_TOKENS':
      return 'length';
    case 'SAFETY':
    case 'RECITATION':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'IMAGE_SAFETY':
    case 'IMAGE_PROHIBITED_CONTENT':
    case 'IMAGE_RECITATION':
      return 'content_filter';
    default:
      // STOP, and the function-call failures (MALFORMED_FUNCTION_CALL…): their text is the answer.
      return 'stop';
  }
}

/**
 * A call id for the `index`-th function call of one answer: the same answer always gives the same id,
 * and two answers (two responseIds) give different ones. The thought signature, when Gemini sent one,
 * is appended so it comes back with the call in the next request.
 */
export function geminiCallId(
  responseKey: string,
  index: number,
  name: string,
  signature: string | undefined,
): string {
  const digest = hash('sha256', `${responseKey}\u0000${index}\u0000${name}`).slice(0, 24);
  return signature ? `call_${digest}${SIGNATURE_MARK}${signature}` : `call_${digest}`;
}

function signatureOf(id: string): string | undefined {
  const at = id.indexOf(SIGNATURE_MARK);
  return at === -1 ? undefined : id.slice(at + 1) || undefined;
}

/** A tool's answer as Gemini's `response` object: a JSON object as sent, anything else as `output`. */
function responseOf(content: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(content);
    // Nested past what a request body may be, it goes as the text it is (written by JSON.stringify,
    // an object that deep would overflow the stack).
    if (nestedTooDeep(content, MAX_JSON_DEPTH)) return { output: content };
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // plain text
  }
  return { output: content };
}

/** The history as user/model contents, one per run of a role; system messages as systemInstruction. */
export function geminiContents(messages: ChatMessage[]): { system: Part[]; contents: Content[] } {
  const system: Part[] = [];
  const contents: { role: 'user' | 'model'; parts: Part[] }[] = [];
  const nameOfCall = new Map<string, string>();
  for (const m of messages) {
    if (m.role === 'system') {
      if (m.content !== '') system.push({ text: m.content });
      continue;
    }
    const parts: Part[] = [];
    if (m.role === 'tool') {
      const name = nameOfCall.get(m.toolCallId ?? '') ?? m.name;
      if (!name) {
        throw new AppError(
          'invalid',
          `tool message answers a tool call that is not in the history (${m.toolCallId ?? 'no id'})`,
        );
      }
      parts.push({ functionResponse: { name, response: responseOf(m.content) } });
    } else {
      if (m.content !== '') parts.push({ text: m.content });
      for (const [i, call] of (m.toolCalls ?? []).entries()) {
        if (m.role !== 'assistant') break;
        nameOfCall.set(call.id, call.name);
        const part: Part = { functionCall: { name: call.name, args: argumentsObject(call) } };
        // Gemini 3 wants the signature on the first call of a step (the others carry none).
        if (i === 0) part.thoughtSignature = signatureOf(call.id) ?? SKIP_SIGNATURE;
        parts.push(part);
      }
    }
    if (parts.length === 0) continue;
    const role = m.role === 'assistant' ? 'model' : 'user';
    const prev = contents.at(-1);
    if (prev && prev.role === role) prev.parts.push(...parts);
    else contents.push({ role, parts });
  }
  return { system, contents };
}

function declarationOf(t: ToolDef): FunctionDeclaration {
  const d: FunctionDeclaration = { name: t.name };
  if (t.description !== undefined) d.description = t.description;
  // Full JSON Schema as OpenAI callers write it (`parameters` takes only Gemini's OpenAPI subset).
  if (t.parameters !== undefined) d.parametersJsonSchema = t.parameters;
  return d;
}

function toolConfigOf(c: ToolChoice): ToolConfig {
  // The SDK's enum is a runtime value; its wire strings are written here (type-only import).
  const mode = (m: 'AUTO' | 'ANY' | 'NONE') => m as FunctionCallingConfigMode;
  if (typeof c === 'object')
    return { functionCallingConfig: { mode: mode('ANY'), allowedFunctionNames: [c.name] } };
  return { functionCallingConfig: { mode: mode(c === 'required' ? 'ANY' : c === 'none' ? 'NONE' : 'AUTO') } };
}

function usageOf(res: ResponseWire): Usage | undefined {
  const u = res.usageMetadata;
  if (!u) return undefined;
  return { inputTokens: count(u.promptTokenCount), outputTokens: count(u.candidatesTokenCount) };
}

/** The text and function calls of one answer (or one stream chunk); thought summaries are left out. */
function partsOf(res: ResponseWire): {
  text: string;
  calls: { name: string; args: unknown; id?: string; signature?: string }[];
} {
  let text = '';
  const calls: { name: string; args: unknown; id?: string; signature?: string }[] = [];
  const parts = res.candidates?.[0]?.content?.parts;
  if (!Array.isArray(parts)) return { text, calls };
  for (const p of parts) {
    const o = optObject(p);
    if (!o || o.thought === true) continue;
    if (typeof o.text === 'string') text += o.text;
    const fc = optObject(o.functionCall);
    const name = optString(fc?.name);
    if (fc && name)
      calls.push({
        name,
        args: fc.args ?? {},
        id: optString(fc.id),
        signature: optString(o.thoughtSignature),
      });
  }
  return { text, calls };
}

function request(req: ConverseRequest, stream: boolean, apiKey: string) {
  const { system, contents } = geminiContents(req.messages);
  const body: Body = { contents };
  if (system.length > 0) body.systemInstruction = { parts: system };
  if (req.tools && req.tools.length > 0) {
    body.tools = [{ functionDeclarations: req.tools.map(declarationOf) }];
    if (req.toolChoice !== undefined) body.toolConfig = toolConfigOf(req.toolChoice);
  }
  const gen: NonNullable<Body['generationConfig']> = {};
  if (req.temperature !== undefined) gen.temperature = req.temperature;
  if (req.topP !== undefined) gen.topP = req.topP;
  if (req.maxTokens !== undefined) gen.maxOutputTokens = req.maxTokens;
  if (req.stop && req.stop.length > 0) gen.stopSequences = req.stop;
  const format = req.responseFormat;
  if (format?.type === 'json_object' || format?.type === 'json_schema') {
    gen.responseMimeType = 'application/json';
    const schema = optObject(optObject(format.json_schema)?.schema);
    if (format.type === 'json_schema' && schema) gen.responseJsonSchema = schema;
  }
  if (Object.keys(gen).length > 0) body.generationConfig = gen;
  const model = encodeURIComponent(req.model.replace(modelsPrefix, ''));
  return {
    path: `/v1beta/models/${model}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
    headers: {
      'x-goog-api-key': apiKey,
      'content-type': 'application/json',
      accept: stream ? 'text/event-stream' : 'application/json',
    },
    body: JSON.stringify(body),
  };
}

export const googleChatWire: ChatWire = {
  request,

  parse(json, req) {
    const res = asObject(json, 'body') as ResponseWire;
    const model = optString(res.modelVersion) ?? req.model;
    const usage = usageOf(res) ?? noUsage();
    if (!Array.isArray(res.candidates) || res.candidates.length === 0) {
      // A blocked prompt is an answer, as OpenAI gives one: empty, finished by the content filter.
      if (res.promptFeedback?.blockReason)
        return { text: '', toolCalls: [], finishReason: 'content_filter', model, usage };
      throw new WireError('no candidates');
    }
    const { text, calls } = partsOf(res);
    const key = optString(res.responseId) ?? JSON.stringify(calls);
    const toolCalls: ToolCall[] = calls.map((c, i) => ({
      id: c.id ?? geminiCallId(key, i, c.name, c.signature),
      name: c.name,
      arguments: JSON.stringify(c.args),
    }));
    return { text, toolCalls, finishReason: geminiFinish(res.candidates[0]?.finishReason), model, usage };
  },

  decoder(req) {
    return new GeminiChatStream(req);
  },

  keyRejected: googleWire.keyRejected,
};

class GeminiChatStream extends ChatStreamReport implements ChatStreamDecoder {
  done = false;
  #calls = 0;

  event(_name: string, data: string, emit: (delta: ConverseDelta) => void): void {
    const res = asObject(parseJson(data, 'stream event'), 'stream event') as ResponseWire;
    if (res.error)
      throw new StreamErrorEvent(
        optString(res.error.message) ?? 'unknown error',
        res.error.status === 'RESOURCE_EXHAUSTED',
      );
    if (typeof res.modelVersion === 'string') this.reportedModel = res.modelVersion;
    this.reportedUsage = usageOf(res) ?? this.reportedUsage;
    const { text, calls } = partsOf(res);
    if (text !== '') emit({ type: 'text', text });
    // Gemini streams each function call whole, in one chunk.
    const key = optString(res.responseId) ?? '';
    for (const c of calls) {
      const index = this.#calls++;
      const args = JSON.stringify(c.args);
      const id = c.id ?? geminiCallId(key || args, index, c.name, c.signature);
      emit({ type: 'tool_call', index, id, name: c.name, arguments: args });
    }
    const finish = res.candidates?.[0]?.finishReason;
    if (finish) {
      this.reportedFinish = geminiFinish(finish);
      this.done = true;
    } else if (res.promptFeedback?.blockReason && !res.candidates?.length) {
      this.reportedFinish = 'content_filter';
      this.done = true;
    }
  }
}
