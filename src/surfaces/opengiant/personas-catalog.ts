import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { listPersonaCatalog, PERSONA_SOURCES } from '../../core/persona-catalog.ts';
import type { AppEnv } from '../../http/env.ts';
import { errorResponses, ListQuery } from './schemas.ts';

/**
 * GET /v1/catalog/personas: every persona of the account whichever surface made it (OpenGiant, Tavus,
 * Suno, an imported card), with that source, searchable by name. The web console's persona list.
 */
const CatalogQuerySchema = ListQuery.extend({
  q: z
    .string()
    .max(200, 'must be at most 200 characters')
    .optional()
    .openapi({
      param: { name: 'q', in: 'query' },
      description: 'Part of the name, any case.',
      example: 'support',
    }),
  source: z
    .enum(PERSONA_SOURCES)
    .optional()
    .openapi({ param: { name: 'source', in: 'query' }, description: 'Only personas of this source.' }),
});

const CatalogItemSchema = z
  .object({
    id: z.string().openapi({ example: 'p3k9x0c2m4q8r1t5v7w9y2a4b6' }),
    name: z.string().openapi({ example: 'Friendly Support' }),
    description: z.string().openapi({ description: 'The first 280 characters of the description.' }),
    source: z.enum(PERSONA_SOURCES).openapi({
      description:
        'Which surface the persona looks made by, read from what it holds: suno (a Suno side), card ' +
        '(character-card fields), tavus (system prompt, context, layers or replica), else opengiant.',
      example: 'opengiant',
    }),
    version: z.number().int().openapi({ example: 1 }),
    created_at: z.string().openapi({ example: '2026-01-01T00:00:00.000Z' }),
    updated_at: z.string().openapi({ example: '2026-01-01T00:00:00.000Z' }),
  })
  .openapi('PersonaCatalogItem');

const CatalogSchema = z
  .object({
    data: z.array(CatalogItemSchema),
    next_cursor: z.string().nullable().openapi({ description: 'Pass as `cursor` for the next page.' }),
  })
  .openapi('PersonaCatalog');

export const route = createRoute({
  method: 'get',
  path: '/catalog/personas',
  tags: ['OpenGiant personas'],
  summary: 'List every persona with its source',
  description:
    'Every persona of the account, newest first, whichever surface made it, with that source; `q` searches names.',
  operationId: 'listPersonaCatalog',
  security: [{ bearerAuth: [] }],
  request: { query: CatalogQuerySchema },
  responses: {
    200: { description: 'A page of personas.', content: { 'application/json': { schema: CatalogSchema } } },
    ...errorResponses(400, 401),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const page = await listPersonaCatalog(c.get('ctx'), q);
    return c.json(
      {
        data: page.items.map((p) => ({
          id: p.id,
          name: p.name,
          description: p.description,
          source: p.source,
          version: p.version,
          created_at: p.createdAt,
          updated_at: p.updatedAt,
        })),
        next_cursor: page.nextCursor,
      },
      200,
    );
  });
}
