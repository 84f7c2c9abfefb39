import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { trashClip } from '../../core/clips.ts';
import type { AppEnv } from '../../http/env.ts';
import { ClipSchema, clipId, errorResponses, toClipWire } from './schemas.ts';

export const route = createRoute({
  method: 'delete',
  path: '/clips/{id}',
  tags: ['Suno clips'],
  summary: 'Trash a clip',
  description:
    'Moves the clip to the trash (`is_trashed: true`); idempotent. Trashed clips stay readable in the feed ' +
    'and in existing personas but cannot join a new persona.',
  security: [{ bearerAuth: [] }],
  request: { params: z.object({ id: clipId.openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: {
    200: { description: 'The trashed clip.', content: { 'application/json': { schema: ClipSchema } } },
    ...errorResponses(400, 401, 404),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const clip = await trashClip(c.get('ctx'), c.req.valid('param').id);
    return c.json(toClipWire(clip), 200);
  });
}
