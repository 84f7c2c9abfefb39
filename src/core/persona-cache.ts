import type { Db } from '../storage/db.ts';
import { BoundedCache } from './bounded-cache.ts';
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
 */
export class PersonaCache {
  readonly #cache: BoundedCache<Persona | null>;

  constructor(db: Db, max = 50_000) {
    this.#cache = new BoundedCache(max, db.externalVersion);
  }

  /** The persona, null if it is known not to exist, undefined if not cached. */
  get(id: string): Persona | null | undefined {
    return this.#cache.get(id);
  }

  set(p: Persona): void {
    this.#cache.set(p.id, deepFreeze(p));
  }

  setMissing(id: string): void {
    this.#cache.set(id, null);
  }

  invalidate(id: string): void {
    this.#cache.delete(id);
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
