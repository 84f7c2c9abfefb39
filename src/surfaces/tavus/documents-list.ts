import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/env.ts';
import { documentWire } from '../../knowledge/document-wire.ts';
import { listDocuments } from '../../knowledge/documents.ts';
import { DocumentList, DocumentListQuery, docErrorResponses } from './documents-schemas.ts';
import { security } from './schemas.ts';

export const route = createRoute({
  method: 'get',
  path: '/documents',
  tags: ['Tavus documents'],
  summary: 'List Documents',
  description: 'Your documents by 0-based page, oldest first unless `sort=descending`, with filters.',
  security,
  request: { query: DocumentListQuery },
  responses: {
    200: { description: 'A page of documents.', content: { 'application/json': { schema: DocumentList } } },
    ...docErrorResponses(400, 401),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const tags = q.tags
      ?.split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
    const page = await listDocuments(c.get('ctx'), { ...q, tags });
    return c.json(
      { data: page.items.map(documentWire), total_count: page.total, page: q.page, limit: q.limit },
      200,
    );
  });
}
