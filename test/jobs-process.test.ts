import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createJobQueue } from '../src/jobs/queue.ts';
import { type Db, openDb } from '../src/storage/db.ts';
import { backends, describeUnlessSkipped } from './helpers/backends.ts';
import { createRunsTable, jobRow, runs, silentLog, waitFor } from './helpers/jobs.ts';

/**
 * Issue 13.5 at process level: a worker killed with SIGKILL in the middle of a job loses nothing (a
 * restarted one finishes it once its lease lapsed), and two worker processes on one store run a burst of
 * 50 jobs exactly once each.
 */

const worker = fileURLToPath(new URL('./helpers/job-worker.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'personakit-jobs-proc-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Worker {
  child: ChildProcess;
  /** Resolves with the first printed line that matches. */
  line(match: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

function startWorker(env: Record<string, string>): Worker {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', worker], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines: Record<string, unknown>[] = [];
  const waiters: {
    match: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }[] = [];
  let buffer = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    buffer += d;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const parsed = JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>;
      buffer = buffer.slice(nl + 1);
      lines.push(parsed);
      for (const w of waiters.splice(0)) {
        if (w.match(parsed)) w.resolve(parsed);
        else waiters.push(w);
      }
    }
  });
  return {
    child,
    line: (match) =>
      new Promise((resolve, reject) => {
        const seen = lines.find(match);
        if (seen) return resolve(seen);
        waiters.push({ match, resolve });
        child.once('exit', (code) => reject(new Error(`worker exited (${code}) before the expected line`)));
      }),
  };
}

async function countDone(db: Db, kind: string): Promise<number> {
  const r = await db.kysely
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('kind', '=', kind)
    .where('status', '=', 'done')
    .executeTakeFirst();
  return Number(r?.n);
}

for (const { backend, skip } of backends) {
  describeUnlessSkipped(`job queue across processes [${backend.name}]`, skip, () => {
    let url = '';
    let drop = async () => {};
    let db: Db;
    before(async () => {
      if (backend.name === 'sqlite') url = `sqlite:${join(dir, 'jobs.db')}`;
      else ({ url, drop } = await backend.fresh());
      db = await openDb(url);
      await createRunsTable(db);
    });
    after(async () => {
      await db.close();
      await drop();
    });

    test('SIGKILL in the middle of a job, then a restart: the job and the ones queued behind it finish', async () => {
      const kind = 'crash';
      // The API process: accepts the work and answers; it runs no jobs itself.
      const api = createJobQueue(db, silentLog);
      const ids = [
        await api.enqueue(kind, { n: 0 }),
        await api.enqueue(kind, { n: 1 }),
        await api.enqueue(kind, { n: 2 }),
      ];
      const first = startWorker({
        JOB_DB_URL: url,
        JOB_OWNER: 'first',
        JOB_KIND: kind,
        JOB_MODE: 'hang',
        JOB_LEASE_MS: '600',
      });
      const started = await first.line((l) => 'started' in l);
      first.child.kill('SIGKILL');
      await once(first.child, 'exit');
      const hungId = String(started.started);
      assert.equal((await jobRow(db, hungId))?.status, 'running', 'the killed worker left its claim behind');

      const second = startWorker({
        JOB_DB_URL: url,
        JOB_OWNER: 'second',
        JOB_KIND: kind,
        JOB_MODE: 'run',
        JOB_LEASE_MS: '600',
      });
      await waitFor('the three jobs', async () => (await countDone(db, kind)) === 3, 30_000);
      second.child.kill('SIGTERM');
      assert.equal((await once(second.child, 'exit'))[0], 0);

      const all = (await runs(db)).filter((r) => ids.includes(r.job_id));
      assert.deepEqual(
        all.filter((r) => r.job_id === hungId).map((r) => [r.owner, r.attempt]),
        [
          ['first', 1],
          ['second', 2],
        ],
      );
      for (const id of ids.filter((i) => i !== hungId)) {
        assert.deepEqual(
          all.filter((r) => r.job_id === id).map((r) => [r.owner, r.attempt]),
          [['second', 1]],
          'a job still pending at the crash runs once',
        );
      }
      assert.equal((await jobRow(db, hungId))?.attempts, 2);
    });

    test('two worker processes run a burst of 50 jobs exactly once each', async () => {
      const kind = 'burst';
      const workers = ['w1', 'w2'].map((owner) =>
        startWorker({
          JOB_DB_URL: url,
          JOB_OWNER: owner,
          JOB_KIND: kind,
          JOB_MODE: 'run',
          JOB_CONCURRENCY: '4',
        }),
      );
      await Promise.all(workers.map((w) => w.line((l) => 'ready' in l)));
      const api = createJobQueue(db, silentLog);
      const ids = new Set<string>();
      for (let i = 0; i < 50; i++) ids.add(await api.enqueue(kind, { i }));
      await waitFor('all 50 done', async () => (await countDone(db, kind)) === 50, 60_000);
      for (const w of workers) w.child.kill('SIGTERM');
      for (const w of workers) if (w.child.exitCode === null) await once(w.child, 'exit');
      const mine = (await runs(db)).filter((r) => ids.has(r.job_id));
      assert.equal(mine.length, 50, 'executions');
      assert.equal(new Set(mine.map((r) => r.job_id)).size, 50, 'distinct jobs executed');
      assert.ok(
        mine.every((r) => r.attempt === 1),
        'no job was claimed twice',
      );
    });
  });
}
