import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Ctx } from '../../core/context.ts';
import type { Persona } from '../../core/persona.ts';
import { getPersona } from '../../core/personas.ts';
import type { AppEnv } from '../../http/env.ts';
import { type EncodedJson, encodeJson, nativeRoute } from '../../http/native.ts';
import { openGiantError } from './errors.ts';
import { errorResponses, PersonaIdParam, PersonaSchema, toWire } from './schemas.ts';

export const route = createRoute({
  method: 'get',
  path: '/personas/{id}',
  tags: ['OpenGiant personas'],
  summary: 'Get a persona',
  operationId: 'getPersona',
  security: [{ bearerAuth: [] }],
  request: { params: PersonaIdParam },
  responses: {
    200: { description: 'The persona.', content: { 'application/json': { schema: PersonaSchema } } },
    ...errorResponses(400, 401, 404),
  },
});

const handle = async (ctx: Ctx, params: z.infer<typeof PersonaIdParam>) =>
  toWire(await getPersona(ctx, params.id));

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => c.json(await handle(c.get('ctx'), c.req.valid('param')), 200));
}

/**
 * The encoded answer per persona object. Cached personas are frozen and replaced (never changed) on
 * write, so an object's bytes never go stale, and a WeakMap lets them go with the object: a GET served
 * from the cache serializes nothing.
 */
const encodedAnswers = new WeakMap<Persona, EncodedJson>();

export const native = nativeRoute<z.infer<typeof PersonaIdParam>>(
  '/v1',
  route,
  openGiantError,
  async (ctx, i) => {
    const p = await getPersona(ctx, i.params.id);
    let encoded = encodedAnswers.get(p);
    if (!encoded) {
      encoded = encodeJson(toWire(p));
      if (Object.isFrozen(p)) encodedAnswers.set(p, encoded);
    }
    return { status: 200, encoded };
  },
);
