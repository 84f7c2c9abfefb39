import { z } from '@hono/zod-openapi';
import { idPattern } from '../../core/ids.ts';
import type { Persona } from '../../core/persona.ts';

export const MAX_ATTRIBUTES_BYTES = 64 * 1024;

export const ErrorSchema = z
  .object({
    error: z.number().int().openapi({ description: 'The HTTP status code.', example: 404 }),
    message: z.string().openapi({ description: 'What went wrong.', example: 'Persona not found' }),
  })
  .openapi('Error');

const name = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .openapi({ description: 'The name of the persona (1–200 characters).', example: 'Friendly Support' });

const attributes = z
  .record(z.string(), z.unknown())
  .refine((v) => Buffer.byteLength(JSON.stringify(v)) <= MAX_ATTRIBUTES_BYTES, {
    message: `must be at most ${MAX_ATTRIBUTES_BYTES} bytes when serialized`,
  })
  .openapi({
    description:
      "Attributes defining the persona's characteristics. Free-form; keys such as tone, formality, emoji, " +
      'vocabulary and max_words have meaning to refine (see the README).',
    example: { tone: 'warm', formality: 'casual', emoji: 'none' },
  });

export const PersonaCreateBody = z
  .object({ name, attributes: attributes.default({}) })
  .openapi('PersonaCreate');

export const PersonaPatchBody = z
  .object({ name: name.optional(), attributes: attributes.optional() })
  .openapi('PersonaPatch');

export const PersonaCreated = z
  .object({
    id: z
      .string()
      .openapi({ description: 'Unique identifier for the persona.', example: 'p3k9x0c2m4q8r1t5v7w9y2a4b6' }),
    name: z.string().openapi({ description: 'The name of the persona.', example: 'Friendly Support' }),
    attributes: z.record(z.string(), z.unknown()).openapi({ example: { tone: 'warm' } }),
  })
  .openapi('PersonaCreated');

export const PersonaSchema = PersonaCreated.extend({
  description: z.string().openapi({ description: 'Free-text description.', example: '' }),
  created_at: z
    .string()
    .openapi({ description: 'ISO-8601 creation time.', example: '2026-01-01T00:00:00.000Z' }),
  updated_at: z
    .string()
    .openapi({ description: 'ISO-8601 time of the last change.', example: '2026-01-01T00:00:00.000Z' }),
  version: z.number().int().openapi({ description: 'Increases on every change.', example: 1 }),
}).openapi('Persona');

export const PersonaList = z
  .object({
    data: z.array(PersonaSchema),
    next_cursor: z.string().nullable().openapi({
      description: 'Pass as `cursor` to get the next page; null on the last page.',
      example: null,
    }),
  })
  .openapi('PersonaList');

export const PersonaIdParam = z.object({
  id: z
    .string()
    .regex(idPattern, 'is not a valid persona id')
    .openapi({ param: { name: 'id', in: 'path' }, example: 'p3k9x0c2m4q8r1t5v7w9y2a4b6' }),
});

export const ListQuery = z.object({
  limit: z.coerce
    .number()
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(100, 'must be at most 100')
    .default(20)
    .openapi({ param: { name: 'limit', in: 'query' }, example: 20 }),
  cursor: z
    .string()
    .max(512)
    .optional()
    .openapi({ param: { name: 'cursor', in: 'query' }, description: 'next_cursor from the previous page.' }),
});

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

const errorDescriptions: Record<number, string> = {
  400: 'Invalid input; the message names the field.',
  401: 'Missing or invalid API key.',
  403: 'The persona cannot be changed (system persona).',
  404: 'No such persona for this account.',
  413: 'Request body over 1 MiB.',
  415: 'Content-Type is not application/json.',
};

export const created = (p: Persona) => ({ id: p.id, name: p.name, attributes: p.attributes });

export const toWire = (p: Persona) => ({
  id: p.id,
  name: p.name,
  attributes: p.attributes,
  description: p.description,
  created_at: p.createdAt,
  updated_at: p.updatedAt,
  version: p.version,
});
