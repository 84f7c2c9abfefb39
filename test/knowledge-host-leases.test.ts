import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HostTurn } from '../src/knowledge/fetch/types.ts';
import { storeHostLock } from '../src/knowledge/host-leases.ts';
import { type Db, openDb } from '../src/storage/db.ts';
import { backends, describeUnlessSkipped } from './helpers/backends.ts';

/**
 * ADR 0030: a host's crawl turn kept in the store. Two locks on one store stand for two instances: only
 * one holds a host at a time, a release hands it on, the politeness pause is written as the lease's end,
 * a holder that died frees the host when its lease lapses, and a waiter's abort stops its wait.
 */

/** Whether `p` settled within a few retry rounds of the lock (it retries every ≤ 250 ms). */
async function settles(p: Promise<unknown>, ms = 700): Promise<boolean> {
  let done = false;
  void p.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await sleep(ms);
  return done;
}

for (const { backend, skip } of backends) {
  describeUnlessSkipped(`crawl host leases [${backend.name}]`, skip, () => {
    let db: Db;
    let drop = async () => {};
    before(async () => {
      const fresh = await backend.fresh();
      drop = fresh.drop;
      db = await openDb(fresh.url);
    });
    after(async () => {
      await db.close();
      await drop();
    });

    const row = (host: string) =>
      db.kysely.selectFrom('crawl_host_leases').selectAll().where('host', '=', host).executeTakeFirst();

    test('one holder per host across instances; release hands the turn on; other hosts are free', async () => {
      const a = storeHostLock(db);
      const b = storeHostLock(db);
      const held = await a.acquire('site.test:80', undefined);
      const waiting = b.acquire('site.test:80', undefined);
      assert.equal(await settles(waiting), false, 'the second instance waits while the first holds the host');
      const other = await b.acquire('other.test:80', undefined);
      await other.release(0);
      await held.release(0);
      const next = await waiting;
      assert.match((await row('site.test:80'))?.holder ?? '', /:\d+$/);
      await next.release(0);
      assert.equal(await row('site.test:80'), undefined, 'a release without a pause leaves no row');
    });

    test('the politeness pause is the lease end written at release, and holds others off until then', async () => {
      let clock = Date.parse('2026-01-01T00:00:00Z');
      const now = () => new Date(clock);
      const a = storeHostLock(db, { now });
      const b = storeHostLock(db, { now });
      await (await a.acquire('pause.test:80', undefined)).release(5_000);
      assert.equal((await row('pause.test:80'))?.locked_until, '2026-01-01T00:00:05.000Z');
      const waiting = b.acquire('pause.test:80', undefined);
      assert.equal(await settles(waiting), false, 'within the pause the host is not free');
      clock += 5_001;
      await (await waiting).release(0);
    });

    test('a holder that died frees the host when its lease lapses; a waiter can be aborted', async () => {
      let clock = Date.parse('2026-02-01T00:00:00Z');
      const now = () => new Date(clock);
      // What a crashed instance leaves: a row nobody renews or releases.
      await db.kysely
        .insertInto('crawl_host_leases')
        .values({ host: 'dead.test:80', holder: 'crashed:1', locked_until: '2026-02-01T00:00:15.000Z' })
        .execute();
      const b = storeHostLock(db, { now, leaseMs: 15_000 });
      const controller = new AbortController();
      const aborted = b.acquire('dead.test:80', controller.signal);
      const reason = new Error('document deleted');
      controller.abort(reason);
      await assert.rejects(aborted, (err) => err === reason);

      const waiting = b.acquire('dead.test:80', undefined);
      assert.equal(await settles(waiting), false, 'the dead holder still holds it within its lease');
      clock += 15_001;
      const turn: HostTurn = await waiting;
      assert.notEqual((await row('dead.test:80'))?.holder, 'crashed:1');
      await turn.release(0);
    });
  });
}
