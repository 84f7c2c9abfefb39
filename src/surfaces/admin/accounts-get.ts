import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { getAccount } from '../../core/accounts.ts';
import type { AppEnv } from '../../http/env.ts';
import { AccountIdParams, AccountSchema, adminErrors } from './schemas.ts';

export const route = createRoute({
  method: 'get',
  path: '/accounts/{id}',
  tags: ['Accounts'],
  summary: 'Get an account',
  description: 'Operator keys only.',
  operationId: 'getAccount',
  security: [{ bearerAuth: [] }],
  request: { params: AccountIdParams },
  responses: {
    200: { description: 'The account.', content: { 'application/json': { schema: AccountSchema } } },
    ...adminErrors(400, 401, 403, 404),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => c.json(await getAccount(c.get('ctx').db, c.req.valid('param').id), 200));
}
