// STAND-IN: replaced by the k-jobs branch
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Logger } from '../log.ts';
import type { Db, Tx } from '../storage/db.ts';

export interface JobRecord {
  id: string;
  kind: string;
  payload: unknown;
  attempts: number;
  maxAttempts: number;
  runAt: string;
}
export interface EnqueueOptions {
  runAt?: Date;
  uniqueKey?: string;
  maxAttempts?: number;
  accountId?: string;
}
type Handler = (job: JobRecord, signal: AbortSignal) => Promise<void>;
interface HandlerOptions {
  concurrency?: number;
  leaseMs?: number;
  onFailed?: (job: JobRecord, err: unknown) => Promise<void>;
}
export interface JobQueue {
  enqueue(kind: string, payload: unknown, options?: EnqueueOptions, tx?: Tx): Promise<string>;
  handle(kind: string, handler: Handler, options?: HandlerOptions): void;
  start(): void;
  stop(): Promise<void>;
  cancel(where: { kind?: string; uniqueKey?: string }): Promise<number>;
}

interface Row {
  id: string;
  kind: string;
  payload: string;
  attempts: number | string;
  max_attempts: number | string;
  run_at: string;
  unique_key: string | null;
}

const ready = new WeakMap<Db, Promise<void>>();
/** In a caller's transaction the table is made there: on SQLite's one connection another query would wait forever. */
function ensureTable(db: Db, tx?: Tx): Promise<void> {
  let p = tx ? undefined : ready.get(db);
  if (!p) {
    p =
      sql`CREATE TABLE IF NOT EXISTS standin_jobs (id text PRIMARY KEY, kind text NOT NULL, payload text NOT NULL,
      state text NOT NULL, attempts integer NOT NULL DEFAULT 0, max_attempts integer NOT NULL, run_at text NOT NULL,
      unique_key text, account_id text, locked_until text, last_error text)`
        .execute(tx ?? db.kysely)
        .then(() => undefined);
    if (!tx) ready.set(db, p);
  }
  return p;
}

export function createJobQueue(
  db: Db,
  log: Logger,
  options: { pollMs?: number; owner?: string; now?: () => Date } = {},
): JobQueue {
  const pollMs = options.pollMs ?? 200;
  const now = options.now ?? (() => new Date());
  const handlers = new Map<string, { fn: Handler; opts: HandlerOptions; running: number }>();
  const running = new Map<
    string,
    { kind: string; uniqueKey: string | null; ac: AbortController; done: Promise<void> }
  >();
  let timer: NodeJS.Timeout | undefined;
  let started = false;
  let polling = false;

  const claim = async (kind: string, leaseMs: number): Promise<Row | undefined> => {
    const t = now().toISOString();
    const until = new Date(now().getTime() + leaseMs).toISOString();
    const lock = db.dialect === 'postgres' ? sql` FOR UPDATE SKIP LOCKED` : sql``;
    const { rows } = await sql<Row>`UPDATE standin_jobs SET state = 'running', locked_until = ${until},
      attempts = attempts + 1 WHERE id = (SELECT id FROM standin_jobs WHERE kind = ${kind} AND
      ((state = 'queued' AND run_at <= ${t}) OR (state = 'running' AND locked_until < ${t}))
      ORDER BY run_at LIMIT 1${lock}) RETURNING id, kind, payload, attempts, max_attempts, run_at, unique_key`.execute(
      db.kysely,
    );
    return rows[0];
  };

  const run = (row: Row, h: { fn: Handler; opts: HandlerOptions; running: number }) => {
    const job: JobRecord = {
      id: row.id,
      kind: row.kind,
      payload: JSON.parse(row.payload),
      attempts: Number(row.attempts),
      maxAttempts: Number(row.max_attempts),
      runAt: row.run_at,
    };
    const ac = new AbortController();
    h.running++;
    const done = (async () => {
      try {
        await h.fn(job, ac.signal);
        await sql`UPDATE standin_jobs SET state = 'done' WHERE id = ${job.id} AND state = 'running'`.execute(
          db.kysely,
        );
      } catch (err) {
        if (job.attempts >= job.maxAttempts || ac.signal.aborted) {
          await sql`UPDATE standin_jobs SET state = 'failed', last_error = ${String(err)} WHERE id = ${job.id} AND state = 'running'`.execute(
            db.kysely,
          );
          if (!ac.signal.aborted) await h.opts.onFailed?.(job, err).catch(() => {});
        } else {
          const delay = Math.min(500 * 2 ** (job.attempts - 1), 60_000);
          const at = new Date(now().getTime() + delay).toISOString();
          await sql`UPDATE standin_jobs SET state = 'queued', run_at = ${at}, last_error = ${String(err)}
            WHERE id = ${job.id} AND state = 'running'`.execute(db.kysely);
        }
      }
    })()
      .catch((err: unknown) => log.error({ err }, 'job bookkeeping failed'))
      .finally(() => {
        h.running--;
        running.delete(job.id);
        if (started) void poll();
      });
    running.set(job.id, { kind: job.kind, uniqueKey: row.unique_key, ac, done });
  };

  const poll = async (): Promise<void> => {
    if (!started || polling) return;
    polling = true;
    try {
      await ensureTable(db);
      for (const [kind, h] of handlers) {
        while (started && h.running < (h.opts.concurrency ?? 2)) {
          const row = await claim(kind, h.opts.leaseMs ?? 60_000);
          if (!row) break;
          run(row, h);
        }
      }
    } catch (err) {
      log.error({ err }, 'job poll failed');
    } finally {
      polling = false;
    }
  };

  return {
    async enqueue(kind, payload, opts = {}, tx) {
      await ensureTable(db, tx);
      const exec = tx ?? db.kysely;
      if (opts.uniqueKey !== undefined) {
        const { rows } = await sql<{
          id: string;
        }>`SELECT id FROM standin_jobs WHERE unique_key = ${opts.uniqueKey}
          AND state IN ('queued', 'running')`.execute(exec);
        if (rows[0]) return rows[0].id;
      }
      const id = randomUUID();
      const runAt = (opts.runAt ?? now()).toISOString();
      await sql`INSERT INTO standin_jobs (id, kind, payload, state, max_attempts, run_at, unique_key, account_id)
        VALUES (${id}, ${kind}, ${JSON.stringify(payload)}, 'queued', ${opts.maxAttempts ?? 5}, ${runAt},
        ${opts.uniqueKey ?? null}, ${opts.accountId ?? null})`.execute(exec);
      // Woken after the caller's transaction had a chance to commit.
      if (started) setTimeout(() => void poll(), tx ? 5 : 0);
      return id;
    },
    handle(kind, fn, opts = {}) {
      handlers.set(kind, { fn, opts, running: 0 });
    },
    start() {
      if (started) return;
      started = true;
      timer = setInterval(() => void poll(), pollMs);
      void poll();
    },
    async stop() {
      started = false;
      clearInterval(timer);
      const all = [...running.values()];
      const settled = Promise.all(all.map((r) => r.done));
      const bounded = await Promise.race([
        settled.then(() => true),
        new Promise((r) => setTimeout(r, 5000, false)),
      ]);
      if (!bounded) for (const r of all) r.ac.abort();
      await settled;
    },
    async cancel(where) {
      await ensureTable(db);
      let n = 0;
      for (const r of running.values()) {
        if (
          (where.kind === undefined || r.kind === where.kind) &&
          (where.uniqueKey === undefined || r.uniqueKey === where.uniqueKey)
        ) {
          r.ac.abort();
          n++;
        }
      }
      const { rows } = await sql<{ id: string }>`UPDATE standin_jobs SET state = 'cancelled'
        WHERE state IN ('queued', 'running')
        AND (CAST(${where.kind ?? null} AS text) IS NULL OR kind = ${where.kind ?? null})
        AND (CAST(${where.uniqueKey ?? null} AS text) IS NULL OR unique_key = ${where.uniqueKey ?? null}) RETURNING id`.execute(
        db.kysely,
      );
      return Math.max(n, rows.length);
    },
  };
}
