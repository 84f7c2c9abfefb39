import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/env.ts';
import { documentWire } from '../../knowledge/document-wire.ts';
import { getDocument } from '../../knowledge/documents.ts';
import { DocumentIdParam, DocumentSchema, docErrorResponses } from './documents-schemas.ts';
import { security } from './schemas.ts';

export const route = createRoute({
  method: 'get',
  path: '/documents/{document_id}',
  tags: ['Tavus documents'],
  summary: 'Get Document',
  security,
  request: { params: DocumentIdParam },
  responses: {
    200: { description: 'The document.', content: { 'application/json': { schema: DocumentSchema } } },
    ...docErrorResponses(400, 401, 404),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    return c.json(documentWire(await getDocument(c.get('ctx'), c.req.valid('param').document_id)), 200);
  });
}
