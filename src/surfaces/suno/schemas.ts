import { z } from '@hono/zod-openapi';
import { type Clip, clipIdPattern } from '../../core/clips.ts';
import { idPattern } from '../../core/ids.ts';
import type { MusicPersona } from '../../core/music-personas.ts';

/** Wire shapes of /suno shared by several routes: the error body, the clip and the persona. */

export const ErrorSchema = z
  .object({
    code: z.number().int().openapi({ description: 'The HTTP status code.', example: 404 }),
    msg: z
      .string()
      .openapi({ description: 'What went wrong.', example: 'root_clip_id: clip 5b1c… not found' }),
    error: z.string().openapi({
      description:
        'Machine-readable reason: invalid, unauthorized, forbidden, not_found, conflict, payload_too_large, ' +
        'unsupported_media_type, unprocessable, rate_limited, internal, not_implemented, upstream_failed, ' +
        'upstream_timeout.',
      example: 'not_found',
    }),
    field: z.string().optional().openapi({
      description: 'The request field at fault, as a dotted path, when there is one.',
      example: 'clips.0',
    }),
  })
  .openapi('SunoError');

const errorDescriptions: Record<number, string> = {
  400: 'Invalid input; `field` names the field.',
  401: 'Missing or invalid API key.',
  403: "Another account's public persona: it can be read, not used or changed.",
  404: "Not found for this account (another account's non-public item looks exactly like a missing one).",
  409: 'A clip with this id is already registered (in this account or another: a clip id belongs to one account).',
  413: 'Request body over 1 MiB.',
  415: 'Content-Type is not application/json.',
  422: 'The Suno upstream refused the request as unprocessable.',
  429: 'The Suno upstream is rate limiting; see retry-after.',
  501: 'No Suno upstream configured (PERSONAKIT_SUNO_BASE_URL, PERSONAKIT_SUNO_API_KEY).',
  502: 'The Suno upstream failed, was unreachable, answered malformed JSON or refused the operator key.',
  504: 'The Suno upstream did not answer within PERSONAKIT_UPSTREAM_TIMEOUT_MS.',
};

export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      s,
      {
        description: errorDescriptions[s] ?? 'Error',
        content: { 'application/json': { schema: ErrorSchema } },
      },
    ]),
  );

export const clipId = z
  .string()
  .regex(clipIdPattern, 'is not a valid clip id')
  .openapi({ description: 'A clip id.', example: '54834687-5e79-4f08-8e14-cf188f15b598' });

export const personaId = z.string().regex(idPattern, 'is not a valid persona id').openapi({
  description: 'A persona id (the `id` returned on creation).',
  example: 'p3k9x0c2m4q8r1t5v7w9y2a4b6',
});

const str = (description: string, example: string | number | boolean) => ({ description, example }) as const;

export const ClipMetadataSchema = z
  .object({
    tags: z.string().openapi(str('Style tags, comma-separated.', 'electronic pop, tropical house fusion')),
    prompt: z.string().openapi(str('Lyrics or prompt the clip was made from.', '')),
    type: z.enum(['gen', 'upload']).openapi(str('`gen` for generated clips, `upload` for uploads.', 'gen')),
    duration: z.number().nullable().openapi(str('Length in seconds; null when not given.', 190)),
    refund_credits: z.boolean().openapi(str('Always false (personakit bills nothing).', false)),
    stream: z.boolean().openapi(str('Always true.', true)),
  })
  .openapi('SunoClipMetadata');

export const ClipSchema = z
  .object({
    id: clipId,
    video_url: z
      .string()
      .openapi(str('Video URL as registered ("" if none).', 'https://cdn1.suno.ai/5483.mp4')),
    audio_url: z.string().openapi(str('Audio URL as registered.', 'https://cdn1.suno.ai/5483.mp3')),
    image_url: z
      .string()
      .openapi(str('Cover image URL ("" if none).', 'https://cdn2.suno.ai/image_5483.jpeg')),
    image_large_url: z
      .string()
      .openapi(str('Large cover image URL ("" if none).', 'https://cdn2.suno.ai/image_large_5483.jpeg')),
    major_model_version: z.string().openapi(str('Model generation, e.g. v4.', 'v4')),
    model_name: z.string().openapi(str('Model name.', 'chirp-v4')),
    metadata: ClipMetadataSchema,
    is_liked: z.boolean().openapi(str('Always false.', false)),
    user_id: z.string().openapi(str('The owning account id.', 'acct_0k3j5h7g9f1d3s5a7p9o1i3u5y')),
    display_name: z.string().openapi(str("The owning account's name.", 'studio')),
    handle: z.string().openapi(str('The account name, lowercase alphanumerics.', 'studio')),
    is_handle_updated: z.boolean().openapi(str('Always false.', false)),
    avatar_image_url: z.string().openapi(str('Always "" (accounts have no avatar).', '')),
    is_trashed: z.boolean().openapi(str('True once DELETE /suno/clips/{id} trashed it.', false)),
    created_at: z.string().openapi(str('ISO-8601 creation time.', '2024-12-23T10:34:30.144Z')),
    status: z.string().openapi(str('Generation status as registered.', 'complete')),
    title: z.string().openapi(str('Title.', 'noks noko wane')),
    play_count: z.number().int().openapi(str('Always 0.', 0)),
    upvote_count: z.number().int().openapi(str('Always 0.', 0)),
    is_public: z.boolean().openapi(str('Whether the clip was registered as public.', false)),
  })
  .openapi('SunoClip');

export const toClipWire = (c: Clip) => ({
  id: c.id,
  video_url: c.videoUrl,
  audio_url: c.audioUrl,
  image_url: c.imageUrl,
  image_large_url: c.imageLargeUrl,
  major_model_version: c.majorModelVersion,
  model_name: c.modelName,
  metadata: {
    tags: c.tags,
    prompt: c.prompt,
    type: c.type,
    duration: c.duration,
    refund_credits: false,
    stream: true,
  },
  is_liked: false,
  user_id: c.owner.accountId,
  display_name: c.owner.displayName,
  handle: c.owner.handle,
  is_handle_updated: false,
  avatar_image_url: c.owner.imageUrl,
  is_trashed: c.isTrashed,
  created_at: c.createdAt,
  status: c.status,
  title: c.title,
  play_count: 0,
  upvote_count: 0,
  is_public: c.isPublic,
});

/** Exactly the fields, in the order, of the seed's POST /suno/persona/create/ response. */
export const PersonaCreatedSchema = z
  .object({
    id: personaId.openapi({ description: 'The persona id: pass it as `persona_id` when generating.' }),
    name: z.string().openapi(str('Name.', 'Persona title')),
    description: z.string().openapi(str('Description.', 'Persona Description')),
    root_clip_id: clipId,
    clip: ClipSchema.openapi({ description: 'The root clip.' }),
    user_display_name: z.string().openapi(str("The owning account's name.", 'studio')),
    user_handle: z.string().openapi(str("The owning account's handle.", 'studio')),
    user_image_url: z.string().openapi(str('Always "".', '')),
    persona_clips: z.array(
      z.object({
        clip: ClipSchema,
        id: z.number().int().openapi(str("The clip's 1-based position in the persona.", 1)),
      }),
    ),
  })
  .openapi('SunoPersonaCreated');

export const PersonaSchema = PersonaCreatedSchema.extend({
  is_public: z.boolean().openapi(str('Readable by every account (usable only by its own).', true)),
  upstream_persona_id: z
    .string()
    .nullable()
    .openapi(
      str(
        "The same persona's id at the Suno upstream (created there by personakit), sent there as persona_id; " +
          "null if none yet, and always null on another account's public persona.",
        '',
      ),
    ),
  created_at: z.string().openapi(str('ISO-8601 creation time.', '2026-01-01T00:00:00.000Z')),
}).openapi('SunoPersona');

export const toPersonaCreatedWire = (mp: MusicPersona) => ({
  id: mp.persona.id,
  name: mp.persona.name,
  description: mp.persona.description,
  root_clip_id: mp.rootClipId,
  clip: toClipWire(mp.rootClip),
  user_display_name: mp.owner.displayName,
  user_handle: mp.owner.handle,
  user_image_url: mp.owner.imageUrl,
  persona_clips: mp.clips.map((pc) => ({ clip: toClipWire(pc.clip), id: pc.position })),
});

export const toPersonaWire = (mp: MusicPersona) => ({
  ...toPersonaCreatedWire(mp),
  is_public: mp.isPublic,
  upstream_persona_id: mp.upstreamPersonaId,
  created_at: mp.persona.createdAt,
});

export const PersonaIdParam = z.object({
  id: personaId.openapi({ param: { name: 'id', in: 'path' } }),
});
