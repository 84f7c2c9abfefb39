import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { listAccounts } from '../../core/accounts.ts';
import type { AppEnv } from '../../http/env.ts';
import { AccountListSchema, adminErrors, ListAccountsQuery } from './schemas.ts';

export const route = createRoute({
  method: 'get',
  path: '/accounts',
  tags: ['Accounts'],
  summary: 'List accounts',
  description: 'Operator keys only. Newest first; follow `next_cursor`.',
  operationId: 'listAccounts',
  security: [{ bearerAuth: [] }],
  request: { query: ListAccountsQuery },
  responses: {
    200: {
      description: 'A page of accounts.',
      content: { 'application/json': { schema: AccountListSchema } },
    },
    ...adminErrors(400, 401, 403),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const page = await listAccounts(c.get('ctx').db, c.req.valid('query'));
    return c.json({ data: page.items, next_cursor: page.nextCursor }, 200);
  });
}
