import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { getMusicPersona } from '../../core/music-personas.ts';
import type { AppEnv } from '../../http/env.ts';
import { errorResponses, PersonaIdParam, PersonaSchema, toPersonaWire } from './schemas.ts';

const routeAt = (path: string) =>
  createRoute({
    method: 'get',
    path,
    tags: ['Suno personas'],
    summary: 'Get a persona',
    description:
      "The caller's persona, or another account's public one. Served with and without the trailing slash.",
    security: [{ bearerAuth: [] }],
    request: { params: PersonaIdParam },
    responses: {
      200: { description: 'The persona.', content: { 'application/json': { schema: PersonaSchema } } },
      ...errorResponses(400, 401, 404),
    },
  });

export function register(app: OpenAPIHono<AppEnv>) {
  for (const path of ['/persona/{id}/', '/persona/{id}']) {
    app.openapi(routeAt(path), async (c) => {
      const mp = await getMusicPersona(c.get('ctx'), c.req.valid('param').id, 'read');
      return c.json(toPersonaWire(mp), 200);
    });
  }
}
