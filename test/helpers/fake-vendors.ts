import type { IncomingHttpHeaders } from 'node:http';

/**
 * The four vendor wire formats as the fakes speak them, from each vendor's API reference: request
 * shape, JSON answer, SSE stream events and error bodies.
 */
export type Protocol = 'openai' | 'anthropic' | 'cohere' | 'google';

export const answerFor = (content: string) => `Refined: ${content}`;

export interface Parsed {
  model: string;
  stream: boolean;
  content: string;
  auth: string;
}

export interface ProtocolWire {
  parse(path: string, headers: IncomingHttpHeaders, body: Body): Parsed;
  json(p: Parsed): unknown;
  head(p: Parsed): string[];
  delta(p: Parsed, text: string): string;
  tail(p: Parsed): string[];
  errorEvent(p: Parsed): string;
  errors: Record<'400' | '401' | '429' | '500', (p: Parsed) => { status: number; body: unknown }>;
}

// biome-ignore lint/suspicious/noExplicitAny: request bodies are whatever the client sent
type Body = any;

const ev = (name: string, obj: unknown) => `event: ${name}\ndata: ${JSON.stringify(obj)}\n\n`;
const data = (obj: unknown, eol = '\n') => `data: ${JSON.stringify(obj)}${eol}${eol}`;
const header = (h: IncomingHttpHeaders, name: string) => String(h[name] ?? '');
const USAGE = { input: 11, output: 7 };

const openai: ProtocolWire = {
  parse: (_path, h, b) => ({
    model: b.model,
    stream: b.stream === true,
    content: b.messages?.find((m: Body) => m.role === 'user')?.content ?? '',
    auth: header(h, 'authorization').replace(/^Bearer /, ''),
  }),
  json: (p) => ({
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1_790_000_000,
    model: `${p.model}-0001`,
    choices: [
      { index: 0, message: { role: 'assistant', content: answerFor(p.content) }, finish_reason: 'stop' },
    ],
    usage: { prompt_tokens: USAGE.input, completion_tokens: USAGE.output, total_tokens: 18 },
  }),
  head: (p) => [data(chunk(p, { role: 'assistant', content: '' }, null))],
  delta: (p, text) => data(chunk(p, { content: text }, null)),
  tail: (p) => [
    data(chunk(p, {}, 'stop')),
    data({
      ...chunk(p, {}, null),
      choices: [],
      usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
    }),
    'data: [DONE]\n\n',
  ],
  errorEvent: () =>
    data({
      error: { message: 'The server had an error while processing your request.', type: 'server_error' },
    }),
  errors: {
    400: () => ({
      status: 400,
      body: {
        error: { message: 'Invalid model', type: 'invalid_request_error', param: 'model', code: null },
      },
    }),
    401: (p) => ({
      status: 401,
      body: {
        error: {
          message: `Incorrect API key provided: ${p.auth}.`,
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      },
    }),
    429: () => ({
      status: 429,
      body: {
        error: {
          message: 'Rate limit reached for requests',
          type: 'requests',
          param: null,
          code: 'rate_limit_exceeded',
        },
      },
    }),
    500: (p) => ({
      status: 500,
      body: {
        error: {
          message: `The server had an error processing key ${p.auth}`,
          type: 'server_error',
          param: null,
          code: null,
        },
      },
    }),
  },
};

function chunk(p: Parsed, delta: object, finish: string | null) {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1_790_000_000,
    model: `${p.model}-0001`,
    choices: [{ index: 0, delta, finish_reason: finish }],
  };
}

const anthropicError = (type: string, message: string) => ({
  type: 'error',
  error: { type, message },
  request_id: 'req_1',
});

const anthropic: ProtocolWire = {
  parse: (_path, h, b) => ({
    model: b.model,
    stream: b.stream === true,
    content: typeof b.messages?.[0]?.content === 'string' ? b.messages[0].content : '',
    auth: header(h, 'x-api-key'),
  }),
  json: (p) => ({
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: `${p.model}-0001`,
    content: [{ type: 'text', text: answerFor(p.content) }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: USAGE.input, output_tokens: USAGE.output },
  }),
  head: (p) => [
    ev('message_start', {
      type: 'message_start',
      message: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        content: [],
        model: `${p.model}-0001`,
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: USAGE.input, output_tokens: 1 },
      },
    }),
    ev('content_block_start', {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'text', text: '' },
    }),
    ev('ping', { type: 'ping' }),
  ],
  delta: (_p, text) =>
    ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }),
  tail: () => [
    ev('content_block_stop', { type: 'content_block_stop', index: 0 }),
    ev('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: USAGE.output },
    }),
    ev('message_stop', { type: 'message_stop' }),
  ],
  errorEvent: () => ev('error', anthropicError('overloaded_error', 'Overloaded')),
  errors: {
    400: () => ({ status: 400, body: anthropicError('invalid_request_error', 'model: unknown model') }),
    401: () => ({ status: 401, body: anthropicError('authentication_error', 'invalid x-api-key') }),
    429: () => ({
      status: 429,
      body: anthropicError('rate_limit_error', 'Number of requests has exceeded your rate limit'),
    }),
    500: (p) => ({
      status: 500,
      body: anthropicError('api_error', `Internal server error for key ${p.auth}`),
    }),
  },
};

const cohereUsage = {
  billed_units: { input_tokens: USAGE.input, output_tokens: USAGE.output },
  tokens: { input_tokens: USAGE.input, output_tokens: USAGE.output },
};

const cohere: ProtocolWire = {
  parse: (_path, h, b) => ({
    model: b.model,
    stream: b.stream === true,
    content: b.messages?.find((m: Body) => m.role === 'user')?.content ?? '',
    auth: header(h, 'authorization').replace(/^Bearer /, ''),
  }),
  json: (p) => ({
    id: 'c-1',
    finish_reason: 'COMPLETE',
    message: { role: 'assistant', content: [{ type: 'text', text: answerFor(p.content) }] },
    usage: cohereUsage,
  }),
  head: () => [
    ev('message-start', {
      id: 'c-1',
      type: 'message-start',
      delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } },
    }),
    ev('content-start', {
      type: 'content-start',
      index: 0,
      delta: { message: { content: { type: 'text', text: '' } } },
    }),
  ],
  delta: (_p, text) =>
    ev('content-delta', { type: 'content-delta', index: 0, delta: { message: { content: { text } } } }),
  tail: () => [
    ev('content-end', { type: 'content-end', index: 0 }),
    ev('message-end', { type: 'message-end', delta: { finish_reason: 'COMPLETE', usage: cohereUsage } }),
  ],
  errorEvent: () =>
    ev('message-end', {
      type: 'message-end',
      delta: { finish_reason: 'ERROR', error: 'internal error during generation' },
    }),
  errors: {
    400: () => ({ status: 400, body: { id: 'c-1', message: "invalid request: model 'x' not found" } }),
    401: () => ({ status: 401, body: { id: 'c-1', message: 'invalid api token' } }),
    429: () => ({
      status: 429,
      body: { id: 'c-1', message: 'You are using a Trial key, which is limited to 20 API calls / minute.' },
    }),
    500: (p) => ({ status: 500, body: { id: 'c-1', message: `internal server error (token ${p.auth})` } }),
  },
};

const googleError = (code: number, status: string, message: string, reason?: string) => ({
  error: {
    code,
    message,
    status,
    ...(reason
      ? {
          details: [
            { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'googleapis.com' },
          ],
        }
      : {}),
  },
});

function geminiChunk(p: Parsed, text: string, last: boolean) {
  return {
    candidates: [
      { content: { parts: [{ text }], role: 'model' }, index: 0, ...(last ? { finishReason: 'STOP' } : {}) },
    ],
    usageMetadata: { promptTokenCount: USAGE.input, candidatesTokenCount: USAGE.output, totalTokenCount: 18 },
    modelVersion: `${p.model}-0001`,
    responseId: 'r-1',
  };
}

const google: ProtocolWire = {
  parse: (path, h, b) => {
    const m = /\/models\/([^:/]+):(generateContent|streamGenerateContent)/.exec(path);
    return {
      model: decodeURIComponent(m?.[1] ?? ''),
      stream: m?.[2] === 'streamGenerateContent',
      content: b.contents?.[0]?.parts?.[0]?.text ?? '',
      auth: header(h, 'x-goog-api-key'),
    };
  },
  json: (p) => ({ ...geminiChunk(p, answerFor(p.content), true) }),
  head: () => [],
  delta: (p, text) => data(geminiChunk(p, text, false), '\r\n'),
  tail: (p) => [data(geminiChunk(p, '', true), '\r\n')],
  errorEvent: () => data(googleError(500, 'INTERNAL', 'An internal error has occurred.'), '\r\n'),
  errors: {
    400: () => ({
      status: 400,
      body: googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.'),
    }),
    401: () => ({
      status: 400,
      body: googleError(
        400,
        'INVALID_ARGUMENT',
        'API key not valid. Please pass a valid API key.',
        'API_KEY_INVALID',
      ),
    }),
    429: () => ({
      status: 429,
      body: googleError(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).'),
    }),
    500: (p) => ({
      status: 500,
      body: googleError(500, 'INTERNAL', `An internal error has occurred (${p.auth}).`),
    }),
  },
};

export const wires: Record<Protocol, ProtocolWire> = { openai, anthropic, cohere, google };
