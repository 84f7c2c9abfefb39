import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import {
  createConversation,
  deleteConversation,
  endByCaller,
  getConversation,
  listConversations,
} from '../../conversations/store.ts';
import type { AppEnv } from '../../http/env.ts';
import {
  ConversationCreateBody,
  ConversationIdParam,
  ConversationSchema,
  convErrors,
} from './conversations-schemas.ts';
import { conversationWire, originOf, verboseWire } from './conversations-wire.ts';
import { security } from './schemas.ts';

const tags = ['Tavus conversations'];
const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const createRouteDef = createRoute({
  method: 'post',
  path: '/conversations',
  tags,
  summary: 'Create Conversation',
  description: 'A text conversation with a persona; `conversation_url` is a chat page of this server.',
  security,
  request: { body: { content: { 'application/json': { schema: ConversationCreateBody } }, required: true } },
  responses: { 200: json(ConversationSchema, 'The conversation.'), ...convErrors(400, 401, 429) },
});

const getRoute = createRoute({
  method: 'get',
  path: '/conversations/{conversation_id}',
  tags,
  summary: 'Get Conversation',
  security,
  request: {
    params: ConversationIdParam,
    query: z.object({ verbose: z.enum(['true', 'false']).optional() }),
  },
  responses: { 200: json(ConversationSchema, 'The conversation.'), ...convErrors(400, 401, 404) },
});

const listRoute = createRoute({
  method: 'get',
  path: '/conversations',
  tags,
  summary: 'List Conversations',
  description: 'Newest first, by 1-based page.',
  security,
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(100).default(10),
      page: z.coerce.number().int().min(1).max(1_000_000).default(1),
      status: z.enum(['active', 'ended']).optional(),
    }),
  },
  responses: {
    200: json(z.object({ data: z.array(ConversationSchema), total_count: z.number().int() }), 'A page.'),
    ...convErrors(400, 401),
  },
});

const endRoute = createRoute({
  method: 'post',
  path: '/conversations/{conversation_id}/end',
  tags,
  summary: 'End Conversation',
  description: 'Ends it with `end_conversation_endpoint_hit`; ending an ended conversation does nothing.',
  security,
  request: { params: ConversationIdParam },
  responses: { 200: { description: 'Ended.' }, ...convErrors(400, 401, 404) },
});

const deleteRoute = createRoute({
  method: 'delete',
  path: '/conversations/{conversation_id}',
  tags,
  summary: 'Delete Conversation',
  description: 'Ends and hides it; `?hard=true` also deletes its events and transcript, irrevocably.',
  security,
  request: { params: ConversationIdParam, query: z.object({ hard: z.enum(['true', 'false']).optional() }) },
  responses: { 204: { description: 'Deleted.' }, ...convErrors(400, 401, 404) },
});

export const route = createRouteDef;

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(createRouteDef, async (c) => {
    const ctx = c.get('ctx');
    const row = await createConversation(ctx, c.req.valid('json'));
    const wire = conversationWire(ctx, originOf(c.req.url), row);
    return c.json({ ...wire, ...(row.meeting_token !== null && { meeting_token: row.meeting_token }) }, 200);
  });
  app.openapi(listRoute, async (c) => {
    const ctx = c.get('ctx');
    const { rows, total } = await listConversations(ctx, c.req.valid('query'));
    const origin = originOf(c.req.url);
    return c.json({ data: rows.map((r) => conversationWire(ctx, origin, r)), total_count: total }, 200);
  });
  app.openapi(getRoute, async (c) => {
    const ctx = c.get('ctx');
    const row = await getConversation(ctx, c.req.valid('param').conversation_id);
    const origin = originOf(c.req.url);
    if (c.req.valid('query').verbose === 'true') return c.json(await verboseWire(ctx, origin, row), 200);
    return c.json(conversationWire(ctx, origin, row), 200);
  });
  app.openapi(endRoute, async (c) => {
    await endByCaller(c.get('ctx'), c.req.valid('param').conversation_id);
    return c.body(null, 200);
  });
  app.openapi(deleteRoute, async (c) => {
    const q = c.req.valid('query');
    await deleteConversation(c.get('ctx'), c.req.valid('param').conversation_id, q.hard === 'true');
    return c.body(null, 204);
  });
}
