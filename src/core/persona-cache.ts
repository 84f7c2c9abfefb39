import type { Db } from '../storage/db.ts';
import { BoundedCache } from './bounded-cache.ts';
import type { Persona } from './persona.ts';

/**
 * id -> persona, for the read hot paths (GET, refine). Own writes invalidate by id; writes by other
 * processes or instances clear it through the store's external-change signal. Cached personas are frozen:
 * callers share them and must not mutate them.
 */
export class PersonaCache {
  readonly #cache: BoundedCache<Persona>;

  constructor(db: Db, max = 50_000) {
    this.#cache = new BoundedCache(max, db.externalVersion);
  }

  get(id: string): Persona | undefined {
    return this.#cache.get(id);
  }

  set(p: Persona): void {
    this.#cache.set(p.id, deepFreeze(p));
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
