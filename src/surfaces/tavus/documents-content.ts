import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/env.ts';
import { documentContent } from '../../knowledge/documents.ts';
import { DocumentIdParam, docErrorResponses } from './documents-schemas.ts';
import { security } from './schemas.ts';

export const route = createRoute({
  method: 'get',
  path: '/documents/{document_id}/content',
  tags: ['Tavus documents'],
  summary: 'Get Document Content',
  description:
    'personakit: the text extracted from the document (headings as Markdown), i.e. what search retrieves from.',
  security,
  request: { params: DocumentIdParam },
  responses: {
    200: { description: 'The extracted text.', content: { 'text/plain': { schema: z.string() } } },
    ...docErrorResponses(400, 401, 404, 409),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const text = await documentContent(c.get('ctx'), c.req.valid('param').document_id);
    return c.text(text, 200, { 'content-type': 'text/plain; charset=utf-8' });
  });
}
