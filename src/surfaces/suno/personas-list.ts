import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { listMusicPersonas } from '../../core/music-personas.ts';
import type { AppEnv } from '../../http/env.ts';
import { errorResponses, PersonaSchema, toPersonaWire } from './schemas.ts';

export const ListQuery = z.object({
  page: z.coerce
    .number()
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(100_000, 'must be at most 100000')
    .default(1)
    .openapi({ param: { name: 'page', in: 'query' }, description: '1-based page number.', example: 1 }),
  limit: z.coerce
    .number()
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(50, 'must be at most 50')
    .default(20)
    .openapi({
      param: { name: 'limit', in: 'query' },
      description: 'Personas per page (1–50).',
      example: 20,
    }),
});

export const PersonaPage = z
  .object({
    personas: z.array(PersonaSchema),
    total_results: z
      .number()
      .int()
      .openapi({ description: "The account's music personas in all.", example: 1 }),
    current_page: z.number().int().openapi({ description: 'This page (1-based).', example: 1 }),
    limit: z.number().int().openapi({ description: 'Page size.', example: 20 }),
  })
  .openapi('SunoPersonaPage');

export const route = createRoute({
  method: 'get',
  path: '/personas',
  tags: ['Suno personas'],
  summary: 'List personas',
  description:
    "The caller's music personas, newest first, paginated with `page` (1-based) and `limit`. Personas made " +
    'through /v1 or /v2 (without clips) are not listed here.',
  security: [{ bearerAuth: [] }],
  request: { query: ListQuery },
  responses: {
    200: { description: 'A page of personas.', content: { 'application/json': { schema: PersonaPage } } },
    ...errorResponses(400, 401),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const page = await listMusicPersonas(c.get('ctx'), q);
    return c.json(
      {
        personas: page.items.map(toPersonaWire),
        total_results: page.total,
        current_page: q.page,
        limit: q.limit,
      },
      200,
    );
  });
}
