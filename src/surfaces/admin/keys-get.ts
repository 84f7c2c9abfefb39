import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { getKeyAs } from '../../core/key-admin.ts';
import type { AppEnv } from '../../http/env.ts';
import { adminErrors, KeyIdParams, KeySchema } from './schemas.ts';

export const route = createRoute({
  method: 'get',
  path: '/keys/{id}',
  tags: ['Keys'],
  summary: 'Get an API key',
  description: 'One key of the caller’s account (operators: any). Never shows the secret.',
  operationId: 'getApiKey',
  security: [{ bearerAuth: [] }],
  request: { params: KeyIdParams },
  responses: {
    200: { description: 'The key.', content: { 'application/json': { schema: KeySchema } } },
    ...adminErrors(400, 401, 403, 404),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => c.json(await getKeyAs(c.get('ctx'), c.req.valid('param').id), 200));
}
