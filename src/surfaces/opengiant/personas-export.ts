import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { exportPersona } from '../../cards/export.ts';
import type { AppEnv } from '../../http/env.ts';
import { errorResponses, PersonaIdParam } from './schemas.ts';

const ExportQuery = z.object({
  format: z
    .enum(['png', 'json', 'charx'])
    .default('png')
    .openapi({ param: { name: 'format', in: 'query' }, description: 'The container.', example: 'png' }),
  spec: z
    .enum(['v3', 'v2'])
    .default('v3')
    .openapi({
      param: { name: 'spec', in: 'query' },
      description: 'Card version. A v3 PNG also carries a V2 copy in `chara` for older readers.',
      example: 'v3',
    }),
});

const binary = { schema: { type: 'string' as const, format: 'binary' } };

export const route = createRoute({
  method: 'get',
  path: '/personas/{id}/export',
  tags: ['OpenGiant personas'],
  summary: 'Export a persona as a character card',
  description:
    'Any persona (made through /v1, /v2, /suno or imported) as a character card file: PNG (the imported ' +
    'image, or a generated one, with `ccv3` and a V2 backfill in `chara`), JSON, or CHARX (card.json and ' +
    'its assets). Importing the file again gives the same persona.',
  operationId: 'exportPersona',
  security: [{ bearerAuth: [] }],
  request: { params: PersonaIdParam, query: ExportQuery },
  responses: {
    200: {
      description: 'The card file (Content-Disposition names it).',
      content: { 'image/png': binary, 'application/json': binary, 'application/zip': binary },
    },
    ...errorResponses(400, 401, 404),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const { format, spec } = c.req.valid('query');
    const file = await exportPersona(c.get('ctx'), id, format, spec);
    return c.body(new Uint8Array(file.bytes), 200, {
      'content-type': file.contentType,
      'content-disposition': `attachment; filename="${file.fileName}"`,
    }) as never;
  });
}
