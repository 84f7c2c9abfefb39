import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Ctx } from '../../core/context.ts';
import { toAppError } from '../../core/errors.ts';
import { openRefineStream, type RefineInput, type RefineStream, refine } from '../../core/refine.ts';
import type { AppEnv } from '../../http/env.ts';
import { encodeReply } from '../../http/large-json.ts';
import { nativeRoute, SENT } from '../../http/native.ts';
import { type FrameWriter, sendSse, writeSse } from '../../http/sse-response.ts';
import type { ClientSignal, DeltaSink } from '../../providers/types.ts';
import { ClientGone } from '../../providers/upstream-errors.ts';
import { openGiantError } from './errors.ts';
import { RefineBody, RefineEvents, RefineResponse, refineErrorResponses } from './refine-schemas.ts';

export const route = createRoute({
  method: 'post',
  path: '/refine',
  tags: ['OpenGiant refine'],
  summary: 'Create a response',
  description:
    "Refine an AI response to align with the selected persona's tone and style, through an LLM provider " +
    "or the built-in `local` rule engine, then verify the persona's hard rules (`checks`).",
  operationId: 'refineContent',
  security: [{ bearerAuth: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: RefineBody } } } },
  responses: {
    200: {
      description: 'Refined response: JSON, or server-sent events with `stream: true`.',
      content: {
        'application/json': { schema: RefineResponse },
        'text/event-stream': { schema: RefineEvents },
      },
    },
    ...refineErrorResponses,
  },
});

type Body = z.infer<typeof RefineBody>;

/** Both transports: a JSON result, or a stream opened once the upstream accepted the request. */
async function handle(ctx: Ctx, body: Body, signal: ClientSignal) {
  const { stream: streaming, ...rest } = body;
  const input: RefineInput = { ...rest, signal };
  if (!streaming) return { json: await refine(ctx, input) };
  // Failures up to the upstream's acceptance are thrown here and keep their HTTP status (401, 429…).
  return { stream: await openRefineStream(ctx, input) };
}

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const out = await handle(c.get('ctx'), c.req.valid('json'), c.req.raw.signal);
    if ('json' in out) return c.json(out.json, 200);
    const { stream: refineStream } = out;
    return sendSse(c, 'refine', (write) => runEvents(c.get('ctx'), c.req.raw.signal, refineStream, write));
  });
}

export const native = nativeRoute<undefined, Body>('/v1', route, openGiantError, async (ctx, i, ex) => {
  const out = await handle(ctx, i.body, ex.signal);
  // A long response (up to a 16 MiB answer) is serialized off the event loop.
  if (out.json) return { status: 200, encoded: await encodeReply(out.json, out.json.response.length) };
  const { stream: refineStream } = out;
  await writeSse(ex.res, ex.reqId, ctx, 'refine', (write) => runEvents(ctx, ex.signal, refineStream, write));
  return SENT;
});

const deltaFrame = (text: string) => `event: delta\ndata: ${JSON.stringify({ text })}\n\n`;

const DONE_HEAD = Buffer.from('event: done\ndata: ');
const FRAME_END = Buffer.from('\n\n');

/** Runs the stream, writing delta frames; resolves with the closing frame, or null if the client left. */
async function runEvents(
  ctx: Ctx,
  signal: ClientSignal,
  refineStream: RefineStream,
  write: FrameWriter,
): Promise<string | Buffer | null> {
  try {
    const sink: DeltaSink = (text) => write(deltaFrame(text));
    const result = await refineStream.run(sink);
    // The done event repeats the whole response (up to a 16 MiB answer): a long one is encoded off the loop.
    const encoded = await encodeReply(result, result.response.length);
    return typeof encoded.text === 'string'
      ? `event: done\ndata: ${encoded.text}\n\n`
      : Buffer.concat([DONE_HEAD, encoded.text, FRAME_END]);
  } catch (err) {
    if (err instanceof ClientGone || signal.aborted) {
      ctx.log.info('client disconnected during a refine stream; upstream aborted');
      return null;
    }
    const e = toAppError(err);
    if (e.status >= 500) ctx.log.error({ err: e.cause ?? e, code: e.code }, e.message);
    return `event: error\ndata: ${JSON.stringify(openGiantError(e).body)}\n\n`;
  }
}
