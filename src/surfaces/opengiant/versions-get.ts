import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { getPersonaVersionRecord } from '../../core/persona-versions.ts';
import type { AppEnv } from '../../http/env.ts';
import { errorResponses } from './schemas.ts';
import { VersionParams, VersionSchema, versionWire } from './versions-schemas.ts';

export const route = createRoute({
  method: 'get',
  path: '/personas/{id}/versions/{version}',
  tags: ['OpenGiant persona versions'],
  summary: 'Get a persona version',
  description: 'The persona exactly as it was at this version (every field, from any surface).',
  operationId: 'getPersonaVersion',
  security: [{ bearerAuth: [] }],
  request: { params: VersionParams },
  responses: {
    200: { description: 'The version.', content: { 'application/json': { schema: VersionSchema } } },
    ...errorResponses(400, 401, 404),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const p = c.req.valid('param');
    return c.json(versionWire(await getPersonaVersionRecord(c.get('ctx'), p.id, p.version)), 200);
  });
}
