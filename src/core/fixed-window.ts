/**
 * The in-memory request limit: a fixed window per key, the same rule rate-limiter-flexible's memory
 * limiter applies (a window of `durationS` opens at a key's first request; past `points` requests the key
 * waits for the window's end). Written by hand because it runs on every request: the library's promise
 * and result objects per call were ~3% of a refine in a profile. The Redis limiter stays the library's.
 */
export class FixedWindow {
  readonly #points: number;
  readonly #durationMs: number;
  readonly #windows = new Map<string, { count: number; resetAt: number }>();
  /** Expired windows are swept when the map has grown this much since the last sweep. */
  #sweepAt = 1024;

  constructor(points: number, durationS: number) {
    this.#points = points;
    this.#durationMs = durationS * 1000;
  }

  /** Counts one request; returns undefined if allowed, else the ms until the key's window ends. */
  take(key: string, now = Date.now()): number | undefined {
    let w = this.#windows.get(key);
    if (!w || w.resetAt <= now) {
      if (!w && this.#windows.size >= this.#sweepAt) this.#sweep(now);
      w = { count: 0, resetAt: now + this.#durationMs };
      this.#windows.set(key, w);
    }
    w.count++;
    return w.count > this.#points ? w.resetAt - now : undefined;
  }

  get size(): number {
    return this.#windows.size;
  }

  #sweep(now: number): void {
    for (const [key, w] of this.#windows) if (w.resetAt <= now) this.#windows.delete(key);
    this.#sweepAt = Math.max(1024, this.#windows.size * 2);
  }
}
