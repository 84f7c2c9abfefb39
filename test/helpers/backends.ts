import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** A fresh, empty database URL for one suite. */
  fresh(): Promise<{ url: string; drop(): Promise<void> }>;
}

const pgUrl = process.env.TEST_DATABASE_URL;

export const PG_SKIP_REASON = 'TEST_DATABASE_URL is not set: PostgreSQL half skipped';

const sqlite: Backend = {
  name: 'sqlite',
  fresh: async () => ({ url: 'sqlite::memory:', drop: async () => {} }),
};

/**
 * Each PostgreSQL suite gets its own schema (via search_path in the connection options), so suites run
 * in parallel on one database and each starts empty, as a new install would.
 */
const postgres: Backend = {
  name: 'postgres',
  fresh: async () => {
    if (!pgUrl) throw new Error(PG_SKIP_REASON);
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    const url = new URL(pgUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    return {
      url: url.toString(),
      drop: async () => {
        const c = new pg.Client({ connectionString: pgUrl });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await c.end();
      },
    };
  },
};

/** Both backends; PostgreSQL is listed with a skip reason when TEST_DATABASE_URL is missing. */
export const backends: { backend: Backend; skip: string | false }[] = [
  { backend: sqlite, skip: false },
  { backend: postgres, skip: pgUrl ? false : PG_SKIP_REASON },
];

/**
 * describe(), except that a skipped suite is counted as skipped. node:test never runs a skipped suite's
 * body, so none of its tests exist and the closing summary said "skipped 0" while every PostgreSQL suite
 * was left out. A skipped suite here holds one skipped test carrying the reason, so "skipped N" counts
 * the suites that did not run.
 */
export function describeUnlessSkipped(title: string, skip: string | false, body: () => void): void {
  if (!skip) {
    describe(title, body);
    return;
  }
  describe(title, () => {
    test('every test of this suite', { skip }, () => {});
  });
}

/**
 * `name` as two tests whose store outlives one server: a SQLite file (in a directory removed after the
 * file's tests) and a PostgreSQL schema (skipped, and counted so, without TEST_DATABASE_URL). For tests
 * that stop a server and start another on the same store. `body` gets a Backend whose fresh() gives the
 * same database each time it is called.
 */
let fileDir: string | undefined;
export function testOnPersistentStores(name: string, body: (store: Backend) => Promise<void>): void {
  if (!fileDir) {
    const dir = mkdtempSync(join(tmpdir(), 'pk-store-'));
    fileDir = dir;
    after(() => rmSync(dir, { recursive: true, force: true }));
  }
  const dir = fileDir;
  test(`${name} [sqlite file]`, async () => {
    const file = join(dir, `${randomBytes(6).toString('hex')}.db`);
    await body({ name: 'sqlite', fresh: async () => ({ url: `sqlite:${file}`, drop: async () => {} }) });
  });
  test(`${name} [postgres]`, { skip: pgUrl ? false : PG_SKIP_REASON }, async () => {
    const { url, drop } = await postgres.fresh();
    try {
      await body({ name: 'postgres', fresh: async () => ({ url, drop: async () => {} }) });
    } finally {
      await drop();
    }
  });
}
