import type { Kysely, RawBuilder } from 'kysely';
import { newId } from '../core/ids.ts';
import type { Db, Tx } from '../storage/db.ts';
import type { Database, JobRow } from '../storage/schema.ts';

/** The SQL of the job queue: every statement it runs, on either backend. */

export type JobStatus = 'pending' | 'running' | 'done' | 'failed' | 'cancelled';

/** The statuses a unique key is unique among (the partial index of migration 0008 says the same). */
const UNFINISHED: JobStatus[] = ['pending', 'running'];
const FINISHED: JobStatus[] = ['done', 'failed', 'cancelled'];

/** Errors are stored to say why a job failed, not to keep a stack: a bound keeps rows small. */
const MAX_ERROR_CHARS = 2000;

export interface NewJob {
  kind: string;
  payload: unknown;
  runAt: Date;
  uniqueKey?: string;
  maxAttempts: number;
  accountId?: string;
}

/**
 * Inserts the job (in `tx` when given) and returns its id; with a unique key held by a pending or running
 * job, that job's id instead. The insert ignores the conflict rather than failing it, which on PostgreSQL
 * would abort the caller's whole transaction. `wake` (PostgreSQL: a pg_notify call) is evaluated in the
 * same statement when a row was inserted, so enqueueing stays one round trip and one commit.
 */
export async function insertJob(
  db: Kysely<Database> | Tx,
  job: NewJob,
  now: Date,
  wake?: RawBuilder<unknown>,
): Promise<string> {
  const payload = JSON.stringify(job.payload ?? null);
  const stamp = now.toISOString();
  // Two rounds: the holder of the key may finish between our insert and our read.
  for (let round = 0; ; round++) {
    const id = newId('job_');
    const values = {
      id,
      kind: job.kind,
      payload,
      account_id: job.accountId ?? null,
      unique_key: job.uniqueKey ?? null,
      status: 'pending',
      attempts: 0,
      max_attempts: job.maxAttempts,
      run_at: job.runAt.toISOString(),
      locked_by: null,
      locked_until: null,
      last_error: null,
      created_at: stamp,
      updated_at: stamp,
    };
    let inserted: boolean;
    if (wake) {
      const row = await db
        .with('ins', (w) =>
          w
            .insertInto('jobs')
            .values(values)
            .onConflict((oc) => oc.doNothing())
            .returning('id'),
        )
        .selectFrom('ins')
        .select(['ins.id', wake.as('woke')])
        .executeTakeFirst();
      inserted = row !== undefined;
    } else {
      const r = await db
        .insertInto('jobs')
        .values(values)
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      inserted = Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    }
    if (inserted || job.uniqueKey === undefined) return id;
    const holder = await db
      .selectFrom('jobs')
      .select('id')
      .where('unique_key', '=', job.uniqueKey)
      .where('status', 'in', UNFINISHED)
      .executeTakeFirst();
    if (holder) return holder.id;
    if (round > 0) throw new Error(`job unique key ${job.uniqueKey} is held but its job cannot be read`);
  }
}

/**
 * Claims up to `limit` jobs of `kind`: pending ones that are due, and running ones whose lease lapsed
 * (their process died or hung). Each claim counts an attempt. PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED
 * then UPDATE in one transaction, so concurrent instances never claim one row twice and never wait on each
 * other. SQLite has one writer: a single UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING is atomic.
 */
export async function claimJobs(
  db: Db,
  kind: string,
  limit: number,
  owner: string,
  leaseMs: number,
  now: Date,
): Promise<JobRow[]> {
  const stamp = now.toISOString();
  const claim = {
    status: 'running',
    locked_by: owner,
    locked_until: new Date(now.getTime() + leaseMs).toISOString(),
    updated_at: stamp,
  };
  const claimable = (q: Kysely<Database> | Tx) =>
    q
      .selectFrom('jobs')
      .select('id')
      .where('kind', '=', kind)
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'pending'), eb('run_at', '<=', stamp)]),
          eb.and([eb('status', '=', 'running'), eb('locked_until', '<', stamp)]),
        ]),
      )
      .orderBy('run_at')
      .orderBy('id')
      .limit(limit);
  if (db.dialect === 'sqlite') {
    return db.kysely
      .updateTable('jobs')
      .set((eb) => ({ ...claim, attempts: eb('attempts', '+', 1) }))
      .where('id', 'in', claimable(db.kysely))
      .returningAll()
      .execute();
  }
  return db.kysely.transaction().execute(async (tx) => {
    const ids = (await claimable(tx).forUpdate().skipLocked().execute()).map((r) => r.id);
    if (ids.length === 0) return [];
    return tx
      .updateTable('jobs')
      .set((eb) => ({ ...claim, attempts: eb('attempts', '+', 1) }))
      .where('id', 'in', ids)
      .returningAll()
      .execute();
  });
}

/** The claim a running job is held under: its owner and the attempt that claimed it. */
export interface Claim {
  id: string;
  owner: string;
  attempts: number;
}

function held(db: Db, claim: Claim) {
  return db.kysely
    .updateTable('jobs')
    .where('id', '=', claim.id)
    .where('status', '=', 'running')
    .where('locked_by', '=', claim.owner)
    .where('attempts', '=', claim.attempts);
}

/** Extends the lease; false when the claim is gone (cancelled, or lapsed and taken by another instance). */
export async function renewLease(db: Db, claim: Claim, leaseMs: number, now: Date): Promise<boolean> {
  const r = await held(db, claim)
    .set({ locked_until: new Date(now.getTime() + leaseMs).toISOString(), updated_at: now.toISOString() })
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function completeJob(db: Db, claim: Claim, now: Date): Promise<boolean> {
  const r = await held(db, claim)
    .set({ status: 'done', locked_by: null, locked_until: null, updated_at: now.toISOString() })
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** A failed attempt: pending again at `retryAt`, or 'failed' when `retryAt` is null. */
export async function failAttempt(
  db: Db,
  claim: Claim,
  error: string,
  retryAt: Date | null,
  now: Date,
): Promise<boolean> {
  const r = await held(db, claim)
    .set({
      status: retryAt ? 'pending' : 'failed',
      run_at: retryAt ? retryAt.toISOString() : now.toISOString(),
      locked_by: null,
      locked_until: null,
      last_error: error.slice(0, MAX_ERROR_CHARS),
      updated_at: now.toISOString(),
    })
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** An attempt interrupted by shutdown: pending again at once, and the attempt is not counted. */
export async function releaseJob(db: Db, claim: Claim, now: Date): Promise<boolean> {
  const r = await held(db, claim)
    .set((eb) => ({
      status: 'pending',
      attempts: eb('attempts', '-', 1),
      run_at: now.toISOString(),
      locked_by: null,
      locked_until: null,
      updated_at: now.toISOString(),
    }))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export interface CancelWhere {
  kind?: string;
  uniqueKey?: string;
  accountId?: string;
}

/** Cancels the matching pending and running jobs; returns their ids. */
export async function cancelJobs(db: Db, where: CancelWhere, now: Date): Promise<string[]> {
  let q = db.kysely
    .updateTable('jobs')
    .set({ status: 'cancelled', locked_by: null, locked_until: null, updated_at: now.toISOString() })
    .where('status', 'in', UNFINISHED);
  if (where.kind !== undefined) q = q.where('kind', '=', where.kind);
  if (where.uniqueKey !== undefined) q = q.where('unique_key', '=', where.uniqueKey);
  if (where.accountId !== undefined) q = q.where('account_id', '=', where.accountId);
  const rows = await q.returning('id').execute();
  return rows.map((r) => r.id);
}

/** Deletes finished jobs last changed before `before`; returns how many. */
export async function purgeFinished(db: Db, before: Date): Promise<number> {
  const r = await db.kysely
    .deleteFrom('jobs')
    .where('status', 'in', FINISHED)
    .where('updated_at', '<', before.toISOString())
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Jobs by kind and status, for the metrics' queue depth (a GROUP BY over the status index's rows). */
export async function jobCounts(db: Db): Promise<{ kind: string; status: string; count: number }[]> {
  const rows = await db.kysely
    .selectFrom('jobs')
    .select(['kind', 'status', (eb) => eb.fn.countAll<string | number>().as('count')])
    .groupBy(['kind', 'status'])
    .execute();
  return rows.map((r) => ({ kind: r.kind, status: r.status, count: Number(r.count) }));
}
