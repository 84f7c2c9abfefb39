import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { AppError } from '../../core/errors.ts';
import { fetchTask, taskIdPattern } from '../../core/music-tasks.ts';
import { NOT_CONFIGURED, type SunoUpstream } from '../../core/suno-upstream.ts';
import type { AppEnv } from '../../http/env.ts';
import { errorResponses } from './schemas.ts';

const TaskAnswer = z.record(z.string(), z.unknown()).openapi('SunoTaskAnswer', {
  description: "The upstream's JSON answer, unchanged but for the operator's key.",
  example: {
    code: 'success',
    data: {
      task_id: '736a6f88-bd29-4b1e-b110-37132a5325ac',
      status: 'SUCCESS',
      data: [
        {
          id: '54834687-5e79-4f08-8e14-cf188f15b598',
          status: 'complete',
          audio_url: 'https://cdn1.suno.ai/5483.mp3',
        },
      ],
    },
  },
});

export const route = createRoute({
  method: 'get',
  path: '/fetch/{task_id}',
  tags: ['Suno generation'],
  summary: 'Poll a generation task',
  description:
    'The task-polling route of the Suno proxies: forwarded to PERSONAKIT_SUNO_BASE_URL + /suno/fetch/{task_id} ' +
    "with the operator's key, for a task this account started through /suno/generate or /suno/submit/music " +
    "(another account's task is 404, like a missing one). The clips the answer lists (data.data[]) are " +
    "recorded in the account's store, so GET /suno/feed/{ids} and persona creation see them.",
  security: [{ bearerAuth: [] }],
  request: {
    params: z.object({
      task_id: z
        .string()
        .regex(taskIdPattern, 'is not a valid task id')
        .openapi({ param: { name: 'task_id', in: 'path' }, example: '736a6f88-bd29-4b1e-b110-37132a5325ac' }),
    }),
  },
  responses: {
    200: {
      description: "The upstream's answer (with the upstream's 2xx status).",
      content: { 'application/json': { schema: TaskAnswer } },
    },
    ...errorResponses(400, 401, 404, 429, 501, 502, 504),
  },
});

export function register(app: OpenAPIHono<AppEnv>, upstream: SunoUpstream) {
  app.openapi(route, async (c) => {
    if (!upstream.configured) throw new AppError('not_implemented', NOT_CONFIGURED);
    const reply = await fetchTask(c.get('ctx'), upstream, c.req.valid('param').task_id);
    return c.json(reply.body as Record<string, unknown>, reply.status as 200);
  });
}
