import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { updatePersona } from '../../core/personas.ts';
import type { AppEnv } from '../../http/env.ts';
import { attributeWarnings } from '../../style/vocabulary.ts';
import {
  errorResponses,
  PersonaIdParam,
  PersonaPatchBody,
  PersonaUpdated,
  toWire,
  withWarnings,
} from './schemas.ts';

export const route = createRoute({
  method: 'patch',
  path: '/personas/{id}',
  tags: ['OpenGiant personas'],
  summary: 'Update a persona',
  description:
    'Changes `name`, `description` and/or `attributes`. `attributes` is replaced as a whole, not merged, ' +
    'and validated as on create (`warnings` likewise).',
  operationId: 'updatePersona',
  security: [{ bearerAuth: [] }],
  request: {
    params: PersonaIdParam,
    body: { required: true, content: { 'application/json': { schema: PersonaPatchBody } } },
  },
  responses: {
    200: { description: 'The updated persona.', content: { 'application/json': { schema: PersonaUpdated } } },
    ...errorResponses(400, 401, 403, 404, 413, 415),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const body = c.req.valid('json');
    const { persona } = await updatePersona(c.get('ctx'), c.req.valid('param').id, (cur) => ({
      ...cur,
      name: body.name ?? cur.name,
      description: body.description ?? cur.description,
      attributes: body.attributes ?? cur.attributes,
    }));
    const found = body.attributes ? attributeWarnings(body.attributes) : [];
    return c.json({ ...toWire(persona), ...withWarnings(found) }, 200);
  });
}
