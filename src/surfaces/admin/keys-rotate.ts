import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { rotateKeyAs } from '../../core/key-admin.ts';
import type { AppEnv } from '../../http/env.ts';
import { adminErrors, KeyIdParams, KeyRotatedSchema, RotateKeyBody } from './schemas.ts';

export const route = createRoute({
  method: 'post',
  path: '/keys/{id}/rotate',
  tags: ['Keys'],
  summary: 'Rotate an API key',
  description:
    'A new secret with the same account, name, scopes, budgets and expiry. The old key keeps working for ' +
    '`grace_period_seconds` (default a day; 0 stops it at once), so clients can be redeployed. Send `{}` ' +
    'for the default.',
  operationId: 'rotateApiKey',
  security: [{ bearerAuth: [] }],
  request: {
    params: KeyIdParams,
    body: { required: true, content: { 'application/json': { schema: RotateKeyBody } } },
  },
  responses: {
    201: {
      description: 'The new key with its secret (shown once), and the old one.',
      content: { 'application/json': { schema: KeyRotatedSchema } },
    },
    ...adminErrors(400, 401, 403, 404, 409, 415),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const r = await rotateKeyAs(c.get('ctx'), id, c.req.valid('json').grace_period_seconds);
    c.header('cache-control', 'no-store');
    return c.json({ ...r.info, key: r.key, previous: r.previous }, 201);
  });
}
