import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from '../storage/db.ts';
import type { HostLock, HostTurn } from './fetch/types.ts';

/**
 * "One request at a time per host" across every instance on one store (ADR 0030): a host's turn is a row
 * of crawl_host_leases, taken by an upsert that only succeeds when the row is free or its lease lapsed,
 * renewed while the request runs, and given back with the politeness pause written as its expiry. A
 * holder that crashed frees the host when its lease lapses (LEASE_MS at most), with nobody to clean up.
 *
 * A lease row rather than a PostgreSQL advisory lock: an advisory lock belongs to a session, so it would
 * pin a pooled connection for the whole request and pause, and SQLite has none; the row works on both.
 */

/** How long a turn holds without renewal; renewed every third of it while its request runs. */
export const HOST_LEASE_MS = 15_000;
/** The longest wait between two tries for a busy host (shorter when its lease ends sooner). */
const MAX_RETRY_MS = 250;
const MIN_RETRY_MS = 20;
/** Rows of hosts nobody crawled for this long are deleted (the table holds busy hosts, not history). */
const STALE_MS = 10 * 60_000;

export interface HostLeaseOptions {
  leaseMs?: number;
  now?: () => Date;
}

export function storeHostLock(db: Db, options: HostLeaseOptions = {}): HostLock {
  const leaseMs = options.leaseMs ?? HOST_LEASE_MS;
  const now = options.now ?? (() => new Date());
  const process = `${hostname()}:${globalThis.process.pid}:${randomBytes(4).toString('hex')}`;
  let turns = 0;
  const iso = (ms: number) => new Date(now().getTime() + ms).toISOString();

  /** Takes the row when free or lapsed; the lapsed time it saw otherwise. */
  async function tryTake(host: string, holder: string): Promise<true | string> {
    const stamp = now().toISOString();
    const taken = await db.kysely
      .insertInto('crawl_host_leases')
      .values({ host, holder, locked_until: iso(leaseMs) })
      .onConflict((oc) =>
        oc
          .column('host')
          .doUpdateSet((eb) => ({
            holder: eb.ref('excluded.holder'),
            locked_until: eb.ref('excluded.locked_until'),
          }))
          .where('crawl_host_leases.locked_until', '<', stamp),
      )
      .returning('holder')
      .executeTakeFirst();
    if (taken?.holder === holder) return true;
    const row = await db.kysely
      .selectFrom('crawl_host_leases')
      .select('locked_until')
      .where('host', '=', host)
      .executeTakeFirst();
    return row?.locked_until ?? stamp;
  }

  return {
    async acquire(host, signal) {
      const holder = `${process}:${++turns}`;
      for (;;) {
        if (signal?.aborted) throw signal.reason;
        const got = await tryTake(host, holder);
        if (got === true) break;
        const untilFree = Date.parse(got) - now().getTime();
        // Jittered, so instances waiting on one host do not all try in the same instant.
        const wait = Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, untilFree)) * (0.75 + Math.random() / 2);
        await sleep(wait, signal);
      }
      const mine = () =>
        db.kysely.updateTable('crawl_host_leases').where('host', '=', host).where('holder', '=', holder);
      const renew = setInterval(() => {
        mine()
          .set({ locked_until: iso(leaseMs) })
          .execute()
          .catch(() => {});
      }, leaseMs / 3).unref();
      const turn: HostTurn = {
        async release(pauseMs) {
          clearInterval(renew);
          if (pauseMs > 0)
            await mine()
              .set({ locked_until: iso(pauseMs) })
              .execute();
          else
            await db.kysely
              .deleteFrom('crawl_host_leases')
              .where('host', '=', host)
              .where('holder', '=', holder)
              .execute();
          await db.kysely
            .deleteFrom('crawl_host_leases')
            .where('locked_until', '<', iso(-STALE_MS))
            .execute();
        },
      };
      return turn;
    },
  };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
