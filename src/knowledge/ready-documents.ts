import { BoundedCache } from '../core/bounded-cache.ts';
import type { Db } from '../storage/db.ts';
import { parseStrings } from './document-wire.ts';

/**
 * The account's `ready` documents (id, name, tags), cached per process: every search resolves its scope
 * (ids, tags, the persona's own) against this list, and reading it from the store on each chat turn cost
 * more than the search itself (1,000 documents: ~0.5 ms of rows and JSON tag parsing per turn, measured
 * in bench/chat.ts). A scope resolved once is kept with the list, so the same persona's next turn gets
 * the very same id array (memory-index.ts then reuses its document filter too).
 *
 * Freshness: an entry remembers the account's local write generation it was read at; every write that
 * can change the list (a document becoming ready or leaving it, renamed, retagged, deleted) calls
 * noteDocumentsWrite after its commit, and announces 'documents' in its transaction so other instances'
 * Db.externalVersion moves, which empties the cache (as the persona and key caches do).
 */

export interface ReadyDocument {
  id: string;
  name: string;
  tags: readonly string[];
}

export interface ScopeRequest {
  ids: ReadonlySet<string>;
  tags: ReadonlySet<string>;
  /** False: no ids, tags or persona were named, so every ready document is in scope. */
  scoped: boolean;
}

interface Entry {
  generation: number;
  docs: ReadyDocument[];
  names: Map<string, string>;
  /** Resolved scopes by their key, so a repeated scope returns the same array. */
  scopes: Map<string, string[]>;
}

const MAX_ACCOUNTS = 1_000;
const MAX_BYTES = 32 * 1024 * 1024;
/** Scopes kept per account: a few personas' worth; more are resolved again, not kept. */
const MAX_SCOPES = 64;

interface PerDb {
  cache: BoundedCache<Entry>;
  generations: Map<string, number>;
}

const perDb = new WeakMap<Db, PerDb>();

function stateOf(db: Db): PerDb {
  let s = perDb.get(db);
  if (!s) {
    s = {
      cache: new BoundedCache<Entry>(MAX_ACCOUNTS, db.externalVersion, {
        maxBytes: MAX_BYTES,
        sizeOf: (_k, e) =>
          e.docs.reduce((n, d) => n + 96 + 2 * (d.id.length + d.name.length) + 40 * d.tags.length, 64),
      }),
      generations: new Map(),
    };
    perDb.set(db, s);
  }
  return s;
}

/** After a committed write that may change the account's ready documents (see above). */
export function noteDocumentsWrite(db: Db, accountId: string): void {
  const s = stateOf(db);
  s.cache.delete(accountId);
  // Bounded: forgetting a generation only costs a cache miss (0 then reads again from the store).
  if (s.generations.size >= 100_000) s.generations.clear();
  s.generations.set(accountId, (s.generations.get(accountId) ?? 0) + 1);
}

async function entryOf(db: Db, accountId: string): Promise<Entry> {
  const s = stateOf(db);
  const generation = s.generations.get(accountId) ?? 0;
  const held = s.cache.get(accountId);
  if (held && held.generation === generation) return held;
  const rows = await db.kysely
    .selectFrom('documents')
    .select(['id', 'name', 'tags'])
    .where('account_id', '=', accountId)
    .where('status', '=', 'ready')
    .orderBy('id')
    .execute();
  const docs = rows.map((r) => ({ id: r.id, name: r.name, tags: parseStrings(r.tags) ?? [] }));
  const entry: Entry = {
    generation,
    docs,
    names: new Map(docs.map((d) => [d.id, d.name])),
    scopes: new Map(),
  };
  // A write that committed while the rows were read moved the generation: the entry is not kept then.
  if ((s.generations.get(accountId) ?? 0) === generation) s.cache.set(accountId, entry);
  return entry;
}

/** The ids of the ready documents in scope (the same array for the same scope while nothing changed). */
export async function documentsInScope(
  db: Db,
  accountId: string,
  scope: ScopeRequest,
): Promise<{ ids: string[]; names: ReadonlyMap<string, string> }> {
  const entry = await entryOf(db, accountId);
  const key = scope.scoped ? JSON.stringify([[...scope.ids].sort(), [...scope.tags].sort()]) : '*';
  let ids = entry.scopes.get(key);
  if (!ids) {
    ids = entry.docs
      .filter((d) => !scope.scoped || scope.ids.has(d.id) || d.tags.some((t) => scope.tags.has(t)))
      .map((d) => d.id);
    if (entry.scopes.size < MAX_SCOPES) entry.scopes.set(key, ids);
  }
  return { ids, names: entry.names };
}
