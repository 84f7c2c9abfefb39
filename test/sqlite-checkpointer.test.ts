import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import { openDb } from '../src/storage/db.ts';
import { BACKSTOP_PAGES, startCheckpointer } from '../src/storage/sqlite-checkpointer.ts';

/** ADR 0054: WAL checkpoints run in a worker thread, never inside the server connection's commits. */

const dir = mkdtempSync(join(tmpdir(), 'personakit-checkpointer-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const MiB = 1024 * 1024;

function walDb(name: string) {
  const file = join(dir, name);
  const db = new DatabaseSync(file);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec(`PRAGMA wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)');
  return { file, db };
}

test('a commit of more than SQLite default 1,000 pages leaves the copy to the checkpointer', async () => {
  const { file, db } = walDb('a.db');
  const sizeBefore = statSync(file).size;
  const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
  // 8 MiB: 2,000 pages, twice the default auto-checkpoint, under the backstop.
  db.exec('BEGIN');
  for (let i = 0; i < 8; i++) insert.run('x'.repeat(MiB));
  db.exec('COMMIT');
  // The commit wrote the WAL only: the database file has not grown.
  assert.equal(statSync(file).size, sizeBefore);
  assert.ok(statSync(`${file}-wal`).size > 8 * MiB);

  let fellBack = false;
  const checkpointer = startCheckpointer(file, () => {
    fellBack = true;
  });
  await checkpointer.now();
  // The worker copied the pages into the database file; everything in the WAL is now in it.
  assert.ok(statSync(file).size > 8 * MiB, String(statSync(file).size));
  const [state] = db.prepare('PRAGMA wal_checkpoint(PASSIVE)').all() as {
    log: number;
    checkpointed: number;
  }[];
  assert.equal(state?.checkpointed, state?.log);
  await checkpointer.close();
  assert.equal(fellBack, false);
  // The next commit starts the WAL over from its beginning (it was copied whole).
  insert.run('y');
  const [after] = db.prepare('PRAGMA wal_checkpoint(PASSIVE)').all() as { log: number }[];
  assert.ok((after?.log ?? Number.POSITIVE_INFINITY) < 10, JSON.stringify(after));
  db.close();
});

test('a checkpointer that cannot run hands checkpoints back to the caller', async () => {
  let fellBack = false;
  const gone = new Promise<void>((resolve) => {
    startCheckpointer(join(dir, 'no-such-dir', 'x.db'), () => {
      fellBack = true;
      resolve();
    });
  });
  await gone;
  assert.equal(fellBack, true);
});

test('openDb on a file: large writes, close, reopen: every row is there and the WAL is gone', async () => {
  const url = `sqlite:${join(dir, 'store.db')}`;
  const db = await openDb(url);
  await sql`CREATE TABLE big (id INTEGER PRIMARY KEY, body TEXT)`.execute(db.kysely);
  for (let i = 0; i < 6; i++)
    await sql`INSERT INTO big (body) VALUES (${'z'.repeat(MiB)})`.execute(db.kysely);
  await db.close();
  // The last connection to close checkpointed and removed the WAL.
  assert.equal(existsSync(join(dir, 'store.db-wal')), false);
  const again = await openDb(url);
  const { rows } = await sql<{ n: number; total: number }>`
    SELECT count(*) AS n, sum(length(body)) AS total FROM big`.execute(again.kysely);
  assert.deepEqual({ ...rows[0] }, { n: 6, total: 6 * MiB });
  await again.close();
});

test('under a steady stream of large commits the WAL still starts over (quiet checkpoints, ADR 0056)', async () => {
  const url = `sqlite:${join(dir, 'stream.db')}`;
  const db = await openDb(url);
  await sql`CREATE TABLE big (id INTEGER PRIMARY KEY, body TEXT)`.execute(db.kysely);
  const body = 'w'.repeat(MiB);
  const wal = join(dir, 'stream.db-wal');
  let largest = 0;
  // 300 MiB in 2 MiB transactions with no pause: without a quiet moment every checkpoint ends a few frames
  // short of the WAL's end, no commit finds it wholly copied, and the WAL file grew to the whole 300 MiB.
  // Other queries meanwhile still answer (they wait for the gate asynchronously, never fail).
  let reads = 0;
  const reader = setInterval(() => {
    void sql`SELECT count(*) AS n FROM big`.execute(db.kysely).then(() => reads++);
  }, 5);
  for (let i = 0; i < 150; i++) {
    await db.kysely.transaction().execute(async (tx) => {
      await sql`INSERT INTO big (body) VALUES (${body})`.execute(tx);
      await sql`INSERT INTO big (body) VALUES (${body})`.execute(tx);
    });
    largest = Math.max(largest, statSync(wal).size);
    // A turn of the loop, as between two requests: the gate's messages get through.
    await new Promise((resolve) => setImmediate(resolve));
  }
  clearInterval(reader);
  assert.ok(largest < 150 * MiB, `the WAL file reached ${(largest / MiB).toFixed(0)} MiB`);
  assert.ok(reads > 0);
  const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM big`.execute(db.kysely);
  assert.equal(rows[0]?.n, 300);
  await db.close();
});
