import type { Db } from '../storage/db.ts';
import { hashKey, parseScopes } from './api-keys.ts';
import { BoundedCache } from './bounded-cache.ts';
import type { Principal, Scope } from './scopes.ts';

/**
 * key hash -> principal, for the auth check on every request. Revocation, rotation, account disabling
 * (by HTTP on any instance, or the CLI) reach it through the store's external-change signal, so such a
 * key fails on its next request everywhere. Expiry is checked on every use against the clock.
 */
const KEY_CACHE_BYTES = 8 * 1024 * 1024;

export interface KeyCacheOptions {
  max?: number;
  /** PERSONAKIT_ADMIN_KEY: the operator's key, which belongs to no account. */
  adminKey?: string | undefined;
  /** Epoch ms; tests inject a clock to cross an expiry. */
  now?: () => number;
}

/** What the environment's operator key may do: manage accounts and keys, and read usage. */
const ADMIN_SCOPES: ReadonlySet<Scope> = new Set<Scope>(['keys', 'usage']);

export class KeyCache {
  readonly #db: Db;
  readonly #cache: BoundedCache<Principal | null>;
  readonly #adminHash: string | undefined;
  readonly #now: () => number;

  constructor(db: Db, options: KeyCacheOptions = {}) {
    this.#db = db;
    this.#adminHash = options.adminKey ? hashKey(options.adminKey) : undefined;
    this.#now = options.now ?? Date.now;
    // Entries are a hash, two ids and a few small fields: a fixed estimate bounds them by bytes too.
    this.#cache = new BoundedCache(options.max ?? 10_000, db.externalVersion, {
      maxBytes: KEY_CACHE_BYTES,
      sizeOf: (hash) => 2 * hash.length + 512,
    });
  }

  /** The key's principal, or null for a missing, unknown, revoked or expired key (or disabled account). */
  async authenticate(key: string | undefined): Promise<Principal | null> {
    if (!key) return null;
    const hash = hashKey(key);
    let principal = this.#cache.get(hash);
    if (principal === undefined) {
      principal = hash === this.#adminHash ? adminPrincipal : await this.#load(hash);
      // Unknown keys are cached too (bounded), so a flood of bad keys does not become a flood of queries.
      this.#cache.set(hash, principal);
    }
    if (principal?.expiresAt != null && this.#now() >= principal.expiresAt) return null;
    return principal;
  }

  async #load(hash: string): Promise<Principal | null> {
    const row = await this.#db.kysely
      .selectFrom('api_keys')
      .innerJoin('accounts', 'accounts.id', 'api_keys.account_id')
      .select([
        'api_keys.id',
        'api_keys.account_id',
        'api_keys.revoked_at',
        'api_keys.scopes',
        'api_keys.operator',
        'api_keys.expires_at',
        'api_keys.budget_requests',
        'api_keys.budget_tokens',
        'accounts.disabled_at',
      ])
      .where('api_keys.key_hash', '=', hash)
      .executeTakeFirst();
    if (!row || row.revoked_at || row.disabled_at) return null;
    const scopes = parseScopes(row.scopes);
    const budgeted = row.budget_requests !== null || row.budget_tokens !== null;
    return {
      accountId: row.account_id,
      keyId: row.id,
      scopes: scopes === null ? null : new Set(scopes),
      operator: row.operator === 1,
      expiresAt: row.expires_at ? Date.parse(row.expires_at) : null,
      budget: budgeted ? { requests: row.budget_requests, tokens: row.budget_tokens } : null,
    };
  }
  /** Lookups answered from memory and missed since start (metrics: personakit_cache_hits / _misses). */
  stats(): { hits: number; misses: number } {
    return { hits: this.#cache.hits, misses: this.#cache.misses };
  }
}

const adminPrincipal: Principal = {
  accountId: '',
  keyId: 'admin',
  scopes: ADMIN_SCOPES,
  operator: true,
  expiresAt: null,
  budget: null,
};
