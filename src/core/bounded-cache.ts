/**
 * A map bounded by entry count and by bytes that forgets everything when the store was changed by another
 * process. Insertion order approximates recency well enough for lookups of hot ids, and costs nothing per
 * read.
 *
 * Bytes are an estimate computed once per insert (`sizeOf`), not a measurement: a count alone let 400
 * personas of 1 MiB each hold 400 MiB for good, and the default 50,000 entries could have reached ~49 GiB.
 * An entry larger than an eighth of the byte bound is not cached at all, so one huge value never flushes
 * the rest.
 */
export interface ByteBound<V> {
  maxBytes: number;
  sizeOf: (key: string, value: V) => number;
}

interface Entry<V> {
  value: V;
  bytes: number;
}

export class BoundedCache<V> {
  readonly #map = new Map<string, Entry<V>>();
  readonly #max: number;
  readonly #externalVersion: () => number;
  readonly #bytes: ByteBound<V> | undefined;
  #seen: number;
  #used = 0;

  constructor(max: number, externalVersion: () => number, bytes?: ByteBound<V>) {
    this.#max = max;
    this.#externalVersion = externalVersion;
    this.#bytes = bytes;
    this.#seen = externalVersion();
  }

  get(key: string): V | undefined {
    const v = this.#externalVersion();
    if (v !== this.#seen) {
      this.#seen = v;
      this.clear();
      this.misses++;
      return undefined;
    }
    const entry = this.#map.get(key);
    if (entry) this.hits++;
    else this.misses++;
    return entry?.value;
  }

  /** Lookups answered and missed since start (metrics: personakit_cache_hits / _misses). */
  hits = 0;
  misses = 0;

  /** Whether a value of this estimated size would be kept (callers skip work for one that would not). */
  fits(bytes: number): boolean {
    return this.#max > 0 && (this.#bytes === undefined || bytes <= this.#bytes.maxBytes / 8);
  }

  /** Stores the value; returns false (and stores nothing) when it is too large to be cached. */
  set(key: string, value: V, knownBytes?: number): boolean {
    const bytes = knownBytes ?? this.#bytes?.sizeOf(key, value) ?? 0;
    this.delete(key);
    if (!this.fits(bytes)) return false;
    const maxBytes = this.#bytes?.maxBytes ?? Number.POSITIVE_INFINITY;
    while (this.#map.size > 0 && (this.#map.size >= this.#max || this.#used + bytes > maxBytes)) {
      const oldest = this.#map.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
    }
    this.#map.set(key, { value, bytes });
    this.#used += bytes;
    return true;
  }

  delete(key: string): void {
    const entry = this.#map.get(key);
    if (!entry) return;
    this.#map.delete(key);
    this.#used -= entry.bytes;
  }

  clear(): void {
    this.#map.clear();
    this.#used = 0;
  }

  get size(): number {
    return this.#map.size;
  }

  /** The estimated bytes held now. */
  get bytes(): number {
    return this.#used;
  }
}

/**
 * A rough heap size of a JSON-like value, found in one iterative walk: two bytes per string unit (V8
 * stores non-Latin-1 strings that way) plus a fixed overhead per string, number, object and property.
 */
export function estimateBytes(value: unknown): number {
  let bytes = 0;
  const stack: unknown[] = [value];
  for (let v = stack.pop(); v !== undefined || stack.length > 0; v = stack.pop()) {
    if (typeof v === 'string') bytes += 16 + 2 * v.length;
    else if (v === null || typeof v !== 'object') bytes += 8;
    else if (Array.isArray(v)) {
      bytes += 32 + 8 * v.length;
      for (const x of v) stack.push(x);
    } else {
      bytes += 56;
      for (const [k, x] of Object.entries(v)) {
        bytes += 24 + 2 * k.length;
        stack.push(x);
      }
    }
  }
  return bytes;
}
