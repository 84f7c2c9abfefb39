import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { backoffMs } from '../src/jobs/backoff.ts';
import { createJobQueue, type JobQueue, type JobQueueOptions } from '../src/jobs/queue.ts';
import { type Db, openDb } from '../src/storage/db.ts';
import { backends, describeUnlessSkipped } from './helpers/backends.ts';
import { createRunsTable, jobRow, recordRun, runs, silentLog, waitFor } from './helpers/jobs.ts';

/** Issue 13.5: the durable job queue (src/jobs/), on both backends. */

const dir = mkdtempSync(join(tmpdir(), 'personakit-jobs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('backoff grows exponentially, is capped, and its jitter keeps at least half of each step', () => {
  assert.equal(
    backoffMs(1, 1000, 600_000, () => 0),
    500,
  );
  assert.equal(
    backoffMs(1, 1000, 600_000, () => 1),
    1000,
  );
  assert.equal(
    backoffMs(4, 1000, 600_000, () => 1),
    8000,
  );
  assert.equal(
    backoffMs(40, 1000, 600_000, () => 1),
    600_000,
  );
  assert.equal(
    backoffMs(40, 1000, 600_000, () => 0),
    300_000,
  );
});

for (const { backend, skip } of backends) {
  describeUnlessSkipped(`job queue [${backend.name}]`, skip, () => {
    let url = '';
    let drop = async () => {};
    let db: Db;
    const queues: JobQueue[] = [];
    const extraDbs: Db[] = [];
    before(async () => {
      // A file, so that a second handle (a second "instance") sees the same SQLite store.
      if (backend.name === 'sqlite') url = `sqlite:${join(dir, 'jobs.db')}`;
      else ({ url, drop } = await backend.fresh());
      db = await openDb(url);
      await createRunsTable(db);
    });
    afterEach(async () => {
      await Promise.all(queues.splice(0).map((q) => q.stop()));
    });
    after(async () => {
      for (const d of extraDbs) await d.close();
      await db.close();
      await drop();
    });
    const queue = (options: JobQueueOptions = {}, on: Db = db) => {
      const q = createJobQueue(on, silentLog, { pollMs: 100, minPollMs: 10, backoffBaseMs: 20, ...options });
      queues.push(q);
      return q;
    };
    let n = 0;
    /** Every test uses its own job kind, so jobs of earlier tests are never claimed by later ones. */
    const kind = (name: string) => `${name}-${++n}`;

    test('a job enqueued in a transaction that rolls back does not exist; one that commits runs', async () => {
      const k = kind('tx');
      const q = queue();
      const ran: unknown[] = [];
      q.handle(k, async (job) => {
        ran.push(job.payload);
      });
      q.start();
      let rolledBack = '';
      await assert.rejects(
        db.kysely.transaction().execute(async (tx) => {
          rolledBack = await q.enqueue(k, { n: 1 }, {}, tx);
          throw new Error('the document insert failed');
        }),
        /document insert failed/,
      );
      assert.equal(await jobRow(db, rolledBack), undefined);
      const committed = await db.kysely.transaction().execute((tx) => q.enqueue(k, { n: 2 }, {}, tx));
      await waitFor('the committed job', async () => (await jobRow(db, committed))?.status === 'done');
      assert.deepEqual(ran, [{ n: 2 }]);
    });

    test('a throwing handler is retried with growing delays, then the job fails and onFailed runs once', async () => {
      const k = kind('retry');
      const q = queue({ backoffBaseMs: 100 });
      const at: number[] = [];
      const failed: { attempts: number; err: unknown }[] = [];
      q.handle(
        k,
        async (job) => {
          at.push(Date.now());
          throw new Error(`upstream down (attempt ${job.attempts})`);
        },
        { onFailed: async (job, err) => void failed.push({ attempts: job.attempts, err }) },
      );
      q.start();
      const id = await q.enqueue(k, {}, { maxAttempts: 3 });
      await waitFor('the job to fail', async () => (await jobRow(db, id))?.status === 'failed');
      await waitFor('onFailed', async () => failed.length === 1);
      const row = await jobRow(db, id);
      assert.equal(row?.attempts, 3);
      assert.equal(row?.last_error, 'upstream down (attempt 3)');
      assert.equal(row?.locked_by, null);
      assert.equal(at.length, 3);
      assert.equal(failed[0]?.attempts, 3);
      assert.match(String(failed[0]?.err), /attempt 3/);
      // Lower bounds only (a job is never claimed before its run_at): retry 1 waits ≥ 50 ms, retry 2 ≥ 100 ms.
      const [a, b, c] = at as [number, number, number];
      assert.ok(b - a >= 45, `first retry after ${b - a} ms`);
      assert.ok(c - b >= 95, `second retry after ${c - b} ms`);
      await sleep(150);
      assert.equal(at.length, 3, 'a failed job is not run again');
    });

    test('a job that fails once and then succeeds ends done on its second attempt', async () => {
      const k = kind('flaky');
      const q = queue();
      const attempts: number[] = [];
      q.handle(k, async (job) => {
        attempts.push(job.attempts);
        if (job.attempts === 1) throw new Error('transient');
      });
      q.start();
      const id = await q.enqueue(k, {});
      await waitFor('done', async () => (await jobRow(db, id))?.status === 'done');
      assert.deepEqual(attempts, [1, 2]);
      assert.equal((await jobRow(db, id))?.last_error, 'transient');
    });

    test('an error the handler calls unretryable, or an unreadable payload, fails the job at once', async () => {
      const k = kind('permanent');
      const q = queue();
      const failed: string[] = [];
      let calls = 0;
      q.handle(
        k,
        async () => {
          calls++;
          throw new TypeError('file_format_unsupported');
        },
        {
          retryable: (err) => !(err instanceof TypeError),
          onFailed: async (job) => void failed.push(job.id),
        },
      );
      const id = await q.enqueue(k, {}, { maxAttempts: 5 });
      const now = new Date().toISOString();
      await db.kysely
        .insertInto('jobs')
        .values({
          id: `${k}-garbled`,
          kind: k,
          payload: '{not json',
          account_id: null,
          unique_key: null,
          status: 'pending',
          attempts: 0,
          max_attempts: 5,
          run_at: now,
          locked_by: null,
          locked_until: null,
          last_error: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      q.start();
      await waitFor('both failed', async () => failed.length === 2);
      assert.equal(calls, 1);
      assert.deepEqual(failed.toSorted(), [id, `${k}-garbled`].toSorted());
      assert.equal((await jobRow(db, id))?.attempts, 1);
      assert.equal((await jobRow(db, `${k}-garbled`))?.last_error, 'the job payload is not JSON');
    });

    test('a handler past its timeout sees its signal aborted and the attempt fails with the timeout', async () => {
      const k = kind('timeout');
      const q = queue();
      const reasons: unknown[] = [];
      q.handle(
        k,
        async (job, signal) => {
          if (job.attempts > 1) return;
          await new Promise<void>((_resolve, reject) => {
            signal.addEventListener('abort', () => {
              reasons.push(signal.reason);
              reject(new Error('This operation was aborted'));
            });
          });
        },
        { timeoutMs: 50 },
      );
      q.start();
      const id = await q.enqueue(k, {});
      await waitFor('done', async () => (await jobRow(db, id))?.status === 'done');
      const row = await jobRow(db, id);
      assert.equal(row?.attempts, 2);
      assert.equal(row?.last_error, 'the job ran longer than 50 ms');
      assert.equal(reasons.length, 1);
    });

    test('a unique key returns the pending job instead of adding one, and is free again once it finished', async () => {
      const k = kind('unique');
      const q = queue();
      const first = await q.enqueue(k, { v: 1 }, { uniqueKey: `doc-${k}` });
      const again = await q.enqueue(k, { v: 2 }, { uniqueKey: `doc-${k}` });
      const inTx = await db.kysely
        .transaction()
        .execute((tx) => q.enqueue(k, { v: 3 }, { uniqueKey: `doc-${k}` }, tx));
      assert.equal(again, first);
      assert.equal(inTx, first);
      const other = await q.enqueue(k, {}, { uniqueKey: `other-${k}` });
      assert.notEqual(other, first);
      const seen: unknown[] = [];
      q.handle(k, async (job) => void seen.push(job.payload));
      q.start();
      await waitFor('both jobs', async () => seen.length === 2);
      assert.deepEqual(seen[0], { v: 1 });
      await waitFor('done', async () => (await jobRow(db, first))?.status === 'done');
      const later = await q.enqueue(k, { v: 4 }, { uniqueKey: `doc-${k}` });
      assert.notEqual(later, first);
      await waitFor('the later job', async () => seen.length === 3);
    });

    test('a running job whose lease lapsed is claimed again and the lapse counts as an attempt', async () => {
      const k = kind('lease');
      const past = new Date(Date.now() - 60_000).toISOString();
      const future = new Date(Date.now() + 600_000).toISOString();
      const base = {
        kind: k,
        payload: '{"x":1}',
        account_id: null,
        unique_key: null,
        status: 'running',
        max_attempts: 3,
        run_at: past,
        last_error: null,
        created_at: past,
        updated_at: past,
      };
      await db.kysely
        .insertInto('jobs')
        .values([
          // Its process died 50 s ago.
          { ...base, id: `${k}-lapsed`, attempts: 1, locked_by: 'dead', locked_until: past },
          // Its process is alive and renewing.
          { ...base, id: `${k}-held`, attempts: 1, locked_by: 'alive', locked_until: future },
          // It killed its process on every attempt.
          { ...base, id: `${k}-spent`, attempts: 3, locked_by: 'dead', locked_until: past },
        ])
        .execute();
      const q = queue({ owner: 'rescuer' });
      const ran: { id: string; attempts: number }[] = [];
      const failed: string[] = [];
      q.handle(k, async (job) => void ran.push({ id: job.id, attempts: job.attempts }), {
        concurrency: 3,
        onFailed: async (job) => void failed.push(job.id),
      });
      q.start();
      await waitFor('the lapsed job', async () => (await jobRow(db, `${k}-lapsed`))?.status === 'done');
      await waitFor('the spent job', async () => (await jobRow(db, `${k}-spent`))?.status === 'failed');
      assert.deepEqual(ran, [{ id: `${k}-lapsed`, attempts: 2 }]);
      assert.deepEqual(failed, [`${k}-spent`]);
      assert.match((await jobRow(db, `${k}-spent`))?.last_error ?? '', /lease lapsed/);
      const held = await jobRow(db, `${k}-held`);
      assert.equal(held?.status, 'running');
      assert.equal(held?.locked_by, 'alive');
    });

    test('a running handler renews its lease, so a second instance does not take the job over', async () => {
      const k = kind('renew');
      const a = queue({ owner: 'a' });
      const b = queue({ owner: 'b' });
      let release = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const owners: string[] = [];
      a.handle(
        k,
        async () => {
          owners.push('a');
          await gate;
        },
        { leaseMs: 150 },
      );
      b.handle(k, async () => void owners.push('b'), { leaseMs: 150 });
      const id = await a.enqueue(k, {});
      a.start();
      await waitFor('a to claim', async () => owners.length === 1);
      b.start();
      // Six lease lengths: without renewal b would have taken it over several times.
      await sleep(900);
      release();
      await waitFor('done', async () => (await jobRow(db, id))?.status === 'done');
      assert.deepEqual(owners, ['a']);
      assert.equal((await jobRow(db, id))?.attempts, 1);
    });

    test('cancel() cancels pending jobs and aborts a running one; none of them completes', async () => {
      const k = kind('cancel');
      const q = queue();
      let started = false;
      let aborted: unknown;
      const ran: string[] = [];
      q.handle(k, async (job, signal) => {
        ran.push(job.id);
        started = true;
        await new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = signal.reason;
            resolve();
          });
        });
      });
      const running = await q.enqueue(k, {}, { uniqueKey: `run-${k}` });
      q.start();
      await waitFor('the first job to start', async () => started);
      const pending = await q.enqueue(k, {}, { uniqueKey: `wait-${k}` });
      const other = await q.enqueue(`${k}-other`, {}, { uniqueKey: `keep-${k}` });
      assert.equal(await q.cancel({ uniqueKey: `wait-${k}` }), 1);
      assert.equal(await q.cancel({ kind: k }), 1);
      await waitFor('the abort', async () => aborted !== undefined);
      assert.match(String(aborted), /cancelled/);
      await sleep(100);
      assert.equal((await jobRow(db, running))?.status, 'cancelled');
      assert.equal((await jobRow(db, pending))?.status, 'cancelled');
      assert.equal((await jobRow(db, other))?.status, 'pending');
      assert.deepEqual(ran, [running]);
      await assert.rejects(q.cancel({}), /needs a kind/);
      // A deleted account's jobs, whatever their kind.
      const owned = await q.enqueue(`${k}-acct`, {}, { accountId: `acct-${k}` });
      assert.equal(await q.cancel({ accountId: `acct-${k}` }), 1);
      assert.equal((await jobRow(db, owned))?.status, 'cancelled');
      assert.equal((await jobRow(db, other))?.status, 'pending');
      // A cancelled job frees its unique key.
      assert.notEqual(await q.enqueue(k, {}, { uniqueKey: `run-${k}` }), running);
    });

    test('stop() aborts a handler still running after its bound and hands the job back uncounted', async () => {
      const k = kind('stop');
      const q = createJobQueue(db, silentLog, { pollMs: 100, minPollMs: 10, stopTimeoutMs: 100 });
      let started = false;
      q.handle(k, async (_job, signal) => {
        started = true;
        await new Promise<void>((_resolve, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason));
        });
      });
      const id = await q.enqueue(k, {}, { maxAttempts: 1 });
      q.start();
      await waitFor('the handler', async () => started);
      await q.stop();
      const row = await jobRow(db, id);
      assert.equal(row?.status, 'pending');
      assert.equal(row?.attempts, 0);
      assert.equal(row?.locked_by, null);
      // The next instance runs it (its one attempt was not used up by the shutdown).
      const next = queue();
      next.handle(k, async () => {});
      next.start();
      await waitFor('done', async () => (await jobRow(db, id))?.status === 'done');
    });

    test('stop() during a claim in flight: a job that claim returns does not start after stop() returned', async () => {
      const k = kind('stop-race');
      const q = createJobQueue(db, silentLog, { pollMs: 100, minPollMs: 10, stopTimeoutMs: 2000 });
      let stopped = false;
      let startedAfterStop = false;
      q.handle(k, async () => {
        if (stopped) startedAfterStop = true;
      });
      const id = await q.enqueue(k, {});
      let stopping: Promise<void> = Promise.resolve();
      // Hold the claim up: SQLite's one connection is ours while the transaction is open; on PostgreSQL
      // the table lock blocks SELECT … FOR UPDATE.
      await db.kysely.transaction().execute(async (tx) => {
        if (backend.name === 'postgres') await sql`LOCK TABLE jobs IN EXCLUSIVE MODE`.execute(tx);
        q.start();
        await sleep(100);
        stopping = q.stop();
        await sleep(50);
      });
      await stopping;
      stopped = true;
      await sleep(300);
      assert.equal(startedAfterStop, false);
      const row = await jobRow(db, id);
      assert.ok(row?.status === 'done' || row?.status === 'pending', `left ${row?.status}`);
    });

    test('two instances on one store run a burst of 50 jobs exactly once each, sharing them', async () => {
      const k = kind('burst');
      const second = await openDb(url);
      extraDbs.push(second);
      const instances = [
        { name: 'one', q: queue({ owner: 'one' }, db) },
        { name: 'two', q: queue({ owner: 'two' }, second) },
      ];
      for (const { name, q } of instances) {
        q.handle(
          k,
          async (job) => {
            await recordRun(db, job.id, name, job.attempts);
            await sleep(5 + Math.random() * 10);
          },
          { concurrency: 4 },
        );
        q.start();
      }
      const ids = new Set<string>();
      for (let i = 0; i < 50; i++) {
        const via = instances[i % 2]?.q;
        if (via) ids.add(await via.enqueue(k, { i }));
      }
      await waitFor(
        'all 50 done',
        async () => {
          const r = await db.kysely
            .selectFrom('jobs')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('kind', '=', k)
            .where('status', '=', 'done')
            .executeTakeFirst();
          return Number(r?.n) === 50;
        },
        60_000,
      );
      const mine = (await runs(db)).filter((r) => ids.has(r.job_id));
      assert.equal(mine.length, 50, 'executions');
      assert.equal(new Set(mine.map((r) => r.job_id)).size, 50, 'distinct jobs executed');
      assert.ok(
        mine.every((r) => r.attempt === 1),
        'no job was claimed twice',
      );
      const byOwner = Map.groupBy(mine, (r) => r.owner);
      assert.ok(
        (byOwner.get('one')?.length ?? 0) > 0 && (byOwner.get('two')?.length ?? 0) > 0,
        'both worked',
      );
    });

    if (backend.name === 'postgres') {
      test('an idle instance is woken by another instance committing an enqueue (LISTEN/NOTIFY)', async () => {
        const k = kind('notify');
        const second = await openDb(url);
        extraDbs.push(second);
        // Polls once at start, then only every 30 s: only a wake can start the job sooner.
        const idle = queue({ pollMs: 30_000, minPollMs: 30_000, databaseUrl: url }, second);
        let ran = 0;
        idle.handle(k, async () => {
          ran++;
        });
        idle.start();
        await sleep(500);
        const api = createJobQueue(db, silentLog);
        await db.kysely.transaction().execute(async (tx) => {
          await api.enqueue(k, {}, {}, tx);
          await sleep(100);
        });
        await waitFor('the woken instance', async () => ran === 1, 10_000);
      });
    }

    test('finished jobs older than the retention are purged when a queue starts; recent ones stay', async () => {
      const k = kind('purge');
      const old = new Date(Date.now() - 8 * 24 * 3600_000).toISOString();
      const recent = new Date(Date.now() - 3600_000).toISOString();
      const row = (id: string, status: string, at: string) => ({
        id,
        kind: k,
        payload: '{}',
        account_id: null,
        unique_key: null,
        status,
        attempts: 1,
        max_attempts: 1,
        run_at: at,
        locked_by: null,
        locked_until: null,
        last_error: null,
        created_at: at,
        updated_at: at,
      });
      await db.kysely
        .insertInto('jobs')
        .values([
          row(`${k}-old-done`, 'done', old),
          row(`${k}-old-failed`, 'failed', old),
          row(`${k}-recent-done`, 'done', recent),
          row(`${k}-old-pending`, 'pending', new Date(Date.now() + 600_000).toISOString()),
        ])
        .execute();
      const q = queue();
      q.handle(k, async () => {});
      q.start();
      await waitFor('the purge', async () => (await jobRow(db, `${k}-old-done`)) === undefined);
      assert.equal(await jobRow(db, `${k}-old-failed`), undefined);
      assert.equal((await jobRow(db, `${k}-recent-done`))?.status, 'done');
      assert.equal((await jobRow(db, `${k}-old-pending`))?.status, 'pending');
    });
  });
}
