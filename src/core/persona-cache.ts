import type { Db } from '../storage/db.ts';
import { BoundedCache, estimateBytes } from './bounded-cache.ts';
import type { Persona } from './persona.ts';

/**
 * id -> persona, for the read hot paths (GET, refine). Own writes invalidate by id; writes by other
 * processes or instances clear it through the store's external-change signal. Cached personas are frozen:
 * callers share them and must not mutate them.
 *
 * Ids that do not exist are cached too (as null): otherwise another account's persona (found in memory)
 * answered "not found" measurably faster than a missing id (a database round trip, ~3x on PostgreSQL),
 * and the timing told a tenant which ids exist. Ids are random and made by the server, so an id cannot be
 * looked up before it is created; deletes invalidate their id.
 *
 * Bounded by bytes as well as entries (PERSONAKIT_PERSONA_CACHE_BYTES). A cached persona also keeps, in
 * WeakMaps keyed by the frozen object, its encoded /v1 answer, its compiled system prompt and its compiled
 * style, each about as large as the persona: so an entry counts DERIVED_COPIES times the persona's
 * estimate. A persona too large to cache is returned unfrozen, and those derived caches skip it too.
 */
export const DEFAULT_PERSONA_CACHE_BYTES = 64 * 1024 * 1024;
const DERIVED_COPIES = 4;
const MISSING_BYTES = 128;

/** An entry's estimated bytes: the id, and a persona with the answer, prompt and style derived from it. */
function entryBytes(id: string, p: Persona | null): number {
  return 2 * id.length + (p === null ? MISSING_BYTES : DERIVED_COPIES * estimateBytes(p));
}

export class PersonaCache {
  readonly #cache: BoundedCache<Persona | null>;

  constructor(db: Db, max = 50_000, maxBytes = DEFAULT_PERSONA_CACHE_BYTES) {
    this.#cache = new BoundedCache(max, db.externalVersion, {
      maxBytes,
      sizeOf: entryBytes,
    });
  }

  /** The persona, null if it is known not to exist, undefined if not cached. */
  get(id: string): Persona | null | undefined {
    return this.#cache.get(id);
  }

  set(p: Persona): void {
    const bytes = entryBytes(p.id, p);
    if (this.#cache.fits(bytes)) this.#cache.set(p.id, deepFreeze(p), bytes);
    else this.#cache.delete(p.id);
  }

  setMissing(id: string): void {
    this.#cache.set(id, null);
  }

  invalidate(id: string): void {
    this.#cache.delete(id);
  }

  /** The estimated bytes held (for tests and diagnostics). */
  get bytes(): number {
    return this.#cache.bytes;
  }

  get size(): number {
    return this.#cache.size;
  }

  stats(): { hits: number; misses: number } {
    return { hits: this.#cache.hits, misses: this.#cache.misses };
  }
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
