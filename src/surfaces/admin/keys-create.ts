import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { createKeyAs } from '../../core/key-admin.ts';
import type { Scope } from '../../core/scopes.ts';
import type { AppEnv } from '../../http/env.ts';
import { adminErrors, CreateKeyBody, KeyCreatedSchema } from './schemas.ts';

export const route = createRoute({
  method: 'post',
  path: '/keys',
  tags: ['Keys'],
  summary: 'Create an API key',
  description:
    'A new key for the calling key’s account (operators: any account, by `account_id`). The secret is in ' +
    'the answer once and never again: only its hash is stored.',
  operationId: 'createApiKey',
  security: [{ bearerAuth: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: CreateKeyBody } } } },
  responses: {
    201: {
      description: 'The key, with its secret.',
      content: { 'application/json': { schema: KeyCreatedSchema } },
    },
    ...adminErrors(400, 401, 403, 404, 409, 415),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const b = c.req.valid('json');
    const { key, info } = await createKeyAs(c.get('ctx'), {
      accountId: b.account_id,
      name: b.name,
      scopes: b.scopes as Scope[] | undefined,
      expiresAt: b.expires_at,
      budgetRequests: b.budget?.requests_per_day,
      budgetTokens: b.budget?.tokens_per_day,
    });
    // The secret is shown once: no cache, and no Idempotency-Key replay keeps it (http/idempotency.ts).
    c.header('cache-control', 'no-store');
    return c.json({ ...info, key }, 201);
  });
}
