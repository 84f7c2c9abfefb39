import { hash } from 'node:crypto';
import type pg from 'pg';

/** The channel on which PostgreSQL instances tell each other that cached rows changed. */
const CHANGE_CHANNEL = 'personakit_changes';
const MAX_BACKOFF_MS = 5000;

/**
 * NOTIFY reaches every session of the database, but each schema is its own store: installs (or test
 * suites) in other schemas of one database must not flush our caches on each of their writes, which would
 * also hide a missing invalidation. The default schema keeps the plain name, so instances of an earlier
 * version still hear and are heard during a rolling upgrade. Hex keeps the name a plain identifier.
 */
export function changeChannel(schema: string | null | undefined): string {
  if (!schema || schema === 'public') return CHANGE_CHANNEL;
  return `${CHANGE_CHANNEL}_${hash('sha256', schema, 'hex').slice(0, 16)}`;
}

/**
 * LISTEN on one dedicated connection, counting the changes other instances announce. The connection can
 * be lost (database restart, failover, an idle-session killer): notifications sent meanwhile are never
 * delivered, so until it is listening again version() changes on every call (every cache lookup misses:
 * slower, never stale), and it reconnects with backoff.
 */
export class ChangeListener {
  readonly #url: string;
  readonly #Client: typeof pg.Client;
  #channel = CHANGE_CHANNEL;
  #version = 0;
  #down = false;
  #closed = false;
  #backoffMs = 100;
  #client: pg.Client | undefined;
  #retry: NodeJS.Timeout | undefined;

  /** `Client` is pg's, passed in so that the driver is only loaded for PostgreSQL (see openPostgres). */
  constructor(url: string, Client: typeof pg.Client) {
    this.#url = url;
    this.#Client = Client;
  }

  get channel(): string {
    return this.#channel;
  }

  /** A change this process made and must see at once (the NOTIFY comes back asynchronously). */
  bump(): void {
    this.#version++;
  }

  version(): number {
    return this.#down ? ++this.#version : this.#version;
  }

  /** Connects and listens; the first connection's failure is the caller's (the server cannot start). */
  async start(): Promise<void> {
    const client = new this.#Client({ connectionString: this.#url });
    try {
      await client.connect();
      const { rows } = await client.query<{ schema: string | null }>('SELECT current_schema() AS schema');
      this.#channel = changeChannel(rows[0]?.schema);
      await this.#listen(client);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    await this.#client?.end().catch(() => {});
  }

  async #listen(client: pg.Client): Promise<void> {
    client.on('notification', () => {
      this.#version++;
    });
    // 'error' (the server ended the session) and 'end' both mean: no longer listening.
    client.on('error', () => this.#lost(client));
    client.on('end', () => this.#lost(client));
    await client.query(`LISTEN ${this.#channel}`);
    this.#client = client;
  }

  #lost(client: pg.Client): void {
    if (this.#closed || client !== this.#client) return;
    this.#client = undefined;
    this.#down = true;
    client.removeAllListeners('notification');
    client.end().catch(() => {});
    this.#schedule();
  }

  #schedule(): void {
    // unref: a pending reconnect must not keep a stopping process alive.
    this.#retry = setTimeout(() => void this.#reconnect(), this.#backoffMs).unref();
    this.#backoffMs = Math.min(this.#backoffMs * 2, MAX_BACKOFF_MS);
  }

  async #reconnect(): Promise<void> {
    if (this.#closed) return;
    const client = new this.#Client({ connectionString: this.#url });
    client.on('error', () => {}); // until #listen takes over
    try {
      await client.connect();
      await this.#listen(client);
    } catch {
      client.end().catch(() => {});
      if (!this.#closed) this.#schedule();
      return;
    }
    if (this.#closed) {
      await client.end().catch(() => {});
      return;
    }
    // Listening again: caches cleared while down stay valid from here on.
    this.#down = false;
    this.#version++;
    this.#backoffMs = 100;
  }
}
