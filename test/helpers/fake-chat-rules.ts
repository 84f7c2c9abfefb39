import type { IncomingHttpHeaders } from 'node:http';
import type { ChatProtocol } from './fake-chat-upstream.ts';

/**
 * What each vendor's chat endpoint refuses, from its API reference, so the fakes refuse it too: auth
 * is checked by the fake itself, these are the path and body rules. A rule broken here is a request
 * the real API would answer with a 400.
 */
export interface Problem {
  status?: number;
  message: string;
}

// biome-ignore lint/suspicious/noExplicitAny: request bodies are whatever the client sent
type Body = any;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';

export function validateChatRequest(
  protocol: ChatProtocol,
  path: string,
  headers: IncomingHttpHeaders,
  body: Body,
): Problem | undefined {
  if (!String(headers['content-type'] ?? '').startsWith('application/json')) {
    return { status: 415, message: 'content-type must be application/json' };
  }
  if (!isObject(body)) return { message: 'body is not a JSON object' };
  switch (protocol) {
    case 'openai':
      return openai(path, body);
    case 'anthropic':
      return anthropic(path, headers, body);
    case 'cohere':
      return cohere(path, body);
    case 'google':
      return google(path, body);
  }
}

function openai(path: string, b: Body): Problem | undefined {
  if (!path.split('?')[0]?.endsWith('/chat/completions')) return { status: 404, message: `no route ${path}` };
  if (!isString(b.model) || b.model === '') return { message: 'model is required' };
  if (!Array.isArray(b.messages) || b.messages.length === 0) return { message: 'messages must be non-empty' };
  if (b.stream_options !== undefined && b.stream !== true) {
    return { message: 'stream_options is only allowed when stream is true' };
  }
  if (b.max_tokens !== undefined && b.max_completion_tokens !== undefined) {
    return { message: 'max_tokens and max_completion_tokens cannot both be set' };
  }
  if (b.tool_choice !== undefined && !Array.isArray(b.tools))
    return { message: 'tool_choice requires tools' };
  for (const t of b.tools ?? []) {
    if (t.type !== 'function' || !isString(t.function?.name))
      return { message: 'tools[].function.name required' };
  }
  let open: Set<string> = new Set();
  for (const [i, m] of b.messages.entries()) {
    if (!['system', 'developer', 'user', 'assistant', 'tool'].includes(m.role)) {
      return { message: `messages[${i}].role is invalid` };
    }
    if (m.role !== 'tool' && open.size > 0) {
      return {
        message:
          "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'",
      };
    }
    if (m.role === 'tool') {
      if (!isString(m.tool_call_id) || !open.has(m.tool_call_id)) {
        return {
          message: "Messages with role 'tool' must be a response to a preceeding message with 'tool_calls'",
        };
      }
      open.delete(m.tool_call_id);
    } else if (m.role === 'assistant') {
      if (m.content === null && !Array.isArray(m.tool_calls))
        return { message: `messages[${i}].content is null` };
      open = new Set();
      for (const c of m.tool_calls ?? []) {
        if (
          !isString(c.id) ||
          c.type !== 'function' ||
          !isString(c.function?.name) ||
          !isString(c.function?.arguments)
        ) {
          return { message: `messages[${i}].tool_calls is malformed` };
        }
        open.add(c.id);
      }
    } else if (!isString(m.content) && !Array.isArray(m.content)) {
      return { message: `messages[${i}].content must be a string or an array` };
    }
  }
  return undefined;
}

function anthropic(path: string, headers: IncomingHttpHeaders, b: Body): Problem | undefined {
  if (path !== '/v1/messages') return { status: 404, message: `no route ${path}` };
  if (!headers['anthropic-version']) return { message: 'anthropic-version: header is required' };
  if (!isString(b.model)) return { message: 'model: Field required' };
  if (!Number.isInteger(b.max_tokens) || b.max_tokens < 1) return { message: 'max_tokens: Field required' };
  if (b.system !== undefined && !isString(b.system) && !Array.isArray(b.system))
    return { message: 'system: invalid' };
  if (!Array.isArray(b.messages) || b.messages.length === 0)
    return { message: 'messages: at least one message is required' };
  if (b.tool_choice !== undefined) {
    if (!['auto', 'any', 'tool', 'none'].includes(b.tool_choice.type))
      return { message: 'tool_choice.type: invalid' };
    if (b.tool_choice.type === 'tool' && !isString(b.tool_choice.name))
      return { message: 'tool_choice.name: Field required' };
  }
  for (const t of b.tools ?? []) {
    if (!isString(t.name) || !isObject(t.input_schema))
      return { message: 'tools: name and input_schema are required' };
  }
  let pending: Set<string> = new Set();
  for (const [i, m] of b.messages.entries()) {
    if (m.role !== 'user' && m.role !== 'assistant')
      return { message: `messages.${i}.role: Input should be 'user' or 'assistant'` };
    // The first-party API takes an assistant turn first (Bedrock does not); consecutive turns of one
    // role were refused by older versions and are still merged by the adapter, which this checks.
    if (i > 0 && b.messages[i - 1].role === m.role)
      return { message: 'messages: roles must alternate between "user" and "assistant"' };
    const blocks = isString(m.content) ? [{ type: 'text', text: m.content }] : m.content;
    if (!Array.isArray(blocks) || blocks.length === 0)
      return { message: `messages.${i}.content: must be non-empty` };
    const answered = new Set<string>();
    let sawOther = false;
    const uses = new Set<string>();
    for (const block of blocks) {
      if (block.type === 'text') {
        if (!isString(block.text) || block.text === '')
          return { message: `messages.${i}: text content blocks must be non-empty` };
        sawOther = true;
      } else if (block.type === 'tool_use') {
        if (
          m.role !== 'assistant' ||
          !isString(block.id) ||
          !isString(block.name) ||
          !isObject(block.input)
        ) {
          return { message: `messages.${i}: tool_use block is invalid` };
        }
        uses.add(block.id);
      } else if (block.type === 'tool_result') {
        if (m.role !== 'user' || !pending.has(block.tool_use_id)) {
          return {
            message: `messages.${i}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${block.tool_use_id}`,
          };
        }
        if (sawOther) return { message: `messages.${i}: tool_result blocks must come first in the content` };
        answered.add(block.tool_use_id);
      } else return { message: `messages.${i}: unknown block type ${block.type}` };
    }
    if (m.role === 'user') {
      if (pending.size > 0 && answered.size !== pending.size) {
        return {
          message: `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after`,
        };
      }
      pending = new Set();
    } else pending = uses;
  }
  return undefined;
}

function cohere(path: string, b: Body): Problem | undefined {
  if (path !== '/v2/chat') return { status: 404, message: `no route ${path}` };
  if (!isString(b.model)) return { message: 'model is required' };
  if (!Array.isArray(b.messages) || b.messages.length === 0) return { message: 'messages must be non-empty' };
  if (b.tool_choice !== undefined && !['REQUIRED', 'NONE'].includes(b.tool_choice)) {
    return { message: 'tool_choice must be REQUIRED or NONE' };
  }
  if (b.tool_choice !== undefined && !Array.isArray(b.tools))
    return { message: 'tool_choice requires tools' };
  for (const t of b.tools ?? []) {
    if (t.type !== 'function' || !isString(t.function?.name)) return { message: 'invalid tool' };
  }
  const ids = new Set<string>();
  for (const [i, m] of b.messages.entries()) {
    if (!['system', 'user', 'assistant', 'tool'].includes(m.role))
      return { message: `invalid role at messages[${i}]` };
    if (m.role === 'assistant') {
      for (const c of m.tool_calls ?? []) {
        if (
          !isString(c.id) ||
          c.type !== 'function' ||
          !isString(c.function?.name) ||
          !isString(c.function?.arguments)
        ) {
          return { message: `invalid tool call at messages[${i}]` };
        }
        ids.add(c.id);
      }
      if ((m.content === undefined || m.content === '') && !Array.isArray(m.tool_calls)) {
        return { message: `messages[${i}] has no content` };
      }
    } else if (m.role === 'tool') {
      if (!isString(m.tool_call_id) || !ids.has(m.tool_call_id))
        return { message: `tool message at messages[${i}] answers no tool call` };
      if (!isString(m.content) && !Array.isArray(m.content))
        return { message: `messages[${i}].content is invalid` };
    } else if (!isString(m.content) && !Array.isArray(m.content)) {
      return { message: `messages[${i}].content is invalid` };
    }
  }
  return undefined;
}

const googleTop = new Set([
  'contents',
  'systemInstruction',
  'tools',
  'toolConfig',
  'generationConfig',
  'safetySettings',
]);
const googleGen = new Set([
  'temperature',
  'topP',
  'topK',
  'maxOutputTokens',
  'stopSequences',
  'responseMimeType',
  'responseSchema',
  'responseJsonSchema',
  'candidateCount',
]);

function google(path: string, b: Body): Problem | undefined {
  if (!/^\/v1beta\/models\/[^/:]+:(generateContent|streamGenerateContent\?alt=sse)$/.test(path)) {
    return { status: 404, message: `no route ${path}` };
  }
  // Protobuf JSON: an unknown field is an error, not ignored.
  for (const k of Object.keys(b))
    if (!googleTop.has(k)) return { message: `Invalid JSON payload received. Unknown name "${k}"` };
  for (const k of Object.keys(b.generationConfig ?? {})) {
    if (!googleGen.has(k))
      return { message: `Invalid JSON payload received. Unknown name "${k}" at 'generation_config'` };
  }
  if (b.systemInstruction !== undefined && !Array.isArray(b.systemInstruction.parts))
    return { message: 'systemInstruction.parts required' };
  const mode = b.toolConfig?.functionCallingConfig?.mode;
  if (mode !== undefined && !['AUTO', 'ANY', 'NONE', 'VALIDATED'].includes(mode))
    return { message: 'invalid mode' };
  if (b.toolConfig?.functionCallingConfig?.allowedFunctionNames && mode !== 'ANY') {
    return { message: 'allowed_function_names is only allowed with mode ANY' };
  }
  for (const t of b.tools ?? []) {
    for (const f of t.functionDeclarations ?? []) {
      if (!isString(f.name)) return { message: 'function declaration name required' };
      if (f.parameters !== undefined && f.parametersJsonSchema !== undefined)
        return { message: 'parameters and parametersJsonSchema are exclusive' };
    }
  }
  if (!Array.isArray(b.contents) || b.contents.length === 0) return { message: 'contents is not specified' };
  let calls: string[] = [];
  for (const [i, c] of b.contents.entries()) {
    if (c.role !== 'user' && c.role !== 'model')
      return { message: `contents[${i}].role must be user or model` };
    if (!Array.isArray(c.parts) || c.parts.length === 0)
      return { message: `contents[${i}].parts must not be empty` };
    const responses: string[] = [];
    const made: string[] = [];
    let firstCall = true;
    for (const p of c.parts) {
      const kinds = ['text', 'functionCall', 'functionResponse'].filter((k) => p[k] !== undefined);
      if (kinds.length !== 1)
        return {
          message: `contents[${i}]: a part holds exactly one of text, functionCall, functionResponse`,
        };
      if (p.functionCall) {
        if (c.role !== 'model' || !isString(p.functionCall.name) || !isObject(p.functionCall.args ?? {})) {
          return { message: `contents[${i}]: invalid functionCall` };
        }
        // Gemini 3: the first function call of each model step carries its thought signature back.
        if (firstCall && !isString(p.thoughtSignature)) {
          return {
            message: `Function call is missing a thought_signature in functionCall parts, position ${i}`,
          };
        }
        firstCall = false;
        made.push(p.functionCall.name);
      }
      if (p.functionResponse) {
        if (
          c.role !== 'user' ||
          !isString(p.functionResponse.name) ||
          !isObject(p.functionResponse.response)
        ) {
          return { message: `contents[${i}]: invalid functionResponse` };
        }
        responses.push(p.functionResponse.name);
      }
    }
    if (responses.length > 0) {
      if (responses.length !== calls.length || responses.some((n, k) => n !== calls[k])) {
        return {
          message:
            'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.',
        };
      }
    }
    calls = c.role === 'model' ? made : [];
  }
  return undefined;
}
