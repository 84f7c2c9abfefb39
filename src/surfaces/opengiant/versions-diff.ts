import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { diffPersonaVersions } from '../../core/persona-versions.ts';
import type { AppEnv } from '../../http/env.ts';
import { errorResponses } from './schemas.ts';
import { DiffQuery, VersionDiff, VersionParams } from './versions-schemas.ts';

export const route = createRoute({
  method: 'get',
  path: '/personas/{id}/versions/{version}/diff',
  tags: ['OpenGiant persona versions'],
  summary: 'Diff two persona versions',
  description:
    'A JSON Patch (RFC 6902) from version `from` (default: the one before) to `version`; `from` may also ' +
    'be the later one, or 0 (before version 1: the patch adds every field).',
  operationId: 'diffPersonaVersions',
  security: [{ bearerAuth: [] }],
  request: { params: VersionParams, query: DiffQuery },
  responses: {
    200: { description: 'The patch.', content: { 'application/json': { schema: VersionDiff } } },
    ...errorResponses(400, 401, 404),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id, version } = c.req.valid('param');
    const from = c.req.valid('query').from ?? version - 1;
    const patch = await diffPersonaVersions(c.get('ctx'), id, from, version);
    return c.json({ persona_id: id, from, to: version, patch }, 200);
  });
}
