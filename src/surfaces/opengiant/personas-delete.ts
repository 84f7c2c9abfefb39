import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { deletePersona } from '../../core/personas.ts';
import type { AppEnv } from '../../http/env.ts';
import { errorResponses, PersonaIdParam } from './schemas.ts';

export const route = createRoute({
  method: 'delete',
  path: '/personas/{id}',
  tags: ['OpenGiant personas'],
  summary: 'Delete a persona',
  operationId: 'deletePersona',
  security: [{ bearerAuth: [] }],
  request: { params: PersonaIdParam },
  responses: {
    204: { description: 'Deleted.' },
    ...errorResponses(400, 401, 403, 404),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    await deletePersona(c.get('ctx'), c.req.valid('param').id);
    return c.body(null, 204);
  });
}
