import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { settlesWithin } from '../core/settles-within.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Db, Tx } from '../storage/db.ts';
import type { JobRow } from '../storage/schema.ts';
import { backoffMs } from './backoff.ts';
import { JobWakeListener, wakeOtherInstances } from './pg-wake.ts';
import {
  type CancelWhere,
  type Claim,
  cancelJobs,
  claimJobs,
  completeJob,
  failAttempt,
  insertJob,
  purgeFinished,
  releaseJob,
  renewLease,
} from './store.ts';

/**
 * A durable job queue kept in the store (ADR 0023): a job is a row, so one accepted with a document
 * commits with it and survives a crash; instances sharing a PostgreSQL share the work, each job run by
 * one of them at a time (a lease), and a lapsed lease makes the job claimable again.
 */

export interface JobRecord {
  id: string;
  kind: string;
  payload: unknown;
  /** This attempt's number, from 1. */
  attempts: number;
  maxAttempts: number;
  runAt: string;
}

export interface EnqueueOptions {
  runAt?: Date;
  /** While a job with this key is pending or running, enqueueing again returns that job's id. */
  uniqueKey?: string;
  maxAttempts?: number;
  accountId?: string;
}

export type JobHandler = (job: JobRecord, signal: AbortSignal) => Promise<void>;

export interface HandleOptions {
  /** Jobs of this kind run at once in this process (default 1). */
  concurrency?: number;
  /** How long a claim holds unless renewed; renewed every third of it while the handler runs. */
  leaseMs?: number;
  /** Called once when a job has failed for good (its last attempt threw, or its leases kept lapsing). */
  onFailed?: (job: JobRecord, err: unknown) => Promise<void>;
  /**
   * Whether an error is worth another attempt (default: every error is). A file in an unsupported format
   * stays unsupported: answering false fails the job at once instead of after maxAttempts backoffs.
   */
  retryable?: (err: unknown) => boolean;
  /**
   * Aborts the handler's signal after this long (default: no bound); the attempt then fails as any other.
   * The handler must honour its signal: one that ignores it keeps its slot and its lease.
   */
  timeoutMs?: number;
}

export interface JobQueue {
  /** Inside the caller's transaction when `tx` is given (so a document and its job commit together). */
  enqueue(kind: string, payload: unknown, options?: EnqueueOptions, tx?: Tx): Promise<string>;
  /** Registers a handler; a throw retries with exponential backoff up to maxAttempts, then the job is 'failed'. */
  handle(kind: string, handler: JobHandler, options?: HandleOptions): void;
  /** Begins polling (and wakes on enqueue in-process). */
  start(): void;
  /** Stops claiming; waits for running handlers up to a bound; aborts them after. */
  stop(): Promise<void>;
  /** Cancels pending and running jobs (a deleted document's); running ones here are aborted. At least one field. */
  cancel(where: CancelWhere): Promise<number>;
  /** Counts attempts and their outcomes in these metrics (null: none). */
  observe(metrics: Metrics | null): void;
}

export interface JobQueueOptions {
  /** The longest idle poll interval (default 2000 ms); a busy or just-woken queue polls sooner. */
  pollMs?: number;
  /** The shortest poll interval, after work or a wake (default 25 ms, at most pollMs). */
  minPollMs?: number;
  /** Names this process in locked_by (default host:pid:random). */
  owner?: string;
  /** The clock for stored times (tests move it); timers use the real clock. */
  now?: () => Date;
  /** Retry delays: base * 2^(n-1) with equal jitter, capped (defaults 1 s and 10 min). */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Attempts when enqueue does not say (default 5). */
  maxAttempts?: number;
  /** stop() waits this long for running handlers before aborting them (default 10 s). */
  stopTimeoutMs?: number;
  /** Finished jobs are deleted this long after they finished (default 7 days). */
  purgeAfterMs?: number;
  /**
   * PostgreSQL: the store's URL (DATABASE_URL), to LISTEN on one more connection for other instances'
   * enqueues, so an idle instance starts a job at once instead of at its next poll. Without it, polling.
   */
  databaseUrl?: string;
}

const DEFAULT_LEASE_MS = 30_000;
const PURGE_EVERY_MS = 60 * 60 * 1000;
/** After aborting, how long stop() still gives handlers to record their end. */
const ABORT_GRACE_MS = 1000;

interface Kind {
  handler: JobHandler;
  concurrency: number;
  leaseMs: number;
  onFailed: HandleOptions['onFailed'];
  retryable: HandleOptions['retryable'];
  timeoutMs: number | undefined;
  running: number;
}

interface Running {
  controller: AbortController;
  renew: NodeJS.Timeout;
  done: Promise<void>;
}

/** The abort reason stop() gives: the attempt is handed back, not counted as a failure. */
class QueueStopping extends Error {
  constructor() {
    super('the job queue is stopping');
  }
}

/** The abort reason when the claim is no longer ours (cancelled, or taken over): nothing to record. */
class ClaimLost extends Error {}

/** The abort reason when the handler ran past its timeoutMs: a failed attempt. */
class AttemptTimedOut extends Error {}

/** A failure no retry can mend (a payload that is not JSON). */
class Permanent extends Error {}

export function createJobQueue(db: Db, log: Logger, options: JobQueueOptions = {}): JobQueue {
  return new StoreJobQueue(db, log, options);
}

class StoreJobQueue implements JobQueue {
  readonly #db: Db;
  #metrics: Metrics | null = null;
  readonly #log: Logger;
  readonly #now: () => Date;
  readonly #owner: string;
  readonly #pollMs: number;
  readonly #minPollMs: number;
  readonly #backoffBaseMs: number;
  readonly #backoffCapMs: number;
  readonly #maxAttempts: number;
  readonly #stopTimeoutMs: number;
  readonly #purgeAfterMs: number;
  readonly #kinds = new Map<string, Kind>();
  readonly #running = new Map<string, Running>();
  #started = false;
  #stopping = false;
  #ticking = false;
  #again = false;
  #interval: number;
  #timer: NodeJS.Timeout | undefined;
  /** The poll in progress: stop() waits for it, so a claim it is making cannot start a job after. */
  #tickDone: Promise<void> = Promise.resolve();
  #lastPurge = Number.NEGATIVE_INFINITY;
  readonly #listener: JobWakeListener | undefined;

  constructor(db: Db, log: Logger, options: JobQueueOptions) {
    this.#db = db;
    this.#log = log;
    this.#now = options.now ?? (() => new Date());
    this.#owner = options.owner ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.#pollMs = positive(options.pollMs, 2000, 'pollMs');
    this.#minPollMs = Math.min(positive(options.minPollMs, 25, 'minPollMs'), this.#pollMs);
    this.#backoffBaseMs = positive(options.backoffBaseMs, 1000, 'backoffBaseMs');
    this.#backoffCapMs = positive(options.backoffCapMs, 10 * 60 * 1000, 'backoffCapMs');
    this.#maxAttempts = attemptsOf(options.maxAttempts, 5);
    this.#stopTimeoutMs = positive(options.stopTimeoutMs, 10_000, 'stopTimeoutMs');
    this.#purgeAfterMs = positive(options.purgeAfterMs, 7 * 24 * 60 * 60 * 1000, 'purgeAfterMs');
    this.#interval = this.#minPollMs;
    if (db.dialect === 'postgres' && options.databaseUrl !== undefined) {
      this.#listener = new JobWakeListener(options.databaseUrl, () => this.#wake(), log);
    }
  }

  async enqueue(kind: string, payload: unknown, options: EnqueueOptions = {}, tx?: Tx): Promise<string> {
    const now = this.#now();
    const id = await insertJob(
      tx ?? this.#db.kysely,
      {
        kind,
        payload,
        runAt: options.runAt ?? now,
        maxAttempts: attemptsOf(options.maxAttempts, this.#maxAttempts),
        ...(options.uniqueKey !== undefined && { uniqueKey: options.uniqueKey }),
        ...(options.accountId !== undefined && { accountId: options.accountId }),
      },
      now,
      // Other instances hear it when it commits (PostgreSQL).
      this.#db.dialect === 'postgres' ? wakeOtherInstances : undefined,
    );
    // Inside a transaction the row is not visible yet: the wake only shortens the poll interval, and
    // the next short poll after the commit finds it.
    this.#wake();
    return id;
  }

  handle(kind: string, handler: JobHandler, options: HandleOptions = {}): void {
    if (this.#kinds.has(kind)) throw new Error(`job kind ${kind} already has a handler`);
    this.#kinds.set(kind, {
      handler,
      concurrency: Math.max(1, Math.floor(options.concurrency ?? 1)),
      leaseMs: positive(options.leaseMs, DEFAULT_LEASE_MS, 'leaseMs'),
      onFailed: options.onFailed,
      retryable: options.retryable,
      timeoutMs: options.timeoutMs === undefined ? undefined : positive(options.timeoutMs, 0, 'timeoutMs'),
      running: 0,
    });
    this.#wake();
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#listener?.start();
    this.#wake();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#timer);
    await this.#listener?.close();
    await this.#tickDone;
    const all = () => Promise.allSettled([...this.#running.values()].map((r) => r.done));
    if (await settlesWithin(all(), this.#stopTimeoutMs)) return;
    for (const r of this.#running.values()) {
      r.controller.abort(new QueueStopping());
      // A handler that ignores its signal keeps running, but its lease is no longer renewed: it lapses
      // and another instance (or this one, restarted) takes the job over.
      clearInterval(r.renew);
    }
    await settlesWithin(all(), ABORT_GRACE_MS);
  }

  observe(metrics: Metrics | null): void {
    this.#metrics = metrics;
  }

  async cancel(where: CancelWhere): Promise<number> {
    if (where.kind === undefined && where.uniqueKey === undefined && where.accountId === undefined) {
      throw new Error('cancel() needs a kind, a uniqueKey or an accountId');
    }
    const ids = await cancelJobs(this.#db, where, this.#now());
    for (const id of ids) this.#running.get(id)?.controller.abort(new ClaimLost('the job was cancelled'));
    return ids.length;
  }

  /** Polls soon: now if idle, or right after the poll in progress. */
  #wake(): void {
    if (!this.#started || this.#stopping) return;
    this.#interval = this.#minPollMs;
    if (this.#ticking) {
      this.#again = true;
      return;
    }
    this.#schedule(0);
  }

  #schedule(ms: number): void {
    clearTimeout(this.#timer);
    // unref: polling alone must not keep a stopping process alive; running handlers do.
    this.#timer = setTimeout(() => {
      if (!this.#ticking) this.#tickDone = this.#tick();
    }, ms).unref();
  }

  async #tick(): Promise<void> {
    if (!this.#started || this.#stopping || this.#ticking) return;
    this.#ticking = true;
    let claimed = 0;
    try {
      for (const [kind, k] of this.#kinds) {
        const free = k.concurrency - k.running;
        if (free <= 0 || this.#stopping) continue;
        const rows = await claimJobs(this.#db, kind, free, this.#owner, k.leaseMs, this.#now());
        claimed += rows.length;
        for (const row of rows) this.#run(kind, k, row);
      }
      await this.#purgeNow();
    } catch (err) {
      if (!this.#stopping) this.#log.warn({ err }, 'job queue: claiming failed; retrying');
      this.#interval = this.#pollMs;
    } finally {
      this.#ticking = false;
    }
    if (this.#stopping) return;
    if (this.#again || claimed > 0) {
      this.#again = false;
      this.#interval = this.#minPollMs;
      this.#schedule(claimed > 0 ? 0 : this.#minPollMs);
      return;
    }
    this.#schedule(this.#interval);
    this.#interval = Math.min(this.#interval * 2, this.#pollMs);
  }

  async #purgeNow(): Promise<void> {
    const now = this.#now().getTime();
    if (now - this.#lastPurge < PURGE_EVERY_MS) return;
    this.#lastPurge = now;
    const purged = await purgeFinished(this.#db, new Date(now - this.#purgeAfterMs));
    if (purged > 0) this.#log.debug({ purged }, 'job queue: finished jobs purged');
  }

  #run(kind: string, k: Kind, row: JobRow): void {
    let payload: unknown;
    let unreadable: Permanent | undefined;
    try {
      payload = JSON.parse(row.payload);
    } catch {
      unreadable = new Permanent('the job payload is not JSON');
    }
    const job: JobRecord = {
      id: row.id,
      kind,
      payload,
      attempts: row.attempts,
      maxAttempts: row.max_attempts,
      runAt: row.run_at,
    };
    const claim: Claim = { id: row.id, owner: this.#owner, attempts: row.attempts };
    k.running++;
    const controller = new AbortController();
    const renew = setInterval(() => {
      renewLease(this.#db, claim, k.leaseMs, this.#now())
        .then((held) => {
          if (!held) controller.abort(new ClaimLost('the job lease was lost (cancelled, or taken over)'));
        })
        .catch((err: unknown) => this.#log.warn({ err, job: job.id }, 'job queue: lease renewal failed'));
    }, k.leaseMs / 3).unref();
    const done = this.#attempt(k, job, claim, controller, renew, unreadable).finally(() => {
      k.running--;
      this.#running.delete(job.id);
      this.#wake();
    });
    this.#running.set(job.id, { controller, renew, done });
  }

  async #attempt(
    k: Kind,
    job: JobRecord,
    claim: Claim,
    controller: AbortController,
    renew: NodeJS.Timeout,
    unreadable: Permanent | undefined,
  ): Promise<void> {
    let failure: { err: unknown } | undefined;
    const timeoutMs = k.timeoutMs;
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(
            () => controller.abort(new AttemptTimedOut(`the job ran longer than ${timeoutMs} ms`)),
            timeoutMs,
          ).unref();
    try {
      if (unreadable) throw unreadable;
      // Claims whose process died count as attempts: a job that kills its process ends, too.
      if (job.attempts > job.maxAttempts)
        throw new Permanent(`the job's lease lapsed on each of its ${job.maxAttempts} attempts`);
      await k.handler(job, controller.signal);
    } catch (err) {
      // A handler aborted by its timeout throws whatever its I/O threw (an AbortError): say why instead.
      failure = { err: controller.signal.reason instanceof AttemptTimedOut ? controller.signal.reason : err };
    } finally {
      clearInterval(renew);
      clearTimeout(timer);
    }
    try {
      await this.#record(k, job, claim, controller.signal, failure);
    } catch (err) {
      this.#log.warn({ err, job: job.id }, 'job queue: could not record the end of a job');
    }
  }

  async #record(
    k: Kind,
    job: JobRecord,
    claim: Claim,
    signal: AbortSignal,
    failure: { err: unknown } | undefined,
  ): Promise<void> {
    const now = this.#now();
    if (!failure) {
      await completeJob(this.#db, claim, now);
      this.#metrics?.jobAttempt(job.kind, 'done');
      return;
    }
    // Stopping hands the attempt back; a cancelled or lost claim is no longer ours to record.
    if (signal.reason instanceof QueueStopping) {
      await releaseJob(this.#db, claim, now);
      return;
    }
    if (signal.reason instanceof ClaimLost) return;
    const message = errorText(failure.err);
    const final =
      job.attempts >= job.maxAttempts ||
      failure.err instanceof Permanent ||
      (k.retryable !== undefined && !retryable(k.retryable, failure.err));
    this.#metrics?.jobAttempt(job.kind, final ? 'failed' : 'retry');
    if (final) {
      const recorded = await failAttempt(this.#db, claim, message, null, now);
      this.#log.warn({ job: job.id, kind: job.kind, attempts: job.attempts, error: message }, 'job failed');
      if (recorded && k.onFailed) {
        await k
          .onFailed(job, failure.err)
          .catch((err: unknown) => this.#log.warn({ err, job: job.id }, 'job queue: onFailed threw'));
      }
      return;
    }
    const delay = backoffMs(job.attempts, this.#backoffBaseMs, this.#backoffCapMs);
    await failAttempt(this.#db, claim, message, new Date(now.getTime() + delay), now);
    this.#log.info(
      { job: job.id, kind: job.kind, attempts: job.attempts, retryInMs: delay, error: message },
      'job attempt failed; retrying',
    );
    // Wake when it is due rather than at the next idle poll.
    setTimeout(() => this.#wake(), delay).unref();
  }
}

/** A retryable() that throws is a bug in the caller; the job must still be recorded: retry it. */
function retryable(check: (err: unknown) => boolean, err: unknown): boolean {
  try {
    return check(err);
  } catch {
    return true;
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return typeof err === 'string' ? err : 'non-Error thrown';
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`job queue: ${name} must be a positive number`);
  return value;
}

function attemptsOf(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError('job queue: maxAttempts must be an integer ≥ 1');
  return value;
}
