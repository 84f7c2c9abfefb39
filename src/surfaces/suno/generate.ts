import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { generateWithPersona } from '../../core/music-generation.ts';
import type { SunoUpstream } from '../../core/suno-upstream.ts';
import type { AppEnv } from '../../http/env.ts';
import { clipId, errorResponses, personaId } from './schemas.ts';

const text = (description: string, example: string) =>
  z.string().max(20_000).optional().openapi({ description, example });

/** The fields personakit reads; every other field is forwarded untouched. */
export const GenerateBody = z
  .looseObject({
    persona_id: personaId.openapi({
      description: "A persona of the caller's account (public ones of others are refused).",
    }),
    task: text('Defaults to artist_consistency.', 'artist_consistency'),
    artist_clip_id: clipId.optional().openapi({
      description:
        "A clip of the caller's account (like every *clip_id field); defaults to the persona's root clip.",
    }),
    prompt: text('Lyrics.', '[Verse]\nCity lights are fading slow'),
    tags: text("Style tags; the persona's style tags are appended after them.", 'dream pop'),
    negative_tags: text('Tags to avoid; persona tags listed here are not added.', 'metal'),
    title: text('Song title.', 'Fading Lights'),
    mv: text('Model version.', 'chirp-v4-tau'),
    generation_type: text('Generation type.', 'TEXT'),
  })
  .openapi('SunoGenerate');

const UpstreamAnswer = z.record(z.string(), z.unknown()).openapi('SunoUpstreamAnswer', {
  description: "The upstream's JSON answer, unchanged.",
  example: { code: 'success', data: 'task-id' },
});

const routeAt = (path: string) =>
  createRoute({
    method: 'post',
    path,
    tags: ['Suno generation'],
    summary: 'Generate music through a persona',
    description:
      "Checks the persona is the caller's, merges its style into `tags` (request tags first, then persona " +
      'tags not already present or negated), defaults `artist_clip_id` to its root clip and `task` to ' +
      "artist_consistency, sends the persona's upstream id as `persona_id` (creating the persona upstream " +
      'first if it has none), then forwards the JSON to PERSONAKIT_SUNO_BASE_URL + this same path with the ' +
      "operator's PERSONAKIT_SUNO_API_KEY (never the caller's key). Every clip id field (artist_clip_id, " +
      "continue_clip_id, cover_clip_id, …, at any depth) must name the caller's clip and every task_id the " +
      "caller's task (404 otherwise); other id fields are a 400. Every string value that is a URL, and every " +
      'callback field (callBackUrl, callback_url, webhook_url, notify_url…), must be a public http(s) URL (or ' +
      "allow-listed in PERSONAKIT_ALLOWED_HOSTS): 400 otherwise. The upstream's 2xx answer comes back as is " +
      "(the operator's key removed) and the task it names is recorded for GET /suno/fetch/{task_id}; " +
      'upstream 400/404/409/413/422/429 keep their status; other failures are 502, a timeout 504.',
    security: [{ bearerAuth: [] }],
    request: { body: { required: true, content: { 'application/json': { schema: GenerateBody } } } },
    responses: {
      200: {
        description: "The upstream's answer (with the upstream's 2xx status).",
        content: { 'application/json': { schema: UpstreamAnswer } },
      },
      ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422, 429, 501, 502, 504),
    },
  });

export function register(app: OpenAPIHono<AppEnv>, upstream: SunoUpstream) {
  for (const path of ['/generate', '/submit/music']) {
    app.openapi(routeAt(path), async (c) => {
      const reply = await generateWithPersona(c.get('ctx'), upstream, `/suno${path}`, c.req.valid('json'));
      return c.json(reply.body as Record<string, unknown>, reply.status as 200);
    });
  }
}
