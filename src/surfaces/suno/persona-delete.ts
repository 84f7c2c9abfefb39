import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { deleteMusicPersona } from '../../core/music-personas.ts';
import type { AppEnv } from '../../http/env.ts';
import { errorResponses, PersonaIdParam } from './schemas.ts';

const routeAt = (path: string) =>
  createRoute({
    method: 'delete',
    path,
    tags: ['Suno personas'],
    summary: 'Delete a persona',
    description:
      'Deletes the persona from the one store (it disappears from /v1 too); its clips stay. Served with and ' +
      'without the trailing slash.',
    security: [{ bearerAuth: [] }],
    request: { params: PersonaIdParam },
    responses: {
      204: { description: 'Deleted.' },
      ...errorResponses(400, 401, 403, 404),
    },
  });

export function register(app: OpenAPIHono<AppEnv>) {
  for (const path of ['/persona/{id}/', '/persona/{id}']) {
    app.openapi(routeAt(path), async (c) => {
      await deleteMusicPersona(c.get('ctx'), c.req.valid('param').id);
      return c.body(null, 204);
    });
  }
}
