import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { registerClip } from '../../core/clips.ts';
import type { AppEnv } from '../../http/env.ts';
import { ClipRegisterBody, toClipInput } from './clips-register.ts';
import { ClipSchema, errorResponses, toClipWire } from './schemas.ts';

export const route = createRoute({
  method: 'post',
  path: '/clips/upload',
  tags: ['Suno clips'],
  summary: 'Register an uploaded clip',
  description:
    'Registers audio the account uploaded (metadata.type "upload"). As on Suno, uploads cannot make a persona.',
  security: [{ bearerAuth: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: ClipRegisterBody } } } },
  responses: {
    200: { description: 'The registered clip.', content: { 'application/json': { schema: ClipSchema } } },
    ...errorResponses(400, 401, 409, 413, 415),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const clip = await registerClip(c.get('ctx'), 'upload', toClipInput(c.req.valid('json')));
    return c.json(toClipWire(clip), 200);
  });
}
