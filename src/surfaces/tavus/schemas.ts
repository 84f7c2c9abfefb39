import { z } from '@hono/zod-openapi';
import { idPattern } from '../../core/ids.ts';
import { Layers } from './schemas-layers.ts';

/** The Tavus persona contract (seed: Create Persona; reference: Get/List/Patch/Delete Persona). */

export const pipelineModes = ['full', 'echo'] as const;
export const MAX_NAME_CHARS = 200;

/** `system_prompt` is required unless the persona runs in echo mode. */
export const needsSystemPrompt = (d: { pipeline_mode: string; system_prompt?: string | null | undefined }) =>
  d.pipeline_mode !== 'echo' && !d.system_prompt?.trim();
export const SYSTEM_PROMPT_REQUIRED = 'is required unless pipeline_mode is echo';

const persona_name = z
  .string()
  .max(MAX_NAME_CHARS, `must be at most ${MAX_NAME_CHARS} characters`)
  .nullish()
  .openapi({ description: 'A name for the persona (shown as `name` on /v1).', example: 'Life Coach' });

/** The writable fields of a persona document: the body of create, and what a patch must leave valid. */
const documentShape = {
  persona_name,
  system_prompt: z.string().nullish().openapi({
    description: 'The system prompt used by the LLM. Required unless `pipeline_mode` is `echo`.',
    example: 'As a Life Coach, you are a dedicated professional who specializes in...',
  }),
  pipeline_mode: z.enum(pipelineModes).default('full').openapi({
    description: '`full` (default): the end-to-end pipeline. `echo`: the replica speaks the text it is sent.',
    example: 'full',
  }),
  context: z.string().nullish().openapi({
    description: 'Context used by the LLM.',
    example: 'Here are a few times that you have helped an individual make a breakthrough in...',
  }),
  default_replica_id: z.string().nullish().openapi({
    description: 'The replica used when a conversation names none.',
    example: 'rfe12d8b9597',
  }),
  document_ids: z
    .array(z.string())
    .nullish()
    .openapi({ description: 'Documents the persona can use.', example: ['d1234567890', 'd2468101214'] }),
  document_tags: z
    .array(z.string())
    .nullish()
    .openapi({ description: 'Tags of documents the persona can use.', example: ['product_info'] }),
  layers: Layers.nullish(),
};

/** Fields a client may not write: they are set by the server. */
// `attributes` is personakit's style vocabulary (set on /v1, or merged from a Suno persona's clips): shown
// here so every surface reads the same persona, changed only through /v1.
export const readOnlyFields = [
  'persona_id',
  'persona_type',
  'attributes',
  'created_at',
  'updated_at',
] as const;
export const writableFields = Object.keys(documentShape);

/** A persona document after a patch: any extra top-level field is kept as sent. */
export const PersonaDocument = z.looseObject(documentShape);
export type PersonaDocument = z.infer<typeof PersonaDocument>;

export const PersonaCreateBody = z
  .looseObject(documentShape)
  .superRefine((v, ctx) => {
    if (needsSystemPrompt(v))
      ctx.addIssue({ code: 'custom', path: ['system_prompt'], message: SYSTEM_PROMPT_REQUIRED });
  })
  .openapi('TavusPersonaCreate', {
    example: {
      persona_name: 'Life Coach',
      system_prompt: 'As a Life Coach, you are a dedicated professional who specializes in...',
      pipeline_mode: 'full',
      layers: { llm: { model: 'tavus-gpt-4o' } },
    },
  });

const persona_id = z
  .string()
  .openapi({ description: 'A unique identifier for the persona.', example: 'p3k9x0c2m4q8r1t5v7w9y2a4b6' });
const timestamp = (description: string) =>
  z.string().openapi({ description: `${description} (ISO-8601, UTC).`, example: '2026-01-01T00:00:00.000Z' });

export const PersonaCreated = z
  .object({
    persona_id,
    persona_name: z
      .string()
      .nullable()
      .openapi({ description: 'The name of the persona.', example: 'Life Coach' }),
    created_at: timestamp('When the persona was created'),
  })
  .openapi('TavusPersonaCreated');

export const PersonaSchema = z
  .looseObject({
    persona_id,
    ...documentShape,
    pipeline_mode: z.enum(pipelineModes).openapi({ description: '`full` or `echo`.', example: 'full' }),
    persona_type: z.enum(['user', 'system']).openapi({
      description: '`user` for your personas, `system` for the built-ins every account can use.',
      example: 'user',
    }),
    attributes: z.record(z.string(), z.unknown()).openapi({
      description:
        'personakit extension: the style attributes used by /v1/refine (read-only here; change them with PATCH /v1/personas/{id}).',
      example: { tone: 'warm', formality: 'casual' },
    }),
    created_at: timestamp('When the persona was created'),
    updated_at: timestamp('When the persona was last changed'),
  })
  .openapi('TavusPersona', { description: 'A persona. Secrets in `layers` read back as `********`.' });

export const PersonaOne = z
  .object({ data: z.array(PersonaSchema).openapi({ description: 'The persona, as a one-element array.' }) })
  .openapi('TavusPersonaOne');

export const PersonaList = z
  .object({
    data: z.array(PersonaSchema).openapi({ description: 'One page of personas, newest first.' }),
    total_count: z.number().int().openapi({ description: 'Personas matching the filters.', example: 12 }),
  })
  .openapi('TavusPersonaList');

export const PersonaIdParam = z.object({
  persona_id: z
    .string()
    .regex(idPattern)
    .openapi({
      param: { name: 'persona_id', in: 'path' },
      description: 'The unique identifier of the persona.',
      example: 'p3k9x0c2m4q8r1t5v7w9y2a4b6',
    }),
});

const intParam = (name: string, description: string, fallback: number, max: number) =>
  z.coerce
    .number()
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(max, `must be at most ${max}`)
    .default(fallback)
    .openapi({ param: { name, in: 'query' }, description, example: fallback });

export const ListQuery = z.object({
  limit: intParam('limit', 'Personas per page (1-100). Default 10.', 10, 100),
  page: intParam('page', 'The page, starting at 1. Default 1.', 1, 1_000_000),
  persona_type: z
    .enum(['user', 'system'])
    .default('user')
    .openapi({
      param: { name: 'persona_type', in: 'query' },
      description: '`user` (default): your personas. `system`: the built-in personas.',
      example: 'user',
    }),
});

const BadRequest = z
  .object({ error: z.string().openapi({ description: 'The error message.', example: 'Invalid persona_id' }) })
  .openapi('TavusBadRequest');

const Message = z
  .object({
    message: z.string().openapi({ description: 'The error message.', example: 'Invalid access token' }),
  })
  .openapi('TavusMessage');

const errorDescriptions: Record<number, string> = {
  400: 'Bad request: invalid persona_id or body (including a `layers.llm.base_url` that points at a private, loopback or link-local address); `error` says which field.',
  401: 'Missing or invalid API key: `{"message": "Invalid access token"}`.',
  403: 'System personas cannot be changed or deleted.',
  404: 'No such persona for this account.',
  409: 'The persona changed while the patch was being checked (a concurrent patch changed `layers.llm.base_url`); retry.',
  413: 'Request body over 1 MiB.',
  415: 'Content-Type is not JSON.',
  422: 'Invalid JSON patch format: malformed, a failing `test`, or a path that does not exist.',
  503: 'A secret must be stored but no encryption key is configured.',
};

export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      s,
      {
        description: errorDescriptions[s] ?? 'Error',
        content: { 'application/json': { schema: s === 400 ? BadRequest : Message } },
      },
    ]),
  );

const pointer = (description: string) =>
  z
    .string()
    .regex(/^(\/.*)?$/, 'must be a JSON Pointer')
    .openapi({ description, example: '/layers/llm/model' });
const path = pointer('A JSON Pointer to the place in the persona the operation works on.');
const from = pointer('A JSON Pointer to the value to move or copy.');
const value = z
  .unknown()
  .refine((v) => v !== undefined, 'is required')
  .openapi({
    description: 'The value (any JSON value), required except for `remove`.',
    example: 'tavus-gpt-4o',
  });

const opName = <T extends string>(op: T) =>
  z.literal(op).openapi({ description: 'The operation to perform.', example: op });

/** One RFC 6902 operation; every shape is checked before anything is applied. */
export const PatchOperation = z
  .discriminatedUnion('op', [
    z.object({ op: opName('add'), path, value }),
    z.object({ op: opName('remove'), path }),
    z.object({ op: opName('replace'), path, value }),
    z.object({ op: opName('move'), from, path }),
    z.object({ op: opName('copy'), from, path }),
    z.object({ op: opName('test'), path, value }),
  ])
  .openapi('TavusPatchOperation', {
    description: 'An RFC 6902 operation: `add`, `remove`, `replace`, `copy`, `move` or `test`.',
    example: { op: 'replace', path: '/layers/llm/model', value: 'tavus-gpt-4o' },
  });

export const PatchBody = z
  .array(PatchOperation)
  .max(1000, 'must have at most 1000 operations')
  .openapi('TavusPatch', {
    description: 'A JSON Patch (RFC 6902), applied all or nothing.',
    example: [
      { op: 'replace', path: '/persona_name', value: 'Wellness Advisor' },
      { op: 'remove', path: '/layers/stt/hotwords' },
    ],
  });
export type PatchBody = z.infer<typeof PatchBody>;

/** Tavus sends `x-api-key`; Bearer works as well. (Typed apart: an inline two-element literal defeats route inference.) */
export const security: Record<string, string[]>[] = [{ apiKeyAuth: [] }, { bearerAuth: [] }];
