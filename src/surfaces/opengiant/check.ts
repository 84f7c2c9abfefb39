import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { checkContent } from '../../core/check.ts';
import { MAX_CONTENT_CHARS } from '../../core/refine.ts';
import type { AppEnv } from '../../http/env.ts';
import { nativeRoute } from '../../http/native.ts';
import { openGiantError } from './errors.ts';
import { Check, content, personaId, refineErrorResponses } from './refine-schemas.ts';

export const CheckBody = z
  .strictObject({
    personaId: personaId.openapi({ description: 'ID of the persona whose hard rules are checked.' }),
    content: content.openapi({
      description: `The text to check, at most ${MAX_CONTENT_CHARS} characters (longer: 413). It is not changed.`,
    }),
  })
  .openapi('CheckRequest');

export const CheckResponse = z
  .object({
    passed: z.boolean().openapi({
      description: 'Every check passed (true when the persona sets no hard rule).',
      example: false,
    }),
    checks: z.array(Check).openapi({ description: "The persona's hard rules, verified on `content`." }),
  })
  .openapi('CheckResponse');

const { 400: e400, 401: e401, 404: e404, 413: e413, 415: e415 } = refineErrorResponses;

export const route = createRoute({
  method: 'post',
  path: '/check',
  tags: ['OpenGiant refine'],
  summary: 'Check a text',
  description:
    "Verify a persona's hard rules on any text, without rewriting it: the same `checks` refine returns, " +
    'for answers produced elsewhere or in CI. No provider, no network.',
  operationId: 'checkContent',
  security: [{ bearerAuth: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: CheckBody } } } },
  responses: {
    200: { description: 'The checks.', content: { 'application/json': { schema: CheckResponse } } },
    400: e400,
    401: e401,
    404: e404,
    413: e413,
    415: e415,
  },
});

type Body = z.infer<typeof CheckBody>;

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => c.json(await checkContent(c.get('ctx'), c.req.valid('json')), 200));
}

export const native = nativeRoute<undefined, Body>('/v1', route, openGiantError, async (ctx, i) => ({
  status: 200,
  json: await checkContent(ctx, i.body),
}));
