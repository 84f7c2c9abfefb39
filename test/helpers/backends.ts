import { randomBytes } from 'node:crypto';
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
