import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { emptyFields } from '../../core/persona.ts';
import { createPersona } from '../../core/personas.ts';
import type { AppEnv } from '../../http/env.ts';
import { created, errorResponses, PersonaCreateBody, PersonaCreated } from './schemas.ts';

export const route = createRoute({
  method: 'post',
  path: '/personas',
  tags: ['OpenGiant personas'],
  summary: 'Create a persona',
  description: 'Create a new AI persona.',
  security: [{ bearerAuth: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: PersonaCreateBody } } } },
  responses: {
    200: {
      description: 'Persona created successfully.',
      content: { 'application/json': { schema: PersonaCreated } },
    },
    ...errorResponses(400, 401, 413, 415),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const body = c.req.valid('json');
    const p = await createPersona(c.get('ctx'), { ...emptyFields(body.name), attributes: body.attributes });
    return c.json(created(p), 200);
  });
}
