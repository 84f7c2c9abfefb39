import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { feedClips } from '../../core/clips.ts';
import { refreshPendingClips } from '../../core/music-tasks.ts';
import type { SunoUpstream } from '../../core/suno-upstream.ts';
import type { AppEnv } from '../../http/env.ts';
import { ClipSchema, errorResponses, toClipWire } from './schemas.ts';

export const MAX_FEED_IDS = 50;

const idList = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}(,[A-Za-z0-9][A-Za-z0-9_-]{0,63})*$/;

export const route = createRoute({
  method: 'get',
  path: '/feed/{ids}',
  tags: ['Suno clips'],
  summary: 'Get clips by id',
  description:
    `Up to ${MAX_FEED_IDS} comma-separated clip ids. Answers 200 with the caller's clips among them, in the ` +
    "order asked; unknown ids and other accounts' clips are simply absent (an empty array if none match). " +
    'Clips generated through personakit that are not complete yet are first brought up to date by polling ' +
    'their task at the upstream (if that fails, the last recorded state is answered).',
  security: [{ bearerAuth: [] }],
  request: {
    params: z.object({
      ids: z
        .string()
        .regex(idList, 'must be comma-separated clip ids')
        .refine((v) => v.split(',').length <= MAX_FEED_IDS, `must list at most ${MAX_FEED_IDS} ids`)
        .openapi({
          param: { name: 'ids', in: 'path' },
          description: 'Comma-separated clip ids.',
          example: '54834687-5e79-4f08-8e14-cf188f15b598,0f3c2b8e-1d4a-4c55-9b7e-2a6f1e9d8c41',
        }),
    }),
  },
  responses: {
    200: {
      description: 'The clips found.',
      content: { 'application/json': { schema: z.array(ClipSchema) } },
    },
    ...errorResponses(400, 401),
  },
});

export function register(app: OpenAPIHono<AppEnv>, upstream: SunoUpstream) {
  app.openapi(route, async (c) => {
    const ids = c.req.valid('param').ids.split(',');
    await refreshPendingClips(c.get('ctx'), upstream, ids);
    const clips = await feedClips(c.get('ctx'), ids);
    return c.json(clips.map(toClipWire), 200);
  });
}
