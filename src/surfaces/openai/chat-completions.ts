import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { chat, openChat } from '../../chat/engine.ts';
import { parseModelId } from '../../chat/persona-version.ts';
import type { ChatStream } from '../../chat/types.ts';
import type { Ctx } from '../../core/context.ts';
import { AppError, toAppError } from '../../core/errors.ts';
import type { AppEnv } from '../../http/env.ts';
import { nativeRoute, SENT } from '../../http/native.ts';
import { header, nodeHeader } from '../../http/request-context.ts';
import { type FrameWriter, sendSse, writeSse } from '../../http/sse-response.ts';
import type { ClientSignal } from '../../providers/types.ts';
import { ClientGone } from '../../providers/upstream-errors.ts';
import { openAiError, openAiErrorBody } from './errors.ts';
import { isPlainChatBody } from './plain-body.ts';
import { ChatCompletion, ChatCompletionBody, ChatCompletionEvents, errorResponses } from './schemas.ts';
import {
  byoFromHeaders,
  ChunkFrames,
  completionId,
  DONE,
  errorFrame,
  modelNotFound,
  toChatInput,
  toCompletion,
} from './wire.ts';

export const route = createRoute({
  method: 'post',
  path: '/chat/completions',
  tags: ['OpenAI-compatible chat'],
  summary: 'Create a chat completion',
  description:
    "Chat with a persona through OpenAI's Chat Completions API: `model` is the persona id. The answer comes from " +
    "the caller's provider (`X-Personakit-Provider`, `X-Personakit-Provider-Key`, `X-Personakit-Provider-Base-Url`, " +
    "`X-Personakit-Provider-Model`: used for this request only, never stored or logged), else the persona's " +
    '`layers.llm`, else the operator default, else the local engine (no key, no network). personakit adds ' +
    '`citations` and `checks` to the completion (and to the streamed chunk with `finish_reason`).',
  operationId: 'createChatCompletion',
  security: [{ bearerAuth: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: ChatCompletionBody } } } },
  responses: {
    200: {
      description: 'The completion: JSON, or server-sent events with `stream: true`.',
      content: {
        'application/json': { schema: ChatCompletion },
        'text/event-stream': { schema: ChatCompletionEvents },
      },
    },
    ...errorResponses,
  },
});

type Out = { json: unknown } | { stream: ChatStream; frames: ChunkFrames; includeUsage: boolean };

/** Both transports: a JSON completion, or a stream opened once the provider accepted the request. */
async function handle(
  ctx: Ctx,
  body: ChatCompletionBody,
  headerOf: (name: string) => string | undefined,
  signal: ClientSignal,
): Promise<Out> {
  const target = parseModelId(body.model);
  if (!target) throw modelNotFound(body.model);
  const input = toChatInput(body, target, byoFromHeaders(headerOf), signal);
  const id = completionId();
  const created = Math.floor(ctx.now().getTime() / 1000);
  try {
    if (body.stream !== true) return { json: toCompletion(await chat(ctx, input), body.model, id, created) };
    // Failures up to the provider's acceptance are thrown here and keep their HTTP status (401, 429…).
    const opened = await openChat(ctx, input);
    return {
      stream: opened,
      frames: new ChunkFrames(id, created, body.model),
      includeUsage: body.stream_options?.include_usage === true,
    };
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found' && err.field === 'personaId') {
      throw modelNotFound(body.model);
    }
    throw err;
  }
}

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const out = await handle(c.get('ctx'), c.req.valid('json'), (n) => header(c, n), c.req.raw.signal);
    if ('json' in out) return c.json(out.json as never, 200);
    return sendSse(c, 'chat', (write) => runEvents(c.get('ctx'), c.req.raw.signal, out, write));
  });
}

export const native = nativeRoute<undefined, ChatCompletionBody>(
  '/v1',
  route,
  openAiError,
  async (ctx, i, ex) => {
    const req = ex.res.req;
    const out = await handle(ctx, i.body, (n) => nodeHeader(req, n), ex.signal);
    if ('json' in out) return { status: 200, json: out.json };
    await writeSse(ex.res, ex.reqId, ctx, 'chat', (write) => runEvents(ctx, ex.signal, out, write));
    return SENT;
  },
  isPlainChatBody,
);

type Streaming = Extract<Out, { stream: ChatStream }>;

/** Writes the chunks; resolves with the closing frames, or null if the client left. */
async function runEvents(
  ctx: Ctx,
  signal: ClientSignal,
  out: Streaming,
  write: FrameWriter,
): Promise<string | null> {
  const { frames } = out;
  try {
    // The role chunk goes with the first delta (one write, as OpenAI's first packet carries both).
    let pending: string | undefined = frames.first();
    const result = await out.stream.run((delta) => {
      const frame = frames.delta(delta);
      if (pending === undefined) return write(frame);
      const both = pending + frame;
      pending = undefined;
      return write(both);
    });
    let last = (pending ?? '') + frames.finish(result.finishReason, result.citations, result.checks);
    if (out.includeUsage) last += frames.usage(result.usage);
    return last + DONE;
  } catch (err) {
    if (err instanceof ClientGone || signal.aborted) {
      ctx.log.info('client disconnected during a chat stream; upstream aborted');
      return null;
    }
    const e = toAppError(err);
    if (e.status >= 500) ctx.log.error({ err: e.cause ?? e, code: e.code }, e.message);
    return errorFrame(openAiErrorBody(e));
  }
}
