import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { getPersona } from '../../core/personas.ts';
import type { AppEnv } from '../../http/env.ts';
import { errorResponses, PersonaIdParam, PersonaOne, security } from './schemas.ts';
import { toWire } from './wire.ts';

export const route = createRoute({
  method: 'get',
  path: '/personas/{persona_id}',
  tags: ['Tavus personas'],
  summary: 'Get Persona',
  description: 'Returns one persona (yours or a system persona), wrapped in a one-element `data` array.',
  security,
  request: { params: PersonaIdParam },
  responses: {
    200: { description: 'The persona.', content: { 'application/json': { schema: PersonaOne } } },
    ...errorResponses(400, 401, 404),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const p = await getPersona(c.get('ctx'), c.req.valid('param').persona_id);
    return c.json({ data: [toWire(p)] }, 200);
  });
}
