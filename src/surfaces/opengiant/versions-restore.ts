import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { restorePersonaVersion } from '../../core/persona-versions.ts';
import type { AppEnv } from '../../http/env.ts';
import { errorResponses } from './schemas.ts';
import { VersionParams, VersionSchema, versionWire } from './versions-schemas.ts';

export const route = createRoute({
  method: 'post',
  path: '/personas/{id}/versions/{version}/restore',
  tags: ['OpenGiant persona versions'],
  summary: 'Restore a persona version',
  description:
    'Makes a new version whose fields equal those of `version` (its `restored_from`), on every surface. ' +
    'Nothing is lost: the versions in between stay in the history.',
  operationId: 'restorePersonaVersion',
  security: [{ bearerAuth: [] }],
  request: { params: VersionParams },
  responses: {
    200: { description: 'The new version.', content: { 'application/json': { schema: VersionSchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const p = c.req.valid('param');
    return c.json(versionWire(await restorePersonaVersion(c.get('ctx'), p.id, p.version)), 200);
  });
}
