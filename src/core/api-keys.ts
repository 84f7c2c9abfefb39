import { hash, randomBytes } from 'node:crypto';
import type { Db, Tx } from '../storage/db.ts';
import type { AccountRow, ApiKeyRow } from '../storage/schema.ts';
import { AppError } from './errors.ts';
import { newId } from './ids.ts';
import { decodeCursor, encodeCursor } from './keyset-cursor.ts';
import type { Scope } from './scopes.ts';

export { KeyCache } from './key-cache.ts';
export type { Principal } from './scopes.ts';

/** Keys look like `pk_` + 32 url-safe characters (192 bits); only their sha256 is stored. */
export const KEY_PREFIX = 'pk_';

// One-shot crypto.hash: createHash() costs ~10 µs of OpenSSL setup per call, on every request.
export const hashKey = (key: string) => hash('sha256', key, 'hex');

/** What a new key may carry besides its account; everything is optional. */
export interface KeyOptions {
  name?: string | null | undefined;
  /** null or absent: every scope. */
  scopes?: readonly Scope[] | null | undefined;
  expiresAt?: string | null | undefined;
  operator?: boolean | undefined;
  budgetRequests?: number | null | undefined;
  budgetTokens?: number | null | undefined;
}

export interface CreatedKey {
  id: string;
  accountId: string;
  accountName: string;
  key: string;
}

/** A key as listed: never its secret, only the prefix that recognises it. */
export interface KeyInfo {
  id: string;
  name: string | null;
  account_id: string;
  account_name: string;
  prefix: string;
  /** null: every scope. */
  scopes: Scope[] | null;
  operator: boolean;
  budget: { requests_per_day: number | null; tokens_per_day: number | null } | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  replaced_by: string | null;
}

export async function ensureAccount(db: Db, name: string, now = new Date()): Promise<AccountRow> {
  const existing = await db.kysely
    .selectFrom('accounts')
    .selectAll()
    .where('name', '=', name)
    .executeTakeFirst();
  if (existing) return existing;
  const row = { id: newId('acct_'), name, created_at: now.toISOString() };
  // Two processes creating the same account at once: the unique name decides, and both read the winner.
  await db.kysely
    .insertInto('accounts')
    .values(row)
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  return db.kysely.selectFrom('accounts').selectAll().where('name', '=', name).executeTakeFirstOrThrow();
}

/** A key for the account of that name, created if new (the CLI's `keys create --account NAME`). */
export async function createKey(
  db: Db,
  accountName: string,
  now = new Date(),
  options: KeyOptions = {},
): Promise<CreatedKey> {
  const account = await ensureAccount(db, accountName, now);
  const { id, key } = await insertKey(db.kysely, account.id, options, now);
  return { id, accountId: account.id, accountName: account.name, key };
}

/** A key for an existing account, by id (HTTP). */
export async function createKeyForAccount(
  db: Db,
  accountId: string,
  options: KeyOptions,
  now: Date,
): Promise<{ key: string; info: KeyInfo }> {
  const account = await db.kysely
    .selectFrom('accounts')
    .selectAll()
    .where('id', '=', accountId)
    .executeTakeFirst();
  if (!account) throw new AppError('not_found', 'Account not found');
  if (account.disabled_at) throw new AppError('conflict', 'The account is disabled');
  const { id, key } = await insertKey(db.kysely, account.id, options, now);
  return { key, info: await getKey(db, id) };
}

async function insertKey(
  db: Db['kysely'] | Tx,
  accountId: string,
  o: KeyOptions,
  now: Date,
): Promise<{ id: string; key: string }> {
  const key = KEY_PREFIX + randomBytes(24).toString('base64url');
  const id = newId('key_');
  await db
    .insertInto('api_keys')
    .values({
      id,
      account_id: accountId,
      key_hash: hashKey(key),
      prefix: key.slice(0, KEY_PREFIX.length + 6),
      created_at: now.toISOString(),
      revoked_at: null,
      name: o.name ?? null,
      scopes: o.scopes ? JSON.stringify([...new Set(o.scopes)].sort()) : null,
      expires_at: o.expiresAt ?? null,
      operator: o.operator ? 1 : 0,
      budget_requests: o.budgetRequests ?? null,
      budget_tokens: o.budgetTokens ?? null,
    })
    .execute();
  return { id, key };
}

const selectInfo = (db: Db) =>
  db.kysely
    .selectFrom('api_keys')
    .innerJoin('accounts', 'accounts.id', 'api_keys.account_id')
    .selectAll('api_keys')
    .select('accounts.name as account_name');

type InfoRow = ApiKeyRow & { account_name: string };

export function parseScopes(text: string | null): Scope[] | null {
  return text === null ? null : (JSON.parse(text) as Scope[]);
}

function toInfo(r: InfoRow): KeyInfo {
  const budgeted = r.budget_requests !== null || r.budget_tokens !== null;
  return {
    id: r.id,
    name: r.name,
    account_id: r.account_id,
    account_name: r.account_name,
    prefix: r.prefix,
    scopes: parseScopes(r.scopes),
    operator: r.operator === 1,
    budget: budgeted ? { requests_per_day: r.budget_requests, tokens_per_day: r.budget_tokens } : null,
    created_at: r.created_at,
    expires_at: r.expires_at,
    revoked_at: r.revoked_at,
    replaced_by: r.replaced_by,
  };
}

/** Every key, oldest first (the CLI's `keys list`). */
export async function listKeys(db: Db): Promise<KeyInfo[]> {
  const rows = await selectInfo(db).orderBy('api_keys.created_at').orderBy('api_keys.id').execute();
  return rows.map(toInfo);
}

/** One page of keys, newest first; of one account, or of all (operator). */
export async function listKeysPage(
  db: Db,
  q: { accountId: string | null; limit: number; cursor?: string | undefined },
): Promise<{ items: KeyInfo[]; nextCursor: string | null }> {
  let query = selectInfo(db)
    .orderBy('api_keys.created_at', 'desc')
    .orderBy('api_keys.id', 'desc')
    .limit(q.limit + 1);
  if (q.accountId !== null) query = query.where('api_keys.account_id', '=', q.accountId);
  if (q.cursor) {
    const at = decodeCursor(q.cursor);
    if (!at) throw new AppError('invalid', 'cursor: not a cursor returned by this API', { field: 'cursor' });
    query = query.where((eb) =>
      eb(eb.refTuple('api_keys.created_at', 'api_keys.id'), '<', eb.tuple(at[0], at[1])),
    );
  }
  const rows = await query.execute();
  const items = rows.slice(0, q.limit).map(toInfo);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > q.limit && last ? encodeCursor(last.created_at, last.id) : null };
}

export async function getKey(db: Db, id: string): Promise<KeyInfo> {
  const row = await selectInfo(db).where('api_keys.id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('not_found', 'API key not found');
  return toInfo(row);
}

/** The key, or undefined (callers that must not tell "missing" from "not yours" apart). */
export async function findKey(db: Db, id: string): Promise<KeyInfo | undefined> {
  const row = await selectInfo(db).where('api_keys.id', '=', id).executeTakeFirst();
  return row ? toInfo(row) : undefined;
}

/**
 * Returns false when no such key exists. Revoking twice keeps the first revocation time. The key stops
 * working at once: in other processes through the store's change signal, in this one through
 * localChange() after the commit (so no request can re-cache the key as it was before).
 */
export async function revokeKey(db: Db, id: string, now = new Date()): Promise<boolean> {
  const found = await db.kysely.transaction().execute(async (tx) => {
    const row = await tx
      .selectFrom('api_keys')
      .select(['id', 'revoked_at'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return false;
    if (!row.revoked_at) {
      await tx.updateTable('api_keys').set({ revoked_at: now.toISOString() }).where('id', '=', id).execute();
      await db.announceChange(tx, 'api_keys');
    }
    return true;
  });
  if (found) db.localChange();
  return found;
}

/** How long a rotated key keeps working unless the call says otherwise: a day, to redeploy clients. */
export const DEFAULT_GRACE_SECONDS = 86_400;
export const MAX_GRACE_SECONDS = 30 * 86_400;

/**
 * A new secret in place of a key: the new key copies the old one's account, name, scopes, operator
 * flag, budgets and expiry; the old one keeps working for `graceSeconds` (0: stops at once), and records
 * which key replaced it. A revoked or expired key cannot be rotated (409).
 */
export async function rotateKey(
  db: Db,
  id: string,
  graceSeconds: number,
  now: Date,
): Promise<{ key: string; info: KeyInfo }> {
  const newId_ = await db.kysely.transaction().execute(async (tx) => {
    const old = await tx.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    if (!old) throw new AppError('not_found', 'API key not found');
    if (old.revoked_at || (old.expires_at && Date.parse(old.expires_at) <= now.getTime()))
      throw new AppError('conflict', 'A revoked or expired key cannot be rotated');
    const created = await insertKey(
      tx,
      old.account_id,
      {
        name: old.name,
        scopes: parseScopes(old.scopes),
        expiresAt: old.expires_at,
        operator: old.operator === 1,
        budgetRequests: old.budget_requests,
        budgetTokens: old.budget_tokens,
      },
      now,
    );
    const graceEnd = new Date(now.getTime() + graceSeconds * 1000).toISOString();
    const update =
      graceSeconds === 0
        ? { revoked_at: now.toISOString(), replaced_by: created.id }
        : {
            expires_at: old.expires_at && old.expires_at < graceEnd ? old.expires_at : graceEnd,
            replaced_by: created.id,
          };
    await tx.updateTable('api_keys').set(update).where('id', '=', id).execute();
    await db.announceChange(tx, 'api_keys');
    return created;
  });
  db.localChange();
  return { key: newId_.key, info: await getKey(db, newId_.id) };
}

export async function countAccounts(db: Db): Promise<number> {
  const r = await db.kysely
    .selectFrom('accounts')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
