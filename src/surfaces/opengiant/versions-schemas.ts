import { z } from '@hono/zod-openapi';
import { type PersonaVersion, type VersionSummary, versionFields } from '../../core/persona-versions.ts';
import { PersonaIdParam } from './schemas.ts';

/** The version number in a path: a positive integer (a number that is not one is a 400 naming it). */
const versionNumber = (name: string, description: string) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(Number.MAX_SAFE_INTEGER, 'must be a safe integer')
    .openapi({ param: { name, in: 'path' }, description, example: 2 });

export const VersionParams = PersonaIdParam.extend({
  version: versionNumber('version', "The version number (the persona's `version` when it was made)."),
});

export const DiffQuery = z.object({
  from: z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(0, 'must be at least 0')
    .max(Number.MAX_SAFE_INTEGER, 'must be a safe integer')
    .optional()
    .openapi({
      param: { name: 'from', in: 'query' },
      description:
        'The version to diff from; the one before `version` when absent. 0 is the nothing before version 1.',
      example: 1,
    }),
});

const meta = {
  persona_id: z.string().openapi({ description: 'The persona.', example: 'p3k9x0c2m4q8r1t5v7w9y2a4b6' }),
  version: z
    .number()
    .int()
    .openapi({ description: 'The version number, from 1, strictly increasing.', example: 2 }),
  created_at: z
    .string()
    .openapi({ description: 'ISO-8601 time the version was made.', example: '2026-01-01T00:00:00.000Z' }),
  key_id: z
    .string()
    .nullable()
    .openapi({
      description:
        'Id of the API key that made the change; null when none did (system personas, and states recorded ' +
        'for personas that predate versions).',
      example: 'k3k9x0c2m4q8r1t5v7w9y2a4b6',
    }),
  restored_from: z.number().int().nullable().openapi({
    description: 'For a version made by a restore, the version it copies; null otherwise.',
    example: null,
  }),
};

export const VersionSummarySchema = z.object(meta).openapi('PersonaVersionSummary');

const VersionFieldsSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    attributes: z.record(z.string(), z.unknown()),
    system_prompt: z.string().nullable(),
    context: z.string().nullable(),
    pipeline_mode: z.string(),
    default_replica_id: z.string().nullable(),
    document_ids: z.array(z.string()),
    document_tags: z.array(z.string()),
    layers: z.record(z.string(), z.unknown()).openapi({ description: 'Tavus layers; secrets never shown.' }),
    card: z.record(z.string(), z.unknown()).nullable().openapi({ description: 'Character-card fields.' }),
  })
  .openapi('PersonaVersionFields', {
    description:
      'Every field of the persona at this version, whichever surface set it (secrets stay encrypted and are ' +
      'not shown).',
  });

export const VersionSchema = z.object({ ...meta, persona: VersionFieldsSchema }).openapi('PersonaVersion');

export const VersionList = z
  .object({
    data: z.array(VersionSummarySchema),
    next_cursor: z.string().nullable().openapi({
      description: 'Pass as `cursor` to get the next (older) page; null on the last page.',
      example: null,
    }),
  })
  .openapi('PersonaVersionList');

const PatchOperation = z
  .object({
    op: z.string().openapi({ description: '`add`, `remove` or `replace`.', example: 'replace' }),
    path: z.string().openapi({ description: 'JSON Pointer into the version fields.', example: '/name' }),
    value: z.unknown().optional().openapi({ example: 'Friendlier Support' }),
  })
  .openapi('JsonPatchOperation');

export const VersionDiff = z
  .object({
    persona_id: meta.persona_id,
    from: z.number().int().openapi({ example: 1 }),
    to: z.number().int().openapi({ example: 2 }),
    patch: z.array(PatchOperation).openapi({
      description: 'RFC 6902 JSON Patch turning the `persona` of version `from` into that of version `to`.',
    }),
  })
  .openapi('PersonaVersionDiff');

export const summaryWire = (v: VersionSummary) => ({
  persona_id: v.personaId,
  version: v.version,
  created_at: v.createdAt,
  key_id: v.keyId,
  restored_from: v.restoredFrom,
});

export const versionWire = (v: PersonaVersion) => ({ ...summaryWire(v), persona: versionFields(v.persona) });
