import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { setAccountDisabled } from '../../core/accounts.ts';
import type { AppEnv } from '../../http/env.ts';
import { AccountIdParams, AccountSchema, adminErrors, PatchAccountBody } from './schemas.ts';

export const route = createRoute({
  method: 'patch',
  path: '/accounts/{id}',
  tags: ['Accounts'],
  summary: 'Disable or enable an account',
  description:
    'Operator keys only. `{"disabled": true}` refuses every key of the account at once, on every ' +
    'instance; `false` lets them work again. Nothing is deleted.',
  operationId: 'updateAccount',
  security: [{ bearerAuth: [] }],
  request: {
    params: AccountIdParams,
    body: { required: true, content: { 'application/json': { schema: PatchAccountBody } } },
  },
  responses: {
    200: { description: 'The account.', content: { 'application/json': { schema: AccountSchema } } },
    ...adminErrors(400, 401, 403, 404, 415),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const ctx = c.get('ctx');
    const account = await setAccountDisabled(
      ctx.db,
      c.req.valid('param').id,
      c.req.valid('json').disabled,
      ctx.now(),
    );
    return c.json(account, 200);
  });
}
