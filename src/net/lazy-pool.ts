import type { Dispatcher, Pool } from 'undici';

/**
 * An undici Pool created on its first request. undici (~1 MB of code) is loaded then too: a server that
 * only serves the store and the local engine never pays its memory or start-up time.
 */
let undici: Promise<typeof import('undici')> | undefined;

type Undici = typeof import('undici');

/** undici, loaded once. Bundled, a CommonJS module's dynamic import may expose it only as `default`. */
export function loadUndici(): Promise<Undici> {
  undici ??= import('undici').then((m) => (m.Pool ? m : (m as unknown as { default: Undici }).default));
  return undici;
}

export class LazyPool {
  readonly #origin: string;
  readonly #options: Pool.Options;
  #pool: Pool | undefined;
  #opening: Promise<Pool> | undefined;

  constructor(origin: string, options: Pool.Options = {}) {
    this.#origin = origin;
    this.#options = options;
  }

  request(options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
    // After the first call this is a plain method call on the pool: no await on the hot path.
    if (this.#pool) return this.#pool.request(options);
    return this.#open().then((pool) => pool.request(options));
  }

  /**
   * undici's dispatch: the answer goes to `handler`. A pool that cannot be opened (undici failed to
   * load) is reported to the handler as its error.
   */
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void {
    if (this.#pool) {
      this.#pool.dispatch(options, handler);
      return;
    }
    this.#open().then(
      (pool) => pool.dispatch(options, handler),
      (err: Error) => handler.onResponseError?.(undefined as unknown as Dispatcher.DispatchController, err),
    );
  }

  async close(): Promise<void> {
    if (this.#opening) await (await this.#opening).close();
  }

  #open(): Promise<Pool> {
    this.#opening ??= loadUndici().then(({ Pool }) => {
      this.#pool = new Pool(this.#origin, this.#options);
      return this.#pool;
    });
    return this.#opening;
  }
}
