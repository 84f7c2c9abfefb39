import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { listPersonaVersions } from '../../core/persona-versions.ts';
import type { AppEnv } from '../../http/env.ts';
import { errorResponses, ListQuery, PersonaIdParam } from './schemas.ts';
import { summaryWire, VersionList } from './versions-schemas.ts';

export const route = createRoute({
  method: 'get',
  path: '/personas/{id}/versions',
  tags: ['OpenGiant persona versions'],
  summary: "List a persona's versions",
  description:
    'Newest first, without the fields (GET a version for those). Follow `next_cursor` for older versions.',
  operationId: 'listPersonaVersions',
  security: [{ bearerAuth: [] }],
  request: { params: PersonaIdParam, query: ListQuery },
  responses: {
    200: { description: 'A page of versions.', content: { 'application/json': { schema: VersionList } } },
    ...errorResponses(400, 401, 404),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const page = await listPersonaVersions(c.get('ctx'), c.req.valid('param').id, {
      limit: q.limit,
      cursor: q.cursor,
    });
    return c.json({ data: page.items.map(summaryWire), next_cursor: page.nextCursor }, 200);
  });
}
