import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { getPersona } from '../../core/personas.ts';
import type { AppEnv } from '../../http/env.ts';
import { errorResponses, PersonaIdParam, PersonaSchema, toWire } from './schemas.ts';

export const route = createRoute({
  method: 'get',
  path: '/personas/{id}',
  tags: ['OpenGiant personas'],
  summary: 'Get a persona',
  security: [{ bearerAuth: [] }],
  request: { params: PersonaIdParam },
  responses: {
    200: { description: 'The persona.', content: { 'application/json': { schema: PersonaSchema } } },
    ...errorResponses(400, 401, 404),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const p = await getPersona(c.get('ctx'), c.req.valid('param').id);
    return c.json(toWire(p), 200);
  });
}
