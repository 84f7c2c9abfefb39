import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { listKeysAs } from '../../core/key-admin.ts';
import type { AppEnv } from '../../http/env.ts';
import { adminErrors, KeyListSchema, ListKeysQuery } from './schemas.ts';

export const route = createRoute({
  method: 'get',
  path: '/keys',
  tags: ['Keys'],
  summary: 'List API keys',
  description:
    'Newest first; follow `next_cursor`. Never shows a secret. An account’s key sees its account’s keys; ' +
    'an operator key sees every account’s, or one account’s with `account_id`.',
  operationId: 'listApiKeys',
  security: [{ bearerAuth: [] }],
  request: { query: ListKeysQuery },
  responses: {
    200: { description: 'A page of keys.', content: { 'application/json': { schema: KeyListSchema } } },
    ...adminErrors(400, 401, 403),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const page = await listKeysAs(c.get('ctx'), {
      accountId: q.account_id,
      limit: q.limit,
      cursor: q.cursor,
    });
    return c.json({ data: page.items, next_cursor: page.nextCursor }, 200);
  });
}
