import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/env.ts';
import { documentWire } from '../../knowledge/document-wire.ts';
import { recrawlDocument } from '../../knowledge/documents.ts';
import { DocumentIdParam, DocumentSchema, docErrorResponses, RecrawlBody } from './documents-schemas.ts';
import { security } from './schemas.ts';

export const route = createRoute({
  method: 'post',
  path: '/documents/{document_id}/recrawl',
  tags: ['Tavus documents'],
  summary: 'Recrawl Document',
  description:
    'Crawls the site again (status `recrawling`, then `ready` or `error`). The document must be `ready` or ' +
    '`error` and have a crawl configuration (or get one in this body); 1 hour between recrawls.',
  security,
  request: {
    params: DocumentIdParam,
    body: { required: false, content: { 'application/json': { schema: RecrawlBody } } },
  },
  responses: {
    202: { description: 'Recrawl started.', content: { 'application/json': { schema: DocumentSchema } } },
    ...docErrorResponses(400, 401, 404, 409, 413, 415, 429),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const body = c.req.valid('json') as { crawl?: { depth: number; max_pages: number } } | undefined;
    const row = await recrawlDocument(c.get('ctx'), c.req.valid('param').document_id, body?.crawl);
    return c.json(documentWire(row), 202);
  });
}
