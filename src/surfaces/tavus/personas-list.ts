import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { listPersonasByOffset } from '../../core/personas.ts';
import type { AppEnv } from '../../http/env.ts';
import { errorResponses, ListQuery, PersonaList, security } from './schemas.ts';
import { toWire } from './wire.ts';

export const route = createRoute({
  method: 'get',
  path: '/personas',
  tags: ['Tavus personas'],
  summary: 'List Personas',
  description: 'Your personas (or, with `persona_type=system`, the built-ins), newest first, by page.',
  security,
  request: { query: ListQuery },
  responses: {
    200: { description: 'A page of personas.', content: { 'application/json': { schema: PersonaList } } },
    ...errorResponses(400, 401),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const page = await listPersonasByOffset(c.get('ctx'), {
      limit: q.limit,
      offset: (q.page - 1) * q.limit,
      type: q.persona_type,
    });
    return c.json({ data: page.items.map(toWire), total_count: page.total }, 200);
  });
}
