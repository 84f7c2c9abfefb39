import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { busOf } from '../../conversations/bus.ts';
import { readEvents } from '../../conversations/events.ts';
import { interact } from '../../conversations/interactions.ts';
import { liveClientsOf, type Participation } from '../../conversations/live-clients.ts';
import { getConversation } from '../../conversations/store.ts';
import { ShuttingDown } from '../../conversations/turn-registry.ts';
import type { Ctx } from '../../core/context.ts';
import { AppError } from '../../core/errors.ts';
import { settlesWithin } from '../../core/settles-within.ts';
import type { AppEnv } from '../../http/env.ts';
import { incomingOf } from '../../http/request-context.ts';
import { ConversationIdParam, convErrors } from './conversations-schemas.ts';
import { security } from './schemas.ts';

/**
 * The HTTP form of the live protocol: POST one interaction (Tavus's app-message envelope), GET the
 * broadcast events as Server-Sent Events, each with `id: <seq>`, resumable with Last-Event-ID (or
 * ?seq=N: events after N). The stream closes after the conversation's system.shutdown event, and when the
 * server stops, once it has the events committed until then (conversations/live-clients.ts).
 */

/** A comment line this often keeps proxies from closing an idle stream. */
const KEEP_ALIVE_MS = 15_000;
/** At stop, how long a client has to take the rest of its stream before its connection is cut. */
const END_MS = 1000;

const tags = ['Tavus conversations'];

const Interaction = z
  .object({
    message_type: z.string().optional().openapi({ example: 'conversation' }),
    event_type: z.string().openapi({ example: 'conversation.respond' }),
    conversation_id: z.string().optional(),
    properties: z.record(z.string(), z.unknown()).optional(),
  })
  .passthrough()
  .openapi('TavusInteraction');

const postRoute = createRoute({
  method: 'post',
  path: '/conversations/{conversation_id}/events',
  tags,
  summary: 'Send an interaction',
  description:
    'One interaction: conversation.respond, echo, interrupt, overwrite_llm_context, append_llm_context ' +
    '(and the `…_context` spellings), sensitivity (accepted, no effect in text), tool_result.',
  security,
  request: {
    params: ConversationIdParam,
    body: { content: { 'application/json': { schema: Interaction } }, required: true },
  },
  responses: {
    200: { description: 'Accepted; its effects arrive as events.' },
    ...convErrors(400, 401, 404),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/conversations/{conversation_id}/events',
  tags,
  summary: 'Receive events (Server-Sent Events)',
  security,
  request: {
    params: ConversationIdParam,
    query: z.object({ seq: z.coerce.number().int().min(0).optional() }),
  },
  responses: {
    200: {
      description: 'An event stream of envelopes.',
      content: { 'text/event-stream': { schema: z.string() } },
    },
    ...convErrors(400, 401, 404),
  },
});

export const route = postRoute;

/** The seq to resume after: Last-Event-ID wins over ?seq. */
export function resumeSeq(header: string | undefined, query: number | undefined): number {
  if (header !== undefined && /^\d{1,15}$/.test(header.trim())) return Number(header.trim());
  return query ?? 0;
}

/** Streams a conversation's broadcast events as SSE for one client (a participant while connected). */
export function eventStream(
  c: Context<AppEnv>,
  ctx: Ctx,
  conversationId: string,
  afterSeq: number,
  endedAlready = false,
) {
  const live = liveClientsOf(ctx);
  // The server is stopping: its live clients are being closed, a new one would be at once (a 503 here,
  // before the response starts).
  if (!endedAlready && live.closing) throw new ShuttingDown();
  return streamSSE(c, async (stream) => {
    if (endedAlready) {
      // An ended conversation (test_mode ones have no shutdown event): its log as it is, then the end.
      for (let after = afterSeq; ; ) {
        const events = await readEvents(ctx.db, conversationId, after, 500);
        for (const e of events)
          await stream.writeSSE({ id: String(e.seq), data: JSON.stringify(e.envelope) });
        if (events.length < 500) return;
        after = events[events.length - 1]?.seq ?? after;
      }
    }
    const queue: string[] = [];
    let wake: (() => void) | undefined;
    let ended = false;
    /** The server stops: the queue is written out, then the stream ends. */
    let goingAway = false;
    const unsubscribe = busOf(ctx).subscribe(conversationId, afterSeq, (events) => {
      for (const e of events) {
        queue.push(JSON.stringify(e.envelope));
        if (e.envelope.event_type === 'system.shutdown') ended = true;
      }
      wake?.();
    });
    let finished: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      finished = resolve;
    });
    let participation: Participation;
    try {
      participation = live.join(ctx, conversationId, async () => {
        await unsubscribe.catchUp();
        goingAway = true;
        wake?.();
        // A client that does not take the rest (its window full) is cut rather than waited for.
        if (!(await settlesWithin(done, END_MS))) incomingOf(c)?.socket.destroy();
      });
    } catch {
      // The server began stopping meanwhile: the stream ends at once.
      unsubscribe();
      return;
    }
    await participation.joined;
    let gone = false;
    stream.onAbort(() => {
      gone = true;
      wake?.();
    });
    try {
      while (!gone) {
        while (queue.length > 0) {
          const data = queue.shift() as string;
          const seq = (JSON.parse(data) as { seq: number }).seq;
          await stream.writeSSE({ id: String(seq), data });
        }
        if (ended || goingAway) break;
        await new Promise<void>((resolve) => {
          // Cleared when woken: a pending timer would hold a stopping process for up to KEEP_ALIVE_MS.
          const timer = setTimeout(resolve, KEEP_ALIVE_MS);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
        if (queue.length === 0 && !gone && !goingAway) await stream.write(': keep-alive\n\n');
      }
    } finally {
      unsubscribe();
      finished();
      await participation.leave();
    }
  });
}

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(postRoute, async (c) => {
    await interact(c.get('ctx'), c.req.valid('param').conversation_id, c.req.valid('json'));
    return c.body(null, 200);
  });
  app.openapi(getRoute, async (c) => {
    const ctx = c.get('ctx');
    const id = c.req.valid('param').conversation_id;
    const row = await getConversation(ctx, id);
    if (row.deleted) throw new AppError('not_found', 'Conversation not found');
    const after = resumeSeq(c.req.header('last-event-id'), c.req.valid('query').seq);
    return eventStream(c, ctx, id, after, row.status === 'ended') as never;
  });
}
