import { sql } from 'kysely';
import type pg from 'pg';
import type { Logger } from '../log.ts';

/**
 * Wakes idle queues of other instances on PostgreSQL when a job is enqueued, so they need not poll
 * often. Both sides derive the channel from the session's schema with the same SQL expression: each
 * schema is its own store (ADR 0009), and the name is a plain identifier (hex). A NOTIFY sent inside a
 * transaction is delivered at commit and dropped on rollback, which is exactly when the job can be claimed.
 * Wakes are hints: a lost one only means the next poll finds the job.
 */
export const channelExpr = (prefix: string) => `'${prefix}' || left(md5(coalesce(current_schema(), '')), 16)`;
const CHANNEL_EXPR = channelExpr('personakit_jobs_');
const MAX_BACKOFF_MS = 5000;

/** The NOTIFY an enqueue sends (evaluated inside its INSERT statement, see insertJob). */
export const wakeOtherInstances = sql`pg_notify(${sql.raw(CHANNEL_EXPR)}, '')`;

/**
 * LISTEN on one dedicated connection; reconnects with backoff when it is lost. `onWake` gets each
 * notification's payload, and no payload once listening (again): whatever was announced while not
 * listening is unknown, so everything is worth a look. The conversation bus listens on its own channel
 * (`channelExpr`) through the same class.
 */
export class JobWakeListener {
  readonly #url: string;
  readonly #onWake: (payload?: string) => void;
  readonly #log: Logger;
  readonly #channelExpr: string;
  #client: pg.Client | undefined;
  #closed = false;
  #backoffMs = 100;
  #retry: NodeJS.Timeout | undefined;

  constructor(url: string, onWake: (payload?: string) => void, log: Logger, channel = CHANNEL_EXPR) {
    this.#url = url;
    this.#onWake = onWake;
    this.#log = log;
    this.#channelExpr = channel;
  }

  /** Starts listening in the background; a failure to connect is logged and retried, never thrown. */
  start(): void {
    void this.#connect();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    // Loaded here: the embedded SQLite default never needs the driver.
    const { default: pgModule } = await import('pg');
    const client = new pgModule.Client({ connectionString: this.#url });
    client.on('error', () => this.#lost(client));
    client.on('end', () => this.#lost(client));
    client.on('notification', (n) => this.#onWake(n.payload ?? ''));
    try {
      await client.connect();
      const { rows } = await client.query<{ channel: string }>(`SELECT ${this.#channelExpr} AS channel`);
      await client.query(`LISTEN ${rows[0]?.channel ?? 'personakit_jobs_'}`);
    } catch (err) {
      this.#log.warn({ err }, 'cannot LISTEN for wakes; polling meanwhile');
      client.removeAllListeners();
      client.on('error', () => {});
      await client.end().catch(() => {});
      this.#schedule();
      return;
    }
    if (this.#closed) {
      await client.end().catch(() => {});
      return;
    }
    this.#client = client;
    this.#backoffMs = 100;
    // Jobs enqueued while we were not listening: look now.
    this.#onWake();
  }

  #lost(client: pg.Client): void {
    if (this.#closed || client !== this.#client) return;
    this.#client = undefined;
    client.removeAllListeners('notification');
    client.end().catch(() => {});
    this.#schedule();
  }

  #schedule(): void {
    if (this.#closed) return;
    // unref: a pending reconnect must not keep a stopping process alive.
    this.#retry = setTimeout(() => void this.#connect(), this.#backoffMs).unref();
    this.#backoffMs = Math.min(this.#backoffMs * 2, MAX_BACKOFF_MS);
  }
}
