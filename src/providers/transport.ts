import { LazyPool } from '../net/lazy-pool.ts';
import { pinnedLookup, type ResolvedUrl } from '../net/outbound-url.ts';

/**
 * The one way providers reach the network: undici connection pools, one per upstream origin, created on
 * first use and kept for the life of the process (keep-alive), each request driven by an
 * UpstreamExchange (upstream-exchange.ts). No fetch, no SDK: see
 * docs/adr/0003-hand-written-provider-adapters.md. Redirects are never followed.
 */

/** Where a provider sends its requests: a pooled origin and the base URL's path prefix. */
export interface Target {
  pool: LazyPool;
  /** Path of the base URL without a trailing slash, e.g. '/v1' or ''. */
  prefix: string;
}

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

export interface Outgoing {
  path: string;
  headers: Record<string, string>;
  body: string;
}
