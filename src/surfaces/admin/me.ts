import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { AppError } from '../../core/errors.ts';
import { scopeList } from '../../core/scopes.ts';
import type { AppEnv } from '../../http/env.ts';
import { adminErrors, ScopeSchema } from './schemas.ts';

/**
 * GET /v1/me: what the calling key is and may do, so a client (the web console) offers only what the key
 * allows. Every valid key may ask (src/http/scopes.ts, anyKeyOperations): it tells nothing the key's
 * holder could not learn by trying.
 */
export const CallerSchema = z
  .object({
    key_id: z.string().openapi({
      description: 'The calling key; empty for the environment’s operator key.',
      example: 'key_0123456789abcdefghijklmn',
    }),
    account_id: z.string().openapi({
      description: 'Its account; empty for the environment’s operator key.',
      example: 'acct_0123456789abcdefghijklmn',
    }),
    scopes: z.array(ScopeSchema).openapi({ description: 'Every scope the key holds, spelled out.' }),
    operator: z.boolean().openapi({ example: false }),
    expires_at: z.string().nullable().openapi({ example: null }),
  })
  .openapi('Caller');

export const route = createRoute({
  method: 'get',
  path: '/me',
  tags: ['Keys'],
  summary: 'The calling key',
  description: 'The calling key’s account and scopes. Any valid key may call it.',
  operationId: 'getCaller',
  security: [{ bearerAuth: [] }],
  responses: {
    200: { description: 'The caller.', content: { 'application/json': { schema: CallerSchema } } },
    ...adminErrors(401),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, (c) => {
    const p = c.get('ctx').principal;
    if (!p) throw new AppError('unauthorized', 'Missing or invalid API key');
    return c.json(
      {
        key_id: p.keyId,
        account_id: p.accountId,
        scopes: scopeList(p),
        operator: p.operator,
        expires_at: p.expiresAt === null ? null : new Date(p.expiresAt).toISOString(),
      },
      200,
    );
  });
}
