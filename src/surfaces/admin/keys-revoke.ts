import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { revokeKeyAs } from '../../core/key-admin.ts';
import type { AppEnv } from '../../http/env.ts';
import { adminErrors, KeyIdParams, KeySchema } from './schemas.ts';

export const route = createRoute({
  method: 'delete',
  path: '/keys/{id}',
  tags: ['Keys'],
  summary: 'Revoke an API key',
  description:
    'The key stops working at once, on every instance. Revoking twice keeps the first time. The row stays ' +
    '(listed with `revoked_at`) so usage keeps naming it.',
  operationId: 'revokeApiKey',
  security: [{ bearerAuth: [] }],
  request: { params: KeyIdParams },
  responses: {
    200: { description: 'The revoked key.', content: { 'application/json': { schema: KeySchema } } },
    ...adminErrors(400, 401, 403, 404),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => c.json(await revokeKeyAs(c.get('ctx'), c.req.valid('param').id), 200));
}
