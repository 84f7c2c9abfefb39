import { hash, randomBytes } from 'node:crypto';
import type { Db } from '../storage/db.ts';
import type { AccountRow } from '../storage/schema.ts';
import { BoundedCache } from './bounded-cache.ts';
import { newId } from './ids.ts';

/** Keys look like `pk_` + 32 url-safe characters (192 bits); only their sha256 is stored. */
export const KEY_PREFIX = 'pk_';

// One-shot crypto.hash: createHash() costs ~10 µs of OpenSSL setup per call, on every request.
export const hashKey = (key: string) => hash('sha256', key, 'hex');

export interface CreatedKey {
  id: string;
  accountId: string;
  accountName: string;
  key: string;
}

export interface KeyInfo {
  id: string;
  account_id: string;
  account_name: string;
  prefix: string;
  created_at: string;
  revoked_at: string | null;
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

export async function createKey(db: Db, accountName: string, now = new Date()): Promise<CreatedKey> {
  const account = await ensureAccount(db, accountName, now);
  const key = KEY_PREFIX + randomBytes(24).toString('base64url');
  const id = newId('key_');
  await db.kysely
    .insertInto('api_keys')
    .values({
      id,
      account_id: account.id,
      key_hash: hashKey(key),
      prefix: key.slice(0, KEY_PREFIX.length + 6),
      created_at: now.toISOString(),
      revoked_at: null,
    })
    .execute();
  return { id, accountId: account.id, accountName: account.name, key };
}

export async function listKeys(db: Db): Promise<KeyInfo[]> {
  return db.kysely
    .selectFrom('api_keys')
    .innerJoin('accounts', 'accounts.id', 'api_keys.account_id')
    .select([
      'api_keys.id',
      'api_keys.account_id',
      'accounts.name as account_name',
      'api_keys.prefix',
      'api_keys.created_at',
      'api_keys.revoked_at',
    ])
    .orderBy('api_keys.created_at')
    .execute();
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

export async function countAccounts(db: Db): Promise<number> {
  const r = await db.kysely
    .selectFrom('accounts')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Who is calling: the account, and which of its keys (rate limits count per key). */
export interface Principal {
  accountId: string;
  keyId: string;
}

/**
 * key hash -> principal, for the auth check on every request. Revocation from the CLI (another process)
 * reaches it through the store's external-change signal, so a revoked key fails on its next request.
 */
const KEY_CACHE_BYTES = 8 * 1024 * 1024;

export class KeyCache {
  readonly #db: Db;
  readonly #cache: BoundedCache<Principal | null>;

  constructor(db: Db, max = 10_000) {
    this.#db = db;
    // Entries are a 64-char hash and two ids: a fixed estimate is enough to bound them by bytes too.
    this.#cache = new BoundedCache(max, db.externalVersion, {
      maxBytes: KEY_CACHE_BYTES,
      sizeOf: (hash) => 2 * hash.length + 256,
    });
  }

  /** The key's principal, or null for a missing, unknown or revoked key. */
  async authenticate(key: string | undefined): Promise<Principal | null> {
    if (!key) return null;
    const hash = hashKey(key);
    const cached = this.#cache.get(hash);
    if (cached !== undefined) return cached;
    const row = await this.#db.kysely
      .selectFrom('api_keys')
      .select(['id', 'account_id', 'revoked_at'])
      .where('key_hash', '=', hash)
      .executeTakeFirst();
    const principal = row && !row.revoked_at ? { accountId: row.account_id, keyId: row.id } : null;
    // Unknown keys are cached too (bounded), so a flood of bad keys does not become a flood of queries.
    this.#cache.set(hash, principal);
    return principal;
  }

  stats(): { hits: number; misses: number } {
    return { hits: this.#cache.hits, misses: this.#cache.misses };
  }
}
