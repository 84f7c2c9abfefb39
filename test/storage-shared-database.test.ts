import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';
import { openDb } from '../src/storage/db.ts';
import { describeUnlessSkipped, PG_SKIP_REASON } from './helpers/backends.ts';

/**
 * Several installs share one PostgreSQL database, each in its own schema (and so do this project's test
 * suites, in parallel). One of them creating or dropping its schema must never break another's start:
 * Kysely's own introspection reads every schema by name and failed with "schema … does not exist" when
 * one vanished during its scan (CI run of 2026-11-22).
 */
const pgUrl = process.env.TEST_DATABASE_URL;
const skip = pgUrl ? false : PG_SKIP_REASON;

describeUnlessSkipped('installs in other schemas of the same PostgreSQL database', skip, () => {
  test('migrating while other schemas come and go: every start succeeds and sees only its own tables', async () => {
    const url = pgUrl as string;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    let churning = true;
    let churned = 0;
    // Another install appearing and disappearing as fast as the server allows.
    const churn = (async () => {
      while (churning) {
        const other = `churn_${randomBytes(6).toString('hex')}`;
        await admin.query(
          `CREATE SCHEMA ${other}; CREATE TABLE ${other}.a (id int); CREATE TABLE ${other}.b (id int); CREATE TABLE ${other}.personakit_migrations (name text)`,
        );
        await admin.query(`DROP SCHEMA ${other} CASCADE`);
        churned++;
      }
    })();
    const ours: string[] = [];
    try {
      for (let i = 0; i < 25; i++) {
        const schema = `t_mig_${randomBytes(6).toString('hex')}`;
        ours.push(schema);
        await admin.query(`CREATE SCHEMA ${schema}`);
        const u = new URL(url);
        u.searchParams.set('options', `-c search_path=${schema}`);
        const db = await openDb(u.toString());
        try {
          const tables = await db.kysely.introspection.getTables();
          assert.ok(tables.length > 0);
          assert.ok(
            tables.every((t) => t.schema === schema),
            `introspection saw other schemas: ${[...new Set(tables.map((t) => t.schema))].join(', ')}`,
          );
          assert.ok(tables.some((t) => t.name === 'personas'));
        } finally {
          await db.close();
        }
      }
    } finally {
      churning = false;
      await churn;
      for (const s of ours) await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      await admin.end();
    }
    assert.ok(churned > 0, 'the other install never churned: the test proved nothing');
  });
});
