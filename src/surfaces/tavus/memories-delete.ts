import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { deleteMemoryStore } from '../../conversations/memories.ts';
import { AppError } from '../../core/errors.ts';
import type { AppEnv } from '../../http/env.ts';
import { convErrors } from './conversations-schemas.ts';
import { security } from './schemas.ts';

/** personakit's route to forget a memory store: later conversations with its tag recall nothing of it. */
export const route = createRoute({
  method: 'delete',
  path: '/memories/{memory_store}',
  tags: ['Tavus conversations'],
  summary: 'Delete a memory store',
  description:
    'Forgets everything a memory store (a `memory_stores` tag) holds for this account: later conversations with the tag recall nothing of the earlier ones. The conversations and their transcripts stay.',
  security,
  request: {
    params: z.object({
      memory_store: z
        .string()
        .regex(/^[A-Za-z0-9_.:@-]{1,200}$/)
        .openapi({ param: { name: 'memory_store', in: 'path' }, example: 'anna_p123' }),
    }),
  },
  responses: { 204: { description: 'Forgotten.' }, ...convErrors(400, 401, 404) },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const n = await deleteMemoryStore(c.get('ctx'), c.req.valid('param').memory_store);
    if (n === 0) throw new AppError('not_found', 'Memory store not found');
    return c.body(null, 204);
  });
}
