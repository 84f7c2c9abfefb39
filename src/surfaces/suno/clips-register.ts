import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { type ClipInput, registerClip } from '../../core/clips.ts';
import type { AppEnv } from '../../http/env.ts';
import { ClipSchema, clipId, errorResponses, toClipWire } from './schemas.ts';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048);
const optionalUrl = z.union([httpUrl, z.literal('')]).default('');

/** A clip as Suno's feed shows it, so a client can register what the upstream returned as is. */
export const ClipRegisterBody = z
  .object({
    id: clipId.optional().openapi({
      description:
        "The clip's id at the Suno upstream (so generation can refer to it there); a new UUID if omitted. " +
        'An id already registered, by this account or another, is a 409.',
    }),
    title: z.string().max(500).default('').openapi({ description: 'Title.', example: 'noks noko wane' }),
    audio_url: httpUrl.openapi({
      description: 'Audio URL. Stored as given, never fetched.',
      example: 'https://cdn1.suno.ai/54834687-5e79-4f08-8e14-cf188f15b598.mp3',
    }),
    video_url: optionalUrl.openapi({
      description: 'Video URL or "".',
      example: 'https://cdn1.suno.ai/5483.mp4',
    }),
    image_url: optionalUrl.openapi({
      description: 'Cover URL or "".',
      example: 'https://cdn2.suno.ai/image_5483.jpeg',
    }),
    image_large_url: optionalUrl.openapi({
      description: 'Large cover URL or "".',
      example: 'https://cdn2.suno.ai/image_large_5483.jpeg',
    }),
    major_model_version: z
      .string()
      .max(50)
      .default('')
      .openapi({ description: 'Model generation.', example: 'v4' }),
    model_name: z.string().max(100).default('').openapi({ description: 'Model name.', example: 'chirp-v4' }),
    metadata: z
      .object({
        tags: z.string().max(1000).default('').openapi({
          description: 'Style tags, comma-separated; they make the style of personas built on this clip.',
          example: 'electronic pop, tropical house fusion',
        }),
        prompt: z.string().max(20_000).default('').openapi({ description: 'Lyrics or prompt.', example: '' }),
        duration: z.number().min(0).nullable().optional().openapi({ description: 'Seconds.', example: 190 }),
      })
      .default({ tags: '', prompt: '' })
      .openapi({ description: 'Suno metadata. `type` is set by the route (gen or upload).' }),
    duration: z
      .number()
      .min(0)
      .optional()
      .openapi({ description: 'Seconds; used when metadata.duration is absent.', example: 190 }),
    status: z
      .enum(['submitted', 'queued', 'streaming', 'complete', 'error'])
      .default('complete')
      .openapi({ description: 'Generation status.', example: 'complete' }),
    is_public: z
      .boolean()
      .default(false)
      .openapi({ description: 'Whether the clip is public.', example: false }),
    created_at: z.iso.datetime({ offset: true }).optional().openapi({
      description: 'When it was made (ISO-8601); now if omitted.',
      example: '2024-12-23T10:34:30.144Z',
    }),
  })
  .openapi('SunoClipRegister');

export const toClipInput = (b: z.infer<typeof ClipRegisterBody>): ClipInput => ({
  id: b.id,
  title: b.title,
  audioUrl: b.audio_url,
  videoUrl: b.video_url,
  imageUrl: b.image_url,
  imageLargeUrl: b.image_large_url,
  majorModelVersion: b.major_model_version,
  modelName: b.model_name,
  tags: b.metadata.tags,
  prompt: b.metadata.prompt,
  duration: b.metadata.duration ?? b.duration ?? null,
  status: b.status,
  isPublic: b.is_public,
  createdAt: b.created_at === undefined ? undefined : new Date(b.created_at).toISOString(),
});

export const route = createRoute({
  method: 'post',
  path: '/clips',
  tags: ['Suno clips'],
  summary: 'Register a generated clip',
  description:
    'Registers a clip this account generated elsewhere (personakit does not synthesize music). Generated ' +
    'clips can make personas; uploads cannot.',
  security: [{ bearerAuth: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: ClipRegisterBody } } } },
  responses: {
    200: { description: 'The registered clip.', content: { 'application/json': { schema: ClipSchema } } },
    ...errorResponses(400, 401, 409, 413, 415),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const clip = await registerClip(c.get('ctx'), 'gen', toClipInput(c.req.valid('json')));
    return c.json(toClipWire(clip), 200);
  });
}
