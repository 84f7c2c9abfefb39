import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/env.ts';
import { deleteDocument } from '../../knowledge/documents.ts';
import { DocumentIdParam, docErrorResponses } from './documents-schemas.ts';
import { security } from './schemas.ts';

export const route = createRoute({
  method: 'delete',
  path: '/documents/{document_id}',
  tags: ['Tavus documents'],
  summary: 'Delete Document',
  description:
    'Deletes the document and everything of it: passages, extracted text, the stored upload, its ingestion ' +
    "job (even mid-processing), and its id in the account's personas' `document_ids`.",
  security,
  request: { params: DocumentIdParam },
  responses: {
    204: { description: 'Deleted.' },
    ...docErrorResponses(400, 401, 404),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    await deleteDocument(c.get('ctx'), c.req.valid('param').document_id);
    return c.body(null, 204);
  });
}
