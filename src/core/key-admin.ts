import {
  createKeyForAccount,
  findKey,
  type KeyInfo,
  type KeyOptions,
  listKeysPage,
  revokeKey,
  rotateKey,
} from './api-keys.ts';
import type { Ctx } from './context.ts';
import { AppError } from './errors.ts';
import { GRANTABLE_SCOPES, type Principal, type Scope } from './scopes.ts';

/**
 * Who may manage which key (HTTP /v1/keys). An operator key manages any account's keys; an account's
 * key with the `keys` scope manages its own account's keys only, cannot grant a scope it lacks, and
 * cannot touch a key that holds more than it does (an operator key, or a wider one), so no key can
 * climb to more power than it has. Another account's key reads as "not found", never "forbidden".
 */

const principalOf = (ctx: Ctx): Principal => {
  if (!ctx.principal) throw new AppError('unauthorized', 'Missing or invalid API key');
  return ctx.principal;
};

/** The account a call acts on: the caller's own, or (operators only) the one it names. */
function targetAccount(p: Principal, requested: string | undefined): string {
  if (requested !== undefined && requested !== p.accountId) {
    if (!p.operator)
      throw new AppError('forbidden', 'account_id: only an operator key manages other accounts');
    return requested;
  }
  if (p.accountId === '')
    throw new AppError('invalid', 'account_id: required with the operator key', { field: 'account_id' });
  return p.accountId;
}

/** Whether the caller holds every scope of a key (a full-access key, scopes null, needs full access). */
function holdsAll(p: Principal, scopes: readonly Scope[] | null): boolean {
  if (p.operator || p.scopes === null) return true;
  if (scopes === null) return false;
  return scopes.every((s) => p.scopes?.has(s));
}

export interface CreateKeyInput {
  accountId?: string | undefined;
  name?: string | undefined;
  scopes?: Scope[] | undefined;
  expiresAt?: string | undefined;
  budgetRequests?: number | undefined;
  budgetTokens?: number | undefined;
}

export async function createKeyAs(ctx: Ctx, input: CreateKeyInput): Promise<{ key: string; info: KeyInfo }> {
  const p = principalOf(ctx);
  const accountId = targetAccount(p, input.accountId);
  // Without a list the new key gets what its maker holds (all of it for operators and full-access keys).
  let scopes: Scope[] | null =
    input.scopes ?? (p.operator || p.scopes === null ? null : [...p.scopes].filter((s) => s !== 'accounts'));
  if (scopes) {
    for (const s of scopes) {
      if (!GRANTABLE_SCOPES.includes(s))
        throw new AppError('invalid', `scopes: '${s}' cannot be granted`, { field: 'scopes' });
      if (!p.operator && p.scopes !== null && !p.scopes.has(s))
        throw new AppError('forbidden', `scopes: this key cannot grant '${s}', which it does not hold`);
    }
    scopes = [...new Set(scopes)];
  }
  if (input.expiresAt !== undefined && Date.parse(input.expiresAt) <= ctx.now().getTime())
    throw new AppError('invalid', 'expires_at: must be in the future', { field: 'expires_at' });
  const options: KeyOptions = {
    name: input.name ?? null,
    scopes,
    expiresAt: input.expiresAt === undefined ? null : new Date(input.expiresAt).toISOString(),
    budgetRequests: input.budgetRequests ?? null,
    budgetTokens: input.budgetTokens ?? null,
  };
  return createKeyForAccount(ctx.db, accountId, options, ctx.now());
}

export async function listKeysAs(
  ctx: Ctx,
  q: { accountId?: string | undefined; limit: number; cursor?: string | undefined },
) {
  const p = principalOf(ctx);
  // An operator without account_id sees every account's keys.
  const accountId = p.operator && q.accountId === undefined ? null : targetAccount(p, q.accountId);
  return listKeysPage(ctx.db, { accountId, limit: q.limit, cursor: q.cursor });
}

/** The key if the caller may see it; else not found (whether it exists elsewhere or not at all). */
export async function getKeyAs(ctx: Ctx, id: string): Promise<KeyInfo> {
  const p = principalOf(ctx);
  const key = await findKey(ctx.db, id);
  if (!key || (!p.operator && key.account_id !== p.accountId))
    throw new AppError('not_found', 'API key not found');
  return key;
}

/** A key the caller may also change: not an operator key and no wider than the caller (unless operator). */
async function manageable(ctx: Ctx, id: string): Promise<KeyInfo> {
  const p = principalOf(ctx);
  const key = await getKeyAs(ctx, id);
  if (!p.operator && (key.operator || !holdsAll(p, key.scopes)))
    throw new AppError('forbidden', 'This key holds scopes (or operator power) that the calling key lacks');
  return key;
}

export async function revokeKeyAs(ctx: Ctx, id: string): Promise<KeyInfo> {
  await manageable(ctx, id);
  await revokeKey(ctx.db, id, ctx.now());
  return getKeyAs(ctx, id);
}

export async function rotateKeyAs(
  ctx: Ctx,
  id: string,
  graceSeconds: number,
): Promise<{ key: string; info: KeyInfo; previous: KeyInfo }> {
  await manageable(ctx, id);
  const rotated = await rotateKey(ctx.db, id, graceSeconds, ctx.now());
  return { ...rotated, previous: await getKeyAs(ctx, id) };
}
