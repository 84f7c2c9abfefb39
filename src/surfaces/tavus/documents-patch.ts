import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/env.ts';
import { documentWire } from '../../knowledge/document-wire.ts';
import { patchDocument } from '../../knowledge/documents.ts';
import {
  DocumentIdParam,
  DocumentPatchBody,
  DocumentSchema,
  docErrorResponses,
} from './documents-schemas.ts';
import { security } from './schemas.ts';

export const route = createRoute({
  method: 'patch',
  path: '/documents/{document_id}',
  tags: ['Tavus documents'],
  summary: 'Update Document',
  description: 'Changes `document_name` and/or replaces `tags`.',
  security,
  request: {
    params: DocumentIdParam,
    body: { required: true, content: { 'application/json': { schema: DocumentPatchBody } } },
  },
  responses: {
    200: {
      description: 'The updated document.',
      content: { 'application/json': { schema: DocumentSchema } },
    },
    ...docErrorResponses(400, 401, 404, 413, 415),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const row = await patchDocument(c.get('ctx'), c.req.valid('param').document_id, c.req.valid('json'));
    return c.json(documentWire(row), 200);
  });
}
