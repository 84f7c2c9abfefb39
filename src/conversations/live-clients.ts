import type { Services } from '../core/context.ts';
import { perStore } from '../core/per-store.ts';
import { settlesWithin } from '../core/settles-within.ts';
import { participantJoined, participantLeft } from './timers.ts';
import { ShuttingDown } from './turn-registry.ts';

/**
 * The conversations' live clients connected to this process (WebSocket and SSE, API and chat page), per
 * store handle, so that stopping the server ends them cleanly before the store closes. Closing, once the
 * turns are done (turn-registry.ts) so nothing more will be committed for them:
 * 1. new live clients are refused (503);
 * 2. each client gets the events committed until then, then is ended (a WebSocket closed with 1001, an
 *    SSE response finished); one that does not finish the close promptly is cut, so the server never
 *    waits for a client to hang up;
 * 3. each one's leave is recorded as the shutdown's (timers.ts: it does not start participant_left_timeout
 *    while the server is down), before the store closes; nothing is written for a client after that.
 */

/** How long one client's end (its catch-up, close and recorded leave) may take before it is given up. */
const END_GRACE_MS = 3000;

export interface Participation {
  /** Resolves once the client counts as a participant (false: the write failed, it does not count). */
  joined: Promise<boolean>;
  /** Records the leave, once, whoever calls it first: the client's close or the shutdown. */
  leave(): Promise<void>;
}

export class LiveClients {
  /** Each client's end, as the shutdown calls it. */
  readonly #clients = new Set<() => Promise<void>>();
  #closing: Promise<void> | undefined;
  #closed = false;

  /** True from the start of closing: a client leaving now was disconnected by the shutdown. */
  get closing(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * A live client of the conversation connected: it counts as a participant until leave(). `end` is how
   * the shutdown ends it (the leave is recorded after it). Throws ShuttingDown once closing.
   */
  join(services: Services, conversationId: string, end: () => Promise<void>): Participation {
    if (this.#closing) throw new ShuttingDown();
    const joined = participantJoined(services, conversationId).then(
      () => true,
      (err: unknown) => {
        services.log.warn({ err, conversationId }, 'conversation participant join not recorded');
        return false;
      },
    );
    let left: Promise<void> | undefined;
    const stop = async () => {
      await end();
      await leave();
    };
    const leave = () => {
      left ??= (async () => {
        this.#clients.delete(stop);
        // A join that failed counted nothing; after closing, the store is (about to be) gone.
        if (!(await joined) || this.#closed) return;
        await participantLeft(services, conversationId, this.closing ? 'shutdown' : 'client').catch(
          (err: unknown) =>
            services.log.warn({ err, conversationId }, 'conversation participant leave not recorded'),
        );
      })();
      return left;
    };
    this.#clients.add(stop);
    return { joined, leave };
  }

  /** Ends every live client as the class comment says; idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      // A client's failure to end is its own affair (allSettled): it is ended either way.
      await Promise.allSettled([...this.#clients].map((stop) => settlesWithin(stop(), END_GRACE_MS)));
      this.#closed = true;
    })();
    return this.#closing;
  }
}

/** One registry per store handle, like the bus and the turns. */
export const liveClientsOf = perStore(() => new LiveClients());

/** Ends the store handle's live clients (see LiveClients); part of stopping the server. */
export function closeLiveClients(services: Pick<Services, 'db'>): Promise<void> {
  return liveClientsOf(services).close();
}
