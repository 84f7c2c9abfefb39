import type { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { stream } from 'hono/streaming';
import { toAppError } from '../../core/errors.ts';
import { openRefineStream, type RefineInput, type RefineStream, refine } from '../../core/refine.ts';
import type { AppEnv } from '../../http/env.ts';
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

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { stream: streaming, ...body } = c.req.valid('json');
    const input: RefineInput = { ...body, signal: c.req.raw.signal };
    if (!streaming) return c.json(await refine(c.get('ctx'), input), 200);
    // Failures up to the upstream's acceptance are thrown here and keep their HTTP status (401, 429…).
    return sendEvents(c, await openRefineStream(c.get('ctx'), input));
  });
}

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
function sendEvents(c: Context<AppEnv>, refineStream: RefineStream): Response | Promise<Response> {
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (outgoing) return writeEvents(c, outgoing, refineStream);
  // In-process requests (tests, app.request) have no socket: the same frames through Hono's helper.
  for (const [k, v] of Object.entries(sseHeaders)) c.header(k, v);
  return stream(c, async (out) => {
    const frames = await runEvents(c, refineStream, (frame) => void out.write(frame));
    if (frames !== null && !out.aborted) await out.write(frames);
  });
}

async function writeEvents(c: Context<AppEnv>, outgoing: ServerResponse, refineStream: RefineStream) {
  outgoing.writeHead(200, { ...sseHeaders, 'x-request-id': c.get('requestId') });
  outgoing.flushHeaders();
  const last = await runEvents(c, refineStream, (frame) => {
    if (!outgoing.destroyed) outgoing.write(frame);
  });
  if (!outgoing.destroyed) outgoing.end(last ?? undefined);
  return RESPONSE_ALREADY_SENT;
}

/** Runs the stream, writing delta frames; resolves with the closing frame, or null if the client left. */
async function runEvents(
  c: Context<AppEnv>,
  refineStream: RefineStream,
  write: (frame: string) => void,
): Promise<string | null> {
  try {
    const result = await refineStream.run((text) => write(deltaFrame(text)));
    return `event: done\ndata: ${JSON.stringify(result)}\n\n`;
  } catch (err) {
    if (err instanceof ClientGone || c.req.raw.signal.aborted) {
      c.get('ctx').log.info('client disconnected during a refine stream; upstream aborted');
      return null;
    }
    const e = toAppError(err);
    if (e.status >= 500) c.get('ctx').log.error({ err: e.cause ?? e, code: e.code }, e.message);
    return `event: error\ndata: ${JSON.stringify(openGiantError(e).body)}\n\n`;
  }
}
