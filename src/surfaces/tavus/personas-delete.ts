import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { deletePersona } from '../../core/personas.ts';
import type { AppEnv } from '../../http/env.ts';
import { errorResponses, PersonaIdParam, security } from './schemas.ts';

export const route = createRoute({
  method: 'delete',
  path: '/personas/{persona_id}',
  tags: ['Tavus personas'],
  summary: 'Delete Persona',
  security,
  request: { params: PersonaIdParam },
  responses: {
    204: { description: 'Deleted.' },
    ...errorResponses(400, 401, 403, 404),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    await deletePersona(c.get('ctx'), c.req.valid('param').persona_id);
    return c.body(null, 204);
  });
}
