import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pino from 'pino';
import type { Db } from '../../src/storage/db.ts';
import type { JobRow } from '../../src/storage/schema.ts';

export const silentLog = pino({ level: 'silent' });

/** Polls `check` until it returns a value other than undefined/false; fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export async function jobRow(db: Db, id: string): Promise<JobRow | undefined> {
  return db.kysely.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A table outside the schema where handlers record each execution, so tests count them. */
export async function createRunsTable(db: Db): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS job_runs (job_id text NOT NULL, owner text NOT NULL, attempt integer NOT NULL)`.execute(
    db.kysely,
  );
}

export async function recordRun(db: Db, jobId: string, owner: string, attempt: number): Promise<void> {
  await sql`INSERT INTO job_runs (job_id, owner, attempt) VALUES (${jobId}, ${owner}, ${attempt})`.execute(
    db.kysely,
  );
}

export async function runs(db: Db): Promise<{ job_id: string; owner: string; attempt: number }[]> {
  const { rows } = await sql<{
    job_id: string;
    owner: string;
    attempt: number;
  }>`SELECT job_id, owner, attempt FROM job_runs`.execute(db.kysely);
  return rows.map((r) => ({ ...r, attempt: Number(r.attempt) }));
}
