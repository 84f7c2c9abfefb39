import { setTimeout as sleep } from 'node:timers/promises';
import { createJobQueue } from '../../src/jobs/queue.ts';
import { openDb } from '../../src/storage/db.ts';
import { createRunsTable, recordRun, silentLog } from './jobs.ts';

/**
 * A stand-alone instance of the job queue for process-level tests (test/jobs-process.test.ts): opens the
 * store at JOB_DB_URL, runs jobs of JOB_KIND as JOB_OWNER, records each execution in job_runs and prints
 * one JSON line per start. JOB_MODE=hang never finishes a job (the process is to be killed mid-job).
 */
const env = (name: string): string => {
  const v = process.env[name];
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};
const owner = env('JOB_OWNER');
const hang = env('JOB_MODE') === 'hang';
const db = await openDb(env('JOB_DB_URL'));
await createRunsTable(db);
const queue = createJobQueue(db, silentLog, { pollMs: 100, minPollMs: 10, owner });
queue.handle(
  env('JOB_KIND'),
  async (job) => {
    await recordRun(db, job.id, owner, job.attempts);
    process.stdout.write(`${JSON.stringify({ started: job.id, attempts: job.attempts })}\n`);
    if (hang) await new Promise(() => {});
    await sleep(5 + Math.random() * 10);
  },
  {
    concurrency: Number(process.env.JOB_CONCURRENCY ?? '1'),
    leaseMs: Number(process.env.JOB_LEASE_MS ?? '30000'),
  },
);
queue.start();
// The queue's timers are unref'd (they never keep a server alive on their own): this process lives until told.
const alive = setInterval(() => {}, 60_000);
process.stdout.write(`${JSON.stringify({ ready: owner })}\n`);
process.once('SIGTERM', () => {
  clearInterval(alive);
  void queue
    .stop()
    .then(() => db.close())
    .then(() => process.exit(0));
});
