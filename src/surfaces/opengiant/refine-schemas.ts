import { z } from '@hono/zod-openapi';
import { MAX_CONTENT_CHARS } from '../../core/refine.ts';
import { PROVIDER_IDS } from '../../providers/registry.ts';
import { ErrorSchema } from './schemas.ts';

/** Printable ASCII, no spaces: every vendor key has this form, and it cannot smuggle header bytes. */
const keyForm = /^[\x21-\x7e]+$/;
const supported = PROVIDER_IDS.join(', ');

export const personaId = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .openapi({ example: 'p3k9x0c2m4q8r1t5v7w9y2a4b6' });

export const content = z
  .string()
  .min(1, 'must not be empty')
  .openapi({ example: 'Hello customer! We have received your request and will process it ASAP!!' });

/** Strict: a misspelled field (`enforced`, `api_key`) is a 400, not silently ignored. */
export const RefineBody = z
  .strictObject({
    provider: z
      .enum(PROVIDER_IDS, {
        error: (issue) =>
          issue.input === undefined ? 'is required' : `unknown provider; supported: ${supported}`,
      })
      .openapi({
        description:
          'The AI provider. `local` is the built-in rule engine (no key, no network); ' +
          '`openai-compatible` is any OpenAI-compatible server at `baseUrl` (vLLM, Ollama, LM Studio…).',
        example: 'openai',
      }),
    providerApiKey: z
      .string()
      .min(1, 'must not be empty')
      .max(1024, 'must be at most 1024 characters')
      .regex(keyForm, 'must be printable ASCII without spaces')
      .optional()
      .openapi({
        description:
          'API key for the selected provider; required except for `local`. Used for this one call only: never stored, logged or echoed.',
        example: 'sk-...',
      }),
    personaId: personaId.openapi({ description: 'ID of the persona to use for refining.' }),
    personaVersion: z
      .number()
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(Number.MAX_SAFE_INTEGER, 'must be a safe integer')
      .optional()
      .openapi({
        description:
          "Pin a version of the persona (see GET /v1/personas/{id}/versions): later edits don't change the " +
          'answer. The latest version when absent; an unknown or pruned version is a 404.',
        example: 3,
      }),
    content: content.openapi({
      description: `The raw AI-generated content to refine, at most ${MAX_CONTENT_CHARS} characters (longer: 413).`,
    }),
    model: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(200, 'must be at most 200 characters')
      .optional()
      .openapi({
        description: "The provider's model; each provider has a documented default (see the README).",
        example: 'gpt-6.1-terra',
      }),
    temperature: z.number().min(0, 'must be at least 0').max(2, 'must be at most 2').optional().openapi({
      description:
        'Sampling temperature, passed through. Several current models reject it; omit it for them.',
      example: 0.3,
    }),
    maxTokens: z
      .number()
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(1_000_000, 'must be at most 1000000')
      .optional()
      .openapi({ description: 'Upper bound on the tokens the provider may generate.', example: 2048 }),
    stream: z
      .boolean()
      .default(false)
      .openapi({
        description:
          'Answer as text/event-stream: `delta` events ({"text"}), then one `done` event (the JSON response) ' +
          'or one `error` event ({"error", "message"}).',
        example: false,
      }),
    baseUrl: z
      .string()
      .max(2048, 'must be at most 2048 characters')
      .optional()
      .openapi({
        description:
          "Base URL of the provider's API (required for `openai-compatible`). Private and loopback " +
          'addresses are refused unless the operator allow-lists them (PERSONAKIT_ALLOWED_HOSTS).',
        example: 'https://llm.example.com/v1',
      }),
    enforce: z
      .boolean()
      .default(false)
      .openapi({
        description:
          "Repair the provider's output with the local rule engine before the checks. With `stream`, deltas " +
          'are the raw output and `done.response` is the repaired text.',
        example: false,
      }),
  })
  .openapi('RefineRequest');

const Usage = z
  .object({
    inputTokens: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Prompt tokens; null if not reported.', example: 412 }),
    outputTokens: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Generated tokens; null if not reported.', example: 96 }),
  })
  .openapi('RefineUsage');

export const Check = z
  .object({
    rule: z.string().openapi({ description: 'The persona rule checked.', example: 'emoji' }),
    passed: z.boolean().nullable().openapi({
      description:
        'Whether the rule holds; null when the check cannot decide (formality on a text with no prose).',
      example: true,
    }),
    detail: z.string().openapi({ description: 'What was found.', example: 'no emoji' }),
  })
  .openapi('StyleCheck');

export const RefineResponse = z
  .object({
    response: z
      .string()
      .openapi({ description: 'The refined AI response.', example: 'Hello. We received your request.' }),
    provider: z.string().openapi({ description: 'The provider that answered.', example: 'openai' }),
    model: z.string().openapi({
      description: 'The model that answered, as the provider named it.',
      example: 'gpt-6.1-terra',
    }),
    usage: Usage,
    checks: z.array(Check).openapi({ description: "The persona's hard rules, verified on `response`." }),
  })
  .openapi('RefineResponse');

export const RefineEvents = z.string().openapi({
  description:
    'Server-sent events: `event: delta` with data {"text": "..."} (repeated), then exactly one `event: done` ' +
    'with the RefineResponse JSON, or one `event: error` with {"error": <status>, "message": "..."}.',
  example: 'event: delta\ndata: {"text":"Hello."}\n\nevent: done\ndata: {"response":"Hello.",...}\n\n',
});

const described = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorSchema } },
});

export const refineErrorResponses = {
  400: described('Invalid input (the message names the field), unknown provider, refused baseUrl.'),
  401: described('Missing or invalid personakit key, or the provider rejected providerApiKey.'),
  404: described('No such persona (or persona version) for this account.'),
  413: described(`content over ${MAX_CONTENT_CHARS} characters, or body over 1 MiB.`),
  415: described('Content-Type is not application/json.'),
  429: described("The provider's rate limit; retry-after is passed on."),
  502: described('The provider failed, answered malformed data, or its stream broke off.'),
  504: described('The provider did not answer within PERSONAKIT_UPSTREAM_TIMEOUT_MS.'),
};
