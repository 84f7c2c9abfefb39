import { z } from '@hono/zod-openapi';
import { DEFAULT_GRACE_SECONDS, MAX_GRACE_SECONDS } from '../../core/api-keys.ts';
import { GRANTABLE_SCOPES, SCOPES } from '../../core/scopes.ts';
import { ErrorSchema } from '../opengiant/schemas.ts';

/** Wire shapes of /v1/keys, /v1/accounts and /v1/usage (OpenGiant-style: snake_case, `{error, message}`). */

const idParam = (name: string, example: string) =>
  z
    .string()
    .regex(/^[a-z][a-z0-9_]{1,63}$/, 'not a valid id')
    .openapi({ param: { name, in: 'path' }, example });

export const KeyIdParams = z.object({ id: idParam('id', 'key_0123456789abcdefghijklmn') });
export const AccountIdParams = z.object({ id: idParam('id', 'acct_0123456789abcdefghijklmn') });

const accountIdField = z
  .string()
  .regex(/^[a-z][a-z0-9_]{1,63}$/, 'not a valid account id')
  .optional()
  .openapi({ description: 'Operator keys only: the account to act on. Defaults to the key’s own account.' });

const isoInstant = z
  .string()
  .max(40)
  .refine((s) => Number.isFinite(Date.parse(s)), 'must be an ISO-8601 date or date-time');

export const ScopeSchema = z.enum(SCOPES).openapi('Scope', {
  description: 'What a key may do; see the scopes table in docs/operations.md.',
  example: 'refine',
});

const Budget = z
  .object({
    requests_per_day: z.number().int().min(1).nullable().openapi({ example: 10_000 }),
    tokens_per_day: z.number().int().min(1).nullable().openapi({ example: 2_000_000 }),
  })
  .openapi('KeyBudget', { description: 'Per UTC day; a spent budget answers 429 until 00:00 UTC.' });

export const KeySchema = z
  .object({
    id: z.string().openapi({ example: 'key_0123456789abcdefghijklmn' }),
    name: z.string().nullable().openapi({ example: 'production backend' }),
    account_id: z.string().openapi({ example: 'acct_0123456789abcdefghijklmn' }),
    account_name: z.string().openapi({ example: 'acme' }),
    prefix: z.string().openapi({ description: 'The first characters of the secret.', example: 'pk_Ab12Cd' }),
    scopes: z
      .array(ScopeSchema)
      .nullable()
      .openapi({ description: 'null: every scope (keys made before scopes).' }),
    operator: z
      .boolean()
      .openapi({ description: 'Manages accounts and any account’s keys.', example: false }),
    budget: Budget.nullable(),
    created_at: z.string().openapi({ example: '2026-01-01T00:00:00.000Z' }),
    expires_at: z.string().nullable().openapi({ example: null }),
    revoked_at: z.string().nullable().openapi({ example: null }),
    replaced_by: z
      .string()
      .nullable()
      .openapi({ description: 'The key a rotation made in its place.', example: null }),
  })
  .openapi('ApiKey');

export const KeyCreatedSchema = KeySchema.extend({
  key: z.string().openapi({ description: 'The secret, shown this once only.', example: 'pk_Ab12Cd…' }),
}).openapi('ApiKeyCreated');

export const KeyRotatedSchema = KeyCreatedSchema.extend({
  previous: KeySchema.openapi({ description: 'The old key, valid until its expires_at (the grace period).' }),
}).openapi('ApiKeyRotated');

export const KeyListSchema = z
  .object({ data: z.array(KeySchema), next_cursor: z.string().nullable() })
  .openapi('ApiKeyList');

export const CreateKeyBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional().openapi({ example: 'production backend' }),
    scopes: z
      .array(z.enum(GRANTABLE_SCOPES as [string, ...string[]]))
      .max(SCOPES.length)
      .optional()
      .openapi({
        description: 'Defaults to the scopes of the calling key. A key cannot grant a scope it lacks.',
        example: ['personas:read', 'refine'],
      }),
    expires_at: isoInstant
      .optional()
      .openapi({ description: 'When the key stops working.', example: '2099-01-01T00:00:00Z' }),
    account_id: accountIdField,
    budget: z
      .object({
        requests_per_day: z.number().int().min(1).max(1e12).optional(),
        tokens_per_day: z.number().int().min(1).max(1e15).optional(),
      })
      .strict()
      .optional()
      .openapi({ description: 'Optional daily budgets of metered calls (refine, chat).' }),
  })
  .strict();

export const RotateKeyBody = z
  .object({
    grace_period_seconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_GRACE_SECONDS)
      .default(DEFAULT_GRACE_SECONDS)
      .openapi({
        description: `How long the old key keeps working; 0 stops it at once. Default ${DEFAULT_GRACE_SECONDS}.`,
      }),
  })
  .strict();

const limit = z.coerce
  .number()
  .int('must be an integer')
  .min(1, 'must be at least 1')
  .max(100, 'must be at most 100')
  .default(20)
  .openapi({ param: { name: 'limit', in: 'query' }, example: 20 });
const cursor = z
  .string()
  .max(512)
  .optional()
  .openapi({ param: { name: 'cursor', in: 'query' }, description: 'next_cursor from the previous page.' });

export const ListKeysQuery = z.object({
  limit,
  cursor,
  account_id: accountIdField.openapi({ param: { name: 'account_id', in: 'query' } }),
});
export const ListAccountsQuery = z.object({ limit, cursor });

export const AccountSchema = z
  .object({
    id: z.string().openapi({ example: 'acct_0123456789abcdefghijklmn' }),
    name: z.string().openapi({ example: 'acme' }),
    created_at: z.string().openapi({ example: '2026-01-01T00:00:00.000Z' }),
    disabled_at: z
      .string()
      .nullable()
      .openapi({ description: 'Set while every key of the account is refused.' }),
  })
  .openapi('Account');
export const AccountListSchema = z
  .object({ data: z.array(AccountSchema), next_cursor: z.string().nullable() })
  .openapi('AccountList');
export const CreateAccountBody = z
  .object({ name: z.string().trim().min(1).max(200).openapi({ example: 'acme' }) })
  .strict();
export const PatchAccountBody = z
  .object({
    disabled: z.boolean().openapi({ description: 'true refuses every key of the account.', example: true }),
  })
  .strict();

export const UsageQuerySchema = z.object({
  from: isoInstant.optional().openapi({
    param: { name: 'from', in: 'query' },
    description: 'Inclusive; an ISO date or date-time. Default: 30 days before `to`.',
    example: '2026-01-01',
  }),
  to: isoInstant.optional().openapi({
    param: { name: 'to', in: 'query' },
    description: 'Exclusive; default now.',
    example: '2026-02-01',
  }),
  group_by: z
    .enum(['key', 'persona', 'model', 'day'])
    .default('day')
    .openapi({ param: { name: 'group_by', in: 'query' }, example: 'day' }),
  account_id: accountIdField.openapi({ param: { name: 'account_id', in: 'query' } }),
});

const Sums = {
  requests: z.number().int(),
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  total_tokens: z.number().int(),
  estimated_requests: z
    .number()
    .int()
    .openapi({ description: 'Calls whose tokens are estimates (local engine).' }),
  errors: z.number().int(),
  avg_latency_ms: z.number(),
};
export const UsageReportSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    group_by: z.enum(['key', 'persona', 'model', 'day']),
    data: z.array(
      z.object({
        key_id: z.string().optional(),
        persona_id: z.string().nullable().optional(),
        provider: z.string().optional(),
        model: z.string().optional(),
        day: z.string().optional(),
        ...Sums,
      }),
    ),
    totals: z.object(Sums),
    truncated: z.boolean().openapi({ description: 'More than 1000 groups: narrow the range.' }),
  })
  .openapi('UsageReport');

const errorDescriptions: Record<number, string> = {
  400: 'Invalid input; the message names the field.',
  401: 'Missing or invalid API key.',
  403: 'The key lacks the scope (or operator power) this needs.',
  404: 'No such key or account visible to this key.',
  409: 'Conflict (a name taken, a revoked key rotated, a disabled account).',
  415: 'Content-Type is not application/json.',
};

export const adminErrors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      s,
      {
        description: errorDescriptions[s] ?? 'Error',
        content: { 'application/json': { schema: ErrorSchema } },
      },
    ]),
  );
