import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { createAccount } from '../../core/accounts.ts';
import type { AppEnv } from '../../http/env.ts';
import { AccountSchema, adminErrors, CreateAccountBody } from './schemas.ts';

export const route = createRoute({
  method: 'post',
  path: '/accounts',
  tags: ['Accounts'],
  summary: 'Create an account',
  description: 'Operator keys only. Then give it a key with `POST /v1/keys` and `account_id`.',
  operationId: 'createAccount',
  security: [{ bearerAuth: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: CreateAccountBody } } } },
  responses: {
    201: { description: 'The account.', content: { 'application/json': { schema: AccountSchema } } },
    ...adminErrors(400, 401, 403, 409, 415),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const ctx = c.get('ctx');
    return c.json(await createAccount(ctx.db, c.req.valid('json').name, ctx.now()), 201);
  });
}
