import type { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { stream } from 'hono/streaming';
import type { Ctx } from '../../core/context.ts';
import { toAppError } from '../../core/errors.ts';
import { openRefineStream, type RefineInput, type RefineStream, refine } from '../../core/refine.ts';
import type { AppEnv } from '../../http/env.ts';
import { encodeReply } from '../../http/large-json.ts';
import { nativeRoute, SENT } from '../../http/native.ts';
import { endWithin, responseSink } from '../../http/response-sink.ts';
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
    return 'json' in out ? c.json(out.json, 200) : sendEvents(c, out.stream);
  });
}

export const native = nativeRoute<undefined, Body>('/v1', route, openGiantError, async (ctx, i, ex) => {
  const out = await handle(ctx, i.body, ex.signal);
  // A long response (up to a 16 MiB answer) is serialized off the event loop.
  if (out.json) return { status: 200, encoded: await encodeReply(out.json, out.json.response.length) };
  await writeEvents(ex.res, ex.reqId, ctx, ex.signal, out.stream);
  return SENT;
});

const sseHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
} as const;

const deltaFrame = (text: string) => `event: delta\ndata: ${JSON.stringify({ text })}\n\n`;

/**
 * SSE frames: every data payload is one JSON.stringify line (JSON never contains a raw newline), so no
 * per-event splitting or escaping is needed on the hot path. Served by Node, the frames go straight to
 * the socket: Hono's stream() helper passes each chunk through a web ReadableStream, and the adapter waits
 * a timer tick before the first bytes of a streamed body, both measurable with 1,000 open streams.
 */
async function sendEvents(c: Context<AppEnv>, refineStream: RefineStream): Promise<Response> {
  const ctx = c.get('ctx');
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (outgoing) {
    await writeEvents(outgoing, c.get('requestId'), ctx, c.req.raw.signal, refineStream);
    return RESPONSE_ALREADY_SENT;
  }
  // In-process requests (tests, app.request) have no socket: the same frames through Hono's helper.
  for (const [k, v] of Object.entries(sseHeaders)) c.header(k, v);
  return stream(c, async (out) => {
    // A web stream's write settles once the reader took the chunk: the upstream waits for it (backpressure).
    const frames = await runEvents(ctx, c.req.raw.signal, refineStream, (frame) =>
      out.write(frame).then(noop),
    );
    if (frames !== null && !out.aborted) await out.write(frames);
  });
}

async function writeEvents(
  outgoing: ServerResponse,
  reqId: string,
  ctx: Ctx,
  signal: ClientSignal,
  refineStream: RefineStream,
): Promise<void> {
  outgoing.writeHead(200, { ...sseHeaders, 'x-request-id': reqId });
  // The upstream's first event usually came in the same read as its headers: the first delta, written
  // on the next tick, then carries our headers in the same packet (one write, one wake-up of the client
  // fewer). If it has not come by the end of this loop turn, the headers go alone.
  setImmediate(() => {
    if (!outgoing.headersSent && !outgoing.destroyed) outgoing.flushHeaders();
  });
  const stallMs = ctx.config.PERSONAKIT_STREAM_STALL_TIMEOUT_MS;
  const write = responseSink(outgoing, stallMs, () =>
    ctx.log.warn({ stallMs }, 'refine stream client stopped reading; connection closed, upstream aborted'),
  );
  const last = await runEvents(ctx, signal, refineStream, write);
  endWithin(outgoing, last ?? undefined, stallMs);
}

const noop = () => {};

const DONE_HEAD = Buffer.from('event: done\ndata: ');
const FRAME_END = Buffer.from('\n\n');

/** Runs the stream, writing delta frames; resolves with the closing frame, or null if the client left. */
async function runEvents(
  ctx: Ctx,
  signal: ClientSignal,
  refineStream: RefineStream,
  write: (frame: string) => Promise<void> | undefined,
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
