import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/env.ts';
import { searchKnowledge } from '../../knowledge/retrieval.ts';
import { docErrorResponses, KnowledgeSearchBody, KnowledgeSearchResult } from './documents-schemas.ts';
import { security } from './schemas.ts';

export const route = createRoute({
  method: 'post',
  path: '/knowledge/search',
  tags: ['Knowledge'],
  summary: 'Search Knowledge',
  description:
    'personakit: ranked passages from your `ready` documents, each with its document and position for a ' +
    "citation. Scope: `document_ids`, `document_tags` and a persona's documents (`persona_id`), together; " +
    'none of them searches every ready document of the account.',
  security,
  request: { body: { required: true, content: { 'application/json': { schema: KnowledgeSearchBody } } } },
  responses: {
    200: {
      description: 'Passages, best first.',
      content: { 'application/json': { schema: KnowledgeSearchResult } },
    },
    ...docErrorResponses(400, 401, 404, 413, 415),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    return c.json({ data: await searchKnowledge(c.get('ctx'), c.req.valid('json')) }, 200);
  });
}
