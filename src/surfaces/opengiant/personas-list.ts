import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { listPersonas } from '../../core/personas.ts';
import type { AppEnv } from '../../http/env.ts';
import { errorResponses, ListQuery, PersonaList, toWire } from './schemas.ts';

export const route = createRoute({
  method: 'get',
  path: '/personas',
  tags: ['OpenGiant personas'],
  summary: 'List personas',
  description: 'Newest first. Follow `next_cursor` for the next page.',
  operationId: 'listPersonas',
  security: [{ bearerAuth: [] }],
  request: { query: ListQuery },
  responses: {
    200: { description: 'A page of personas.', content: { 'application/json': { schema: PersonaList } } },
    ...errorResponses(400, 401),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const page = await listPersonas(c.get('ctx'), { limit: q.limit, cursor: q.cursor });
    return c.json({ data: page.items.map(toWire), next_cursor: page.nextCursor }, 200);
  });
}
