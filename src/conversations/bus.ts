import type { Services } from '../core/context.ts';
import { perStore } from '../core/per-store.ts';
import { JobWakeListener } from '../jobs/pg-wake.ts';
import { readEvents, type StoredEvent } from './events.ts';
import { CONVERSATION_CHANNEL, wakeTarget } from './pg-wake.ts';

/**
 * Delivery of a conversation's events to live clients and to the engine: every subscriber reads the
 * store's log by seq, so what it gets is ordered, gap-free and the same on every instance (ADR 0045).
 * An append in this process wakes the conversation's subscribers at once. On PostgreSQL, an append by
 * another instance wakes them through LISTEN/NOTIFY (ADR 0052: one dedicated connection, opened at the
 * first subscription). The log is also polled every PERSONAKIT_CONVERSATION_POLL_MS while anyone here is
 * subscribed: the fallback for a notification lost with its connection, and how another process on one
 * SQLite file is heard.
 */

const BATCH = 500;

type Listener = (events: StoredEvent[]) => void;

/** Ends a subscription; catchUp() delivers what was committed until now (see subscribe). */
export type Unsubscribe = (() => void) & { catchUp(): Promise<void> };

class Subscription {
  lastSeq: number;
  #pumping = false;
  #again = false;
  /** The read in progress (or the last one): pump() returns it, so a caller can wait for a catch-up. */
  #current: Promise<void> = Promise.resolve();
  closed = false;
  readonly services: Services;
  readonly conversationId: string;
  readonly all: boolean;
  readonly listener: Listener;

  constructor(
    services: Services,
    conversationId: string,
    afterSeq: number,
    all: boolean,
    listener: Listener,
  ) {
    this.services = services;
    this.conversationId = conversationId;
    this.lastSeq = afterSeq;
    this.all = all;
    this.listener = listener;
  }

  /**
   * Events this process just appended, handed over without reading them back when they follow exactly
   * what this subscriber has handled (nothing of another writer can sit in between) and no read is under
   * way; otherwise the log is read. Reading each append back cost a query per event per subscriber: at
   * 200 live conversations that queue on SQLite's one connection was most of a turn's latency.
   */
  deliver(appended: readonly StoredEvent[]): void {
    const first = appended[0];
    if (this.closed) return;
    // Already handled (a turn subscribes from its respond's last event, before the respond wakes anyone).
    if ((appended[appended.length - 1]?.seq ?? 0) <= this.lastSeq && !this.#pumping) return;
    if (this.#pumping || first === undefined || first.seq !== this.lastSeq + 1) {
      void this.pump();
      return;
    }
    this.lastSeq = appended[appended.length - 1]?.seq ?? this.lastSeq;
    const events = this.all ? [...appended] : appended.filter((e) => e.visible);
    if (events.length > 0) this.listener(events);
  }

  /** Reads the log from lastSeq on; settles once everything committed before the call was handed over. */
  pump(): Promise<void> {
    if (this.#pumping) {
      // The read under way loops once more (#again) before it settles: it covers this call too.
      this.#again = true;
      return this.#current;
    }
    this.#current = this.#read();
    return this.#current;
  }

  async #read(): Promise<void> {
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        for (;;) {
          if (this.closed) return;
          const events = await readEvents(
            this.services.db,
            this.conversationId,
            this.lastSeq,
            BATCH,
            this.all,
          );
          if (events.length === 0 || this.closed) break;
          this.lastSeq = events[events.length - 1]?.seq ?? this.lastSeq;
          this.listener(events);
          if (events.length < BATCH) break;
        }
      } while (this.#again);
    } catch (err) {
      this.services.log.warn({ err, conversationId: this.conversationId }, 'conversation event read failed');
    } finally {
      this.#pumping = false;
    }
  }
}

export class ConversationBus {
  readonly #subs = new Map<string, Set<Subscription>>();
  #timer: NodeJS.Timeout | undefined;
  #listener: JobWakeListener | undefined;
  readonly #pollMs: number;

  readonly services: Services;

  constructor(services: Services) {
    this.services = services;
    this.#pollMs = services.config.PERSONAKIT_CONVERSATION_POLL_MS;
  }

  /**
   * Delivers every event after `afterSeq`, now and as they come, until the returned function is called.
   * Its catchUp() settles once every event committed before the call was delivered (a live client about
   * to be closed gets them first).
   */
  subscribe(conversationId: string, afterSeq: number, listener: Listener, all = false): Unsubscribe {
    const sub = new Subscription(this.services, conversationId, afterSeq, all, listener);
    let set = this.#subs.get(conversationId);
    if (!set) {
      set = new Set();
      this.#subs.set(conversationId, set);
    }
    set.add(sub);
    this.#ensureTimer();
    this.#ensureListener();
    void sub.pump();
    const unsubscribe = () => {
      sub.closed = true;
      const s = this.#subs.get(conversationId);
      s?.delete(sub);
      if (s?.size === 0) this.#subs.delete(conversationId);
      if (this.#subs.size === 0) this.#stopTimer();
    };
    return Object.assign(unsubscribe, { catchUp: () => sub.pump() });
  }

  /**
   * An append in this process: its subscribers get it now rather than at the next poll, from `appended`
   * (the rows just written, in seq order) when given, else from the log.
   */
  wake(conversationId: string, appended?: readonly StoredEvent[]): void {
    for (const sub of this.#subs.get(conversationId) ?? []) {
      if (appended) sub.deliver(appended);
      else void sub.pump();
    }
  }

  async close(): Promise<void> {
    this.#stopTimer();
    for (const set of this.#subs.values()) for (const sub of set) sub.closed = true;
    this.#subs.clear();
    await this.#listener?.close();
    this.#listener = undefined;
  }

  #pumpAll(): void {
    for (const set of this.#subs.values()) for (const sub of set) void sub.pump();
  }

  /** Db.externalVersion() at the last poll (SQLite: another process's commit moves it). */
  #polledAt: number | undefined;

  #poll(): void {
    const { db } = this.services;
    // SQLite: every append of this process woke its subscribers already; only another process writing
    // the same file can have added events unannounced, and then data_version moved. Nothing moved: no
    // read (200 live conversations polled 1,300 times a second for nothing).
    if (db.dialect === 'sqlite') {
      const version = db.externalVersion();
      if (version === this.#polledAt) return;
      this.#polledAt = version;
    }
    this.#pumpAll();
  }

  #ensureTimer(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#poll(), this.#pollMs);
    this.#timer.unref();
  }

  /** PostgreSQL: listen for other instances' appends from the first subscription on, for the bus's life. */
  #ensureListener(): void {
    const { db, config, log } = this.services;
    if (this.#listener || db.dialect !== 'postgres') return;
    this.#listener = new JobWakeListener(
      config.DATABASE_URL,
      (payload) => {
        // No payload: (re)connected, so appends made meanwhile were not announced — read them all.
        if (payload === undefined) return this.#pumpAll();
        const id = wakeTarget(db, payload);
        if (id !== undefined) this.wake(id);
      },
      log,
      CONVERSATION_CHANNEL,
    );
    this.#listener.start();
  }

  #stopTimer(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** One bus per store handle (a process, or a test harness). */
export const busOf = perStore((services: Services) => new ConversationBus(services));

/** Closes the store handle's bus (its LISTEN connection), if it has one: part of closing the services. */
export async function closeBus(services: Pick<Services, 'db'>): Promise<void> {
  await busOf.forget(services)?.close();
}
