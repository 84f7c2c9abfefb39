import { finished } from 'node:stream';
import type { Dispatcher } from 'undici';
import { LazyPool } from '../net/lazy-pool.ts';
import { pinnedLookup, type ResolvedUrl } from '../net/outbound-url.ts';
import type { Call } from './types.ts';

/**
 * The one way providers reach the network: undici connection pools, one per upstream origin, created on
 * first use and kept for the life of the process (keep-alive). No fetch, no SDK: see
 * docs/adr/0003-hand-written-provider-adapters.md. Redirects are never followed.
 */

/** Where a provider sends its requests: a pooled origin and the base URL's path prefix. */
export interface Target {
  pool: LazyPool;
  /** Path of the base URL without a trailing slash, e.g. '/v1' or ''. */
  prefix: string;
}

export type ResponseBody = Dispatcher.ResponseData['body'];

/** Operator-configured origins (env or vendor default): a handful for the life of the process. */
const trustedPools = new Map<string, LazyPool>();
/** Request-supplied origins, each pinned to the address that was validated for it. */
const pinnedPools = new Map<string, LazyPool>();
const MAX_PINNED_POOLS = 256;

const trailingSlashes = /\/+$/;

function prefixOf(url: URL): string {
  return url.pathname.replace(trailingSlashes, '');
}

export function trustedTarget(baseUrl: string): Target {
  const url = new URL(baseUrl);
  let pool = trustedPools.get(url.origin);
  if (!pool) {
    pool = new LazyPool(url.origin);
    trustedPools.set(url.origin, pool);
  }
  return { pool, prefix: prefixOf(url) };
}

/**
 * A pool for a request-supplied base URL that connects only to the address validated for it (DNS
 * rebinding cannot swap it), while Host and TLS servername keep the URL's host name.
 */
export function pinnedTarget(resolved: ResolvedUrl): Target {
  const key = `${resolved.url.origin}|${resolved.address}`;
  let pool = pinnedPools.get(key);
  if (!pool) {
    if (pinnedPools.size >= MAX_PINNED_POOLS) {
      const [oldestKey, oldest] = pinnedPools.entries().next().value ?? [];
      if (oldestKey !== undefined) pinnedPools.delete(oldestKey);
      void oldest?.close().catch(() => {});
    }
    pool = new LazyPool(resolved.url.origin, { connect: { lookup: pinnedLookup(resolved) } });
    pinnedPools.set(key, pool);
  }
  return { pool, prefix: prefixOf(resolved.url) };
}

/**
 * The time budget of one upstream call: the client's signal plus PERSONAKIT_UPSTREAM_TIMEOUT_MS for the
 * whole answer (streams included). One timer and one listener, removed by dispose().
 */
export class Deadline {
  readonly signal: AbortSignal;
  timedOut = false;
  readonly #controller = new AbortController();
  readonly #client: AbortSignal;
  readonly #timer: NodeJS.Timeout;
  readonly #onClientAbort = () => this.#controller.abort(this.#client.reason);

  constructor(client: AbortSignal, ms: number) {
    this.signal = this.#controller.signal;
    this.#client = client;
    if (client.aborted) this.#controller.abort(client.reason);
    else client.addEventListener('abort', this.#onClientAbort, { once: true });
    this.#timer = setTimeout(() => {
      this.timedOut = true;
      this.#controller.abort(new DOMException('upstream timeout', 'TimeoutError'));
    }, ms);
  }

  get clientGone(): boolean {
    return this.#client.aborted;
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#client.removeEventListener('abort', this.#onClientAbort);
  }
}

export interface Outgoing {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export function send(call: Call, out: Outgoing, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
  return call.target.pool.request({
    method: 'POST',
    path: call.target.prefix + out.path,
    headers: out.headers,
    body: out.body,
    signal,
    headersTimeout: call.timeoutMs,
    bodyTimeout: call.timeoutMs,
  });
}

export class BodyTooLarge extends Error {}

/**
 * Feeds a body to `onChunk` as text as it arrives, resolving at its end. Data events rather than
 * `for await`: the async iterator costs a promise and several stream calls per chunk, a measurable share
 * of the CPU at 1,000 open streams (~100k chunks/s). Whatever `onChunk` throws destroys the body with
 * that error, which ends the read with it.
 */
export function readChunks(body: ResponseBody, onChunk: (chunk: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    body.setEncoding('utf8');
    body.on('data', (chunk: string) => {
      try {
        onChunk(chunk);
      } catch (err) {
        body.destroy(err as Error);
      }
    });
    finished(body, (err) => (err ? reject(err) : resolve()));
  });
}

/** Reads a body as text, refusing more than `max` characters (a hostile base URL cannot exhaust memory). */
export async function readText(body: ResponseBody, max: number): Promise<string> {
  let out = '';
  await readChunks(body, (chunk) => {
    out += chunk;
    if (out.length > max) throw new BodyTooLarge(`body over ${max} characters`);
  });
  return out;
}
