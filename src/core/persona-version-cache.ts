import type { Db } from '../storage/db.ts';
import { BoundedCache, estimateBytes } from './bounded-cache.ts';
import type { Persona } from './persona.ts';
import { deepFreeze } from './persona-cache.ts';

/**
 * `<id>@<n>` -> the persona as it was at version n, for pinned refine and chat. A version never changes,
 * so unlike the persona cache this one ignores the store's change signal: nothing written elsewhere can
 * make an entry wrong. What can make one unreachable is handled before the cache is asked: every read
 * checks the persona itself first (getPersona, invalidated on delete and on other instances' writes), so
 * a deleted persona's versions are never served; retention prunes drop their entries here. (On another
 * instance a pruned version may be served from its cache until evicted: it is the exact pruned state.)
 *
 * Frozen like cached personas, so what is derived from a persona (compiled prompt and style, kept in
 * WeakMaps keyed by the object) is computed once per pinned version too.
 */
const MAX_ENTRIES = 10_000;
const MAX_BYTES = 32 * 1024 * 1024;
/** The persona plus its compiled prompt and style (see persona-cache.ts). */
const DERIVED_COPIES = 3;

const caches = new WeakMap<Db, BoundedCache<Persona>>();

function cacheFor(db: Db): BoundedCache<Persona> {
  let c = caches.get(db);
  if (!c) {
    c = new BoundedCache<Persona>(MAX_ENTRIES, () => 0, {
      maxBytes: MAX_BYTES,
      sizeOf: (key, p) => 2 * key.length + DERIVED_COPIES * estimateBytes(p),
    });
    caches.set(db, c);
  }
  return c;
}

const keyOf = (id: string, n: number) => `${id}@${n}`;

export function cachedVersion(db: Db, id: string, n: number): Persona | undefined {
  return cacheFor(db).get(keyOf(id, n));
}

/** Caches the version (frozen) if it fits; returns it either way. */
export function cacheVersion(db: Db, p: Persona): Persona {
  const c = cacheFor(db);
  const key = keyOf(p.id, p.version);
  const bytes = 2 * key.length + DERIVED_COPIES * estimateBytes(p);
  if (!c.fits(bytes)) return p;
  c.set(key, deepFreeze(p), bytes);
  return p;
}

export function forgetVersions(db: Db, id: string, versions: number[]): void {
  const c = cacheFor(db);
  for (const n of versions) c.delete(keyOf(id, n));
}
