/**
 * A size-bounded map that forgets everything when the store was changed by another process. Insertion
 * order approximates recency well enough for lookups of hot ids, and costs nothing per read.
 */
export class BoundedCache<V> {
  readonly #map = new Map<string, V>();
  readonly #max: number;
  readonly #externalVersion: () => number;
  #seen: number;

  constructor(max: number, externalVersion: () => number) {
    this.#max = max;
    this.#externalVersion = externalVersion;
    this.#seen = externalVersion();
  }

  get(key: string): V | undefined {
    const v = this.#externalVersion();
    if (v !== this.#seen) {
      this.#seen = v;
      this.#map.clear();
      return undefined;
    }
    return this.#map.get(key);
  }

  set(key: string, value: V): void {
    if (this.#max === 0) return;
    if (this.#map.size >= this.#max) {
      const oldest = this.#map.keys().next();
      if (!oldest.done) this.#map.delete(oldest.value);
    }
    this.#map.set(key, value);
  }

  delete(key: string): void {
    this.#map.delete(key);
  }

  get size(): number {
    return this.#map.size;
  }
}
