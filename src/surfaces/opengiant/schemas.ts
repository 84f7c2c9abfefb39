import { z } from '@hono/zod-openapi';
import { idPattern } from '../../core/ids.ts';
import { isJsonObject, type Persona } from '../../core/persona.ts';
import { type AttributeWarning, attributeProblems, styleEnums } from '../../style/vocabulary.ts';

export const MAX_ATTRIBUTES_BYTES = 64 * 1024;
export const MAX_DESCRIPTION_CHARS = 10_000;

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

const describedAttributes =
  "Attributes defining the persona's characteristics. Free-form; the style keys (formality, contractions, " +
  'emoji, exclamations, spelling, vocabulary, banned_phrases, max_words, max_sentences, greeting, sign_off) ' +
  'must hold a value of their vocabulary (see the README), other keys are style-guide lines.';

const enumProperty = (values: readonly string[], description: string) => ({
  type: 'string' as const,
  enum: [...values],
  description,
});
const positive = (description: string) => ({ type: 'integer' as const, minimum: 1, description });

/** The style keys as generated clients see them (canonical forms; see styleVocabulary for all). */
const styleProperties = {
  formality: enumProperty(
    styleEnums.formality,
    'Register: slang and contractions (formal), stiff wording (casual).',
  ),
  contractions: enumProperty(
    styleEnums.contractions,
    'Contract or expand; overrides what formality implies.',
  ),
  emoji: enumProperty(styleEnums.emoji, 'none: no emoji; light: at most one.'),
  exclamations: enumProperty(styleEnums.exclamations, 'none: no "!"; light: at most one.'),
  spelling: enumProperty(styleEnums.spelling, 'British or American spelling.'),
  vocabulary: {
    type: 'object' as const,
    additionalProperties: { type: 'string' as const },
    description: 'Word → replacement, e.g. {"customer": "member"}.',
  },
  banned_phrases: {
    type: 'array' as const,
    items: { type: 'string' as const },
    description: 'Phrases removed and checked for.',
  },
  max_words: positive('Longest answer in words (greeting and sign-off not counted).'),
  max_sentences: positive('Longest answer in sentences.'),
  greeting: { type: 'string' as const, description: 'Text the answer starts with.' },
  sign_off: { type: 'string' as const, description: 'Text the answer ends with.' },
};

/**
 * A JSON object, kept as the very object that was parsed: z.record builds a new object by assignment,
 * which turned an own `__proto__` key into a prototype and dropped it. Keys such as `__proto__` and
 * `constructor` are ordinary data here, stored and read back as sent.
 */
const attributes = z
  .custom<Record<string, unknown>>(isJsonObject, { error: 'must be an object' })
  .superRefine((v, ctx) => {
    if (Buffer.byteLength(JSON.stringify(v)) > MAX_ATTRIBUTES_BYTES) {
      ctx.addIssue({
        code: 'custom',
        message: `must be at most ${MAX_ATTRIBUTES_BYTES} bytes when serialized`,
      });
      return;
    }
    for (const p of attributeProblems(v)) ctx.addIssue({ code: 'custom', path: [p.key], message: p.message });
  })
  .openapi({
    type: 'object',
    properties: styleProperties,
    additionalProperties: true,
    description: describedAttributes,
    example: { tone: 'warm', formality: 'casual', emoji: 'none' },
  });

const description = z
  .string()
  .max(MAX_DESCRIPTION_CHARS, `must be at most ${MAX_DESCRIPTION_CHARS} characters`)
  .openapi({
    description: `Free-text description of the persona (at most ${MAX_DESCRIPTION_CHARS} characters); LLM providers get it in the system prompt.`,
    example: 'Answers support tickets for the billing team.',
  });

/** Unknown top-level fields are a 400 (strict objects): a misspelled field is never silently dropped. */
export const PersonaCreateBody = z
  .strictObject({ name, description: description.optional(), attributes: attributes.default({}) })
  .openapi('PersonaCreate');

export const PersonaPatchBody = z
  .strictObject({
    name: name.optional(),
    description: description.optional(),
    attributes: attributes.optional(),
  })
  .openapi('PersonaPatch');

const Warning = z
  .object({
    field: z
      .string()
      .openapi({ description: 'The field, as a dotted path.', example: 'attributes.formalty' }),
    message: z.string().openapi({
      description: 'What looks wrong.',
      example:
        'unknown style attribute; did you mean "formality"? Stored as a free-form attribute, so no "formality" rule applies',
    }),
  })
  .openapi('PersonaWarning');

const warnings = z.array(Warning).optional().openapi({
  description:
    'Present only when something was stored but looks unintended, e.g. an attribute key one edit away from a style key.',
});

export const PersonaCreated = z
  .object({
    id: z
      .string()
      .openapi({ description: 'Unique identifier for the persona.', example: 'p3k9x0c2m4q8r1t5v7w9y2a4b6' }),
    name: z.string().openapi({ description: 'The name of the persona.', example: 'Friendly Support' }),
    attributes: z.record(z.string(), z.unknown()).openapi({ example: { tone: 'warm' } }),
    description: z.string().optional().openapi({ description: 'Present when the request set one.' }),
    warnings,
  })
  .openapi('PersonaCreated');

export const PersonaSchema = PersonaCreated.omit({ warnings: true })
  .extend({
    description: z.string().openapi({ description: 'Free-text description.', example: '' }),
    created_at: z
      .string()
      .openapi({ description: 'ISO-8601 creation time.', example: '2026-01-01T00:00:00.000Z' }),
    updated_at: z
      .string()
      .openapi({ description: 'ISO-8601 time of the last change.', example: '2026-01-01T00:00:00.000Z' }),
    version: z.number().int().openapi({ description: 'Increases on every change.', example: 1 }),
  })
  .openapi('Persona');

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

/** The seed's create answer; `description` and `warnings` only when there is something to say. */
export const created = (p: Persona, sentDescription: boolean, found: AttributeWarning[]) => ({
  id: p.id,
  name: p.name,
  attributes: p.attributes,
  ...(sentDescription ? { description: p.description } : {}),
  ...withWarnings(found),
});

export const withWarnings = (found: AttributeWarning[]) => (found.length > 0 ? { warnings: found } : {});

/** The persona after a PATCH, with warnings as on create. */
export const PersonaUpdated = PersonaSchema.extend({ warnings }).openapi('PersonaUpdated');

export const toWire = (p: Persona) => ({
  id: p.id,
  name: p.name,
  attributes: p.attributes,
  description: p.description,
  created_at: p.createdAt,
  updated_at: p.updatedAt,
  version: p.version,
});
