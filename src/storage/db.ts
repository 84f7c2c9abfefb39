import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Kysely, SqliteDialect, sql, type Transaction } from 'kysely';
import { tracedDialect } from '../observability/traced-dialect.ts';
import type { Tracing } from '../observability/tracing.ts';
import { migrateToLatest } from './migrations.ts';
import { ChangeListener } from './pg-change-listener.ts';
import { copyOut } from './pg-copy-out.ts';
import { OwnSchemaPostgresDialect } from './pg-dialect.ts';
import type { Database } from './schema.ts';
import { BACKSTOP_PAGES, startCheckpointer } from './sqlite-checkpointer.ts';
import { NodeSqliteDatabase } from './sqlite-driver.ts';
import { QuietGate } from './sqlite-quiet-gate.ts';

export type Dialect = 'sqlite' | 'postgres';
export type Tx = Transaction<Database>;

/**
 * One handle over either backend. Besides the typed query builder it answers one question the caches
 * need: "has another process changed the store since I last looked?" (SQLite: PRAGMA data_version;
 * PostgreSQL: LISTEN/NOTIFY), so lookups can be cached in memory and still see revocations at once.
 */
export interface Db {
  readonly kysely: Kysely<Database>;
  readonly dialect: Dialect;
  /** The SQLite file path, or null for :memory: and PostgreSQL. */
  readonly file: string | null;
  /**
   * Changes whenever another process (or instance) committed a change, or this process called
   * localChange(). Cheap enough for every request.
   */
  externalVersion(): number;
  /** Tell other instances that rows changed; call inside the writing transaction. */
  announceChange(tx: Tx, what: string): Promise<void>;
  /**
   * Tell this process's caches at once that rows changed, for changes they cannot invalidate by id (a
   * revoked key). Call after the writing transaction committed. Needed because neither signal above
   * reaches the writer in time: SQLite's data_version ignores the connection's own writes (an in-memory
   * store has only that one), and a PostgreSQL NOTIFY arrives asynchronously, after the next request may
   * already have been served from the cache.
   */
  localChange(): void;
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * PostgreSQL only: runs `COPY (…) TO STDOUT` and hands each CopyData message to `onData` (a view, valid
   * during the call). Query results carry bytea as hex text; a binary COPY carries it as bytes
   * (storage/pg-copy-out.ts). Outside Kysely, so not traced.
   */
  copyOut?(query: string, onData: (chunk: Uint8Array) => void): Promise<void>;
}

export interface OpenOptions {
  migrate?: boolean;
  /** Traces every query in a span (observability/traced-dialect.ts); null or absent: no wrapper at all. */
  tracing?: Tracing | null;
}

export async function openDb(url: string, options: OpenOptions = {}): Promise<Db> {
  const tracing = options.tracing ?? null;
  const db = url.startsWith('sqlite:')
    ? openSqlite(url.slice('sqlite:'.length), tracing)
    : await openPostgres(url, tracing);
  if (options.migrate !== false) {
    try {
      await migrateToLatest(db.kysely as Kysely<unknown>);
    } catch (err) {
      // An open pool would keep the process alive after a failed start.
      await db.close();
      throw err;
    }
  }
  return db;
}

const VERSION_READ_INTERVAL_MS = 10;

function openSqlite(path: string, tracing: Tracing | null): Db {
  const memory = path === ':memory:' || path === '';
  const file = memory ? null : resolve(path);
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    // Personas and key hashes are private: a new store is created 0600, like the key file beside it.
    // SQLite gives the -wal and -shm files the database file's permissions. An existing file keeps its.
    closeSync(openSync(file, 'a', 0o600));
  }
  const database = new NodeSqliteDatabase(file ?? ':memory:');
  const raw = database.raw;
  if (file) raw.exec('PRAGMA journal_mode = WAL');
  // NORMAL under WAL survives a process crash (SIGKILL) with every committed transaction; only power loss
  // can lose the last ones, which FULL would cost ~2x write throughput to prevent.
  raw.exec('PRAGMA synchronous = NORMAL');
  raw.exec('PRAGMA busy_timeout = 5000');
  raw.exec('PRAGMA foreign_keys = ON');
  // Checkpoints run in a worker thread, not inside this connection's commits (ADR 0054).
  let checkpointer: ReturnType<typeof startCheckpointer> | undefined;
  const gate = file ? new QuietGate() : undefined;
  if (file) {
    raw.exec(`PRAGMA wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    checkpointer = startCheckpointer(
      file,
      () => {
        if (raw.isOpen) raw.exec('PRAGMA wal_autocheckpoint = 1000');
      },
      gate,
    );
  }
  const dataVersion = raw.prepare('PRAGMA data_version');
  let version = 0;
  let versionReadAt = Number.NEGATIVE_INFINITY;
  let local = 0;
  const plain = new SqliteDialect({ database });
  const dialect = gate ? gate.wrap(plain) : plain;
  const kysely = new Kysely<Database>({
    dialect: tracing ? tracedDialect(dialect, tracing, 'sqlite') : dialect,
  });
  return {
    kysely,
    dialect: 'sqlite',
    file,
    externalVersion: () => {
      // Read at most once per 10 ms: the pragma costs ~10 µs (it reads the WAL index) and is asked twice
      // per request; at 1 ms it was still ~1.3% of a refine at 9,000 req/s. Another process's commit (a
      // key revoked by the CLI) is seen within 10 ms.
      const now = performance.now();
      if (now - versionReadAt >= VERSION_READ_INTERVAL_MS) {
        versionReadAt = now;
        version = Number((dataVersion.get() as { data_version: number }).data_version);
      }
      // data_version only grows, so adding the local count never maps two states to one value.
      return version + local;
    },
    announceChange: async () => {},
    localChange: () => {
      local++;
    },
    ping: async () => {
      raw.prepare('SELECT 1').get();
    },
    close: async () => {
      await kysely.destroy();
      // Before the server's connection: the last one to close checkpoints what is left and drops the WAL.
      await checkpointer?.close();
      database.close();
    },
  };
}

async function openPostgres(url: string, tracing: Tracing | null): Promise<Db> {
  // Loaded only for PostgreSQL: the embedded default never needs the driver.
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 10, idleTimeoutMillis: 30_000 });
  // A pool error on an idle client (server restart) must not crash the process; queries will retry.
  pool.on('error', () => {});
  const dialect = new OwnSchemaPostgresDialect({ pool });
  const kysely = new Kysely<Database>({
    dialect: tracing ? tracedDialect(dialect, tracing, 'postgresql') : dialect,
  });
  const listener = new ChangeListener(url, pg.Client);
  try {
    await listener.start();
  } catch (err) {
    await kysely.destroy();
    throw err;
  }
  return {
    kysely,
    dialect: 'postgres',
    file: null,
    externalVersion: () => listener.version(),
    announceChange: async (tx, what) => {
      await sql`SELECT pg_notify(${listener.channel}, ${what})`.execute(tx);
    },
    localChange: () => listener.bump(),
    ping: async () => {
      await sql`SELECT 1`.execute(kysely);
    },
    copyOut: (query, onData) => copyOut(pool, query, onData),
    close: async () => {
      await listener.close();
      await kysely.destroy();
    },
  };
}
