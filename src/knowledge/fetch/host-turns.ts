import type { HostLock, HostTurn } from './types.ts';

/**
 * One request at a time per host, process-wide: crawls of the same site (two documents, a recrawl)
 * take turns instead of doubling the load on it. The turn is held through the politeness pause that
 * follows a request, so the pause separates requests from different crawls too. With a `lock` (shared by
 * the instances on one store), a request first waits for its turn in this process, then for the host's
 * turn in the lock: waiters of one process queue here, not on the store.
 */
const tails = new Map<string, Promise<void>>();

export async function inTurn<T>(
  host: string,
  signal: AbortSignal | undefined,
  work: () => Promise<T>,
  pauseAfterMs: () => number,
  lock?: HostLock,
): Promise<T> {
  const previous = tails.get(host) ?? Promise.resolve();
  let release = () => {};
  const mine = new Promise<void>((resolve) => {
    release = resolve;
  });
  const tail = previous.then(() => mine);
  tails.set(host, tail);
  // The last in line cleans up once everyone before it is done, so the map holds only busy hosts.
  void tail.then(() => {
    if (tails.get(host) === tail) tails.delete(host);
  });
  try {
    await waitFor(previous, signal);
  } catch (err) {
    release();
    throw err;
  }
  let shared: HostTurn | undefined;
  try {
    shared = await lock?.acquire(host, signal);
  } catch (err) {
    release();
    throw err;
  }
  try {
    return await work();
  } finally {
    const pause = pauseAfterMs();
    // The store's turn ends with the pause recorded in it (other instances wait it out there); a failure
    // to write that only means the lease lapses by itself.
    void shared?.release(pause).catch(() => {});
    // The pause keeps the host's turn, but the caller does not wait for it: a crawl's last page
    // returns at once, and the next request to this host (from any crawl) starts after the pause.
    void sleep(pause, signal).then(release, release);
  }
}

function waitFor(p: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    // A pause alone never keeps the process alive.
    timer.unref();
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Hosts with a request in flight or queued (tests check the map empties). */
export function hostsInTurn(): number {
  return tails.size;
}
