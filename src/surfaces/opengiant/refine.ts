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

/**
 * SSE frames written directly: every data payload is one JSON.stringify line (JSON never contains a
 * raw newline), so no per-event splitting or escaping is needed on the hot path.
 */
function sendEvents(c: Context<AppEnv>, refineStream: RefineStream): Response {
  c.header('content-type', 'text/event-stream; charset=utf-8');
  c.header('cache-control', 'no-cache');
  c.header('x-accel-buffering', 'no');
  return stream(c, async (out) => {
    try {
      const result = await refineStream.run((text) => {
        // Not awaited: writes queue in order, and write() never rejects.
        void out.write(`event: delta\ndata: ${JSON.stringify({ text })}\n\n`);
      });
      await out.write(`event: done\ndata: ${JSON.stringify(result)}\n\n`);
    } catch (err) {
      if (err instanceof ClientGone || out.aborted) {
        c.get('ctx').log.info('client disconnected during a refine stream; upstream aborted');
        return;
      }
      const e = toAppError(err);
      if (e.status >= 500) c.get('ctx').log.error({ err: e.cause ?? e, code: e.code }, e.message);
      await out.write(`event: error\ndata: ${JSON.stringify(openGiantError(e).body)}\n\n`);
    }
  });
}
