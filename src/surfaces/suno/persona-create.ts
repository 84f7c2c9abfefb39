import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { createMusicPersona, MAX_PERSONA_CLIPS } from '../../core/music-personas.ts';
import type { SunoUpstream } from '../../core/suno-upstream.ts';
import type { AppEnv } from '../../http/env.ts';
import { clipId, errorResponses, PersonaCreatedSchema, toPersonaCreatedWire } from './schemas.ts';

/** The seed's body: all five fields required, with exactly these types. */
export const PersonaCreateBody = z
  .object({
    root_clip_id: clipId.openapi({
      description: "A generated (not uploaded), untrashed clip of the caller's account: the persona's voice.",
    }),
    name: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(200, 'must be at most 200 characters')
      .openapi({ description: 'Persona name (1–200 characters).', example: 'Persona title' }),
    description: z
      .string()
      .max(5000, 'must be at most 5000 characters')
      .openapi({ description: 'Persona description (may be empty).', example: 'Persona Description' }),
    clips: z
      .array(clipId)
      .max(MAX_PERSONA_CLIPS, `must list at most ${MAX_PERSONA_CLIPS} clips`)
      .openapi({
        description:
          'Clips of the persona, same rules as root_clip_id. root_clip_id is added first when absent; ' +
          "duplicates count once. Their tags, most frequent first, become the persona's style.",
        example: ['54834687-5e79-4f08-8e14-cf188f15b598'],
      }),
    is_public: z.boolean().openapi({
      description: 'Public personas can be read (never used or changed) by other accounts.',
      example: true,
    }),
    upstream_persona_id: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .openapi({
        description:
          'personakit extension, rarely needed: with an upstream configured, personakit creates the persona ' +
          'there and keeps its id. Set this only to reuse an upstream persona personakit created for this ' +
          'account (one of its personas has it); any other id is 404. Omit it otherwise.',
        example: 'fd213afd-ac1c-4822-9802-c1c0ea45e77b',
      }),
  })
  .openapi('SunoPersonaCreate');

const routeAt = (path: string) =>
  createRoute({
    method: 'post',
    path,
    tags: ['Suno personas'],
    summary: 'Create a persona from clips',
    description:
      "Makes a persona from existing clips of the caller's account. The clips must exist in this account " +
      '(another account\'s clip is "not found"), be generated rather than uploaded, and not be trashed. ' +
      'With PERSONAKIT_SUNO_BASE_URL set, the persona is first created at the upstream (same body, the ' +
      "operator's key) and its upstream id kept; an upstream failure creates nothing. Served with and " +
      'without the trailing slash. Use the returned `id` as `persona_id` when generating.',
    security: [{ bearerAuth: [] }],
    request: { body: { required: true, content: { 'application/json': { schema: PersonaCreateBody } } } },
    responses: {
      200: {
        description: "The persona, in the seed's shape.",
        content: { 'application/json': { schema: PersonaCreatedSchema } },
      },
      ...errorResponses(400, 401, 404, 413, 415, 422, 429, 502, 504),
    },
  });

export function register(app: OpenAPIHono<AppEnv>, upstream: SunoUpstream) {
  for (const path of ['/persona/create/', '/persona/create']) {
    app.openapi(routeAt(path), async (c) => {
      const b = c.req.valid('json');
      const mp = await createMusicPersona(
        c.get('ctx'),
        {
          rootClipId: b.root_clip_id,
          name: b.name,
          description: b.description,
          clips: b.clips,
          isPublic: b.is_public,
          upstreamPersonaId: b.upstream_persona_id,
        },
        upstream,
      );
      return c.json(toPersonaCreatedWire(mp), 200);
    });
  }
}
