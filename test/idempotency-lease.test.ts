import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Hono } from 'hono';
import { AppError } from '../src/core/errors.ts';
import type { AppEnv } from '../src/http/env.ts';
import { idempotency } from '../src/http/idempotency.ts';
import { type Account, describeEachBackend, type Harness } from './helpers/harness.ts';
import { newPersona, startFakes } from './helpers/refine-fixtures.ts';

const fakes = await startFakes();
after(() => fakes.close());

const fingerprintOf = (path: string, json: unknown) =>
  createHash('sha256')
    .update(`POST ${path}\n${JSON.stringify(json)}`)
    .digest('hex');

const rowsOf = (h: Harness, account: Account) =>
  h.services.db.kysely
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('account_id', '=', account.accountId)
    .orderBy('key')
    .execute();

describeEachBackend(
  'Idempotency-Key leases, purge and replay size',
  (h) => {
    test('a claim whose lease lapsed (its process died) is taken over at once; a live lease still 409s', async () => {
      const account = await h().newAccount();
      const json = { name: 'After crash' };
      const claim = (key: string, leaseUntilMs: number) =>
        h()
          .services.db.kysely.insertInto('idempotency_keys')
          .values({
            account_id: account.accountId,
            key,
            fingerprint: fingerprintOf('/v1/personas', json),
            status: 0,
            content_type: null,
            body: null,
            created_at: new Date(Date.now() - 5_000).toISOString(),
            lease_owner: `dead-${key}`,
            lease_until: new Date(Date.now() + leaseUntilMs).toISOString(),
          })
          .execute();
      await claim('lapsed', -1_000);
      await claim('live', 60_000);
      const live = await h().request('POST', '/v1/personas', {
        account,
        json,
        headers: { 'idempotency-key': 'live' },
      });
      assert.equal(live.status, 409, live.text);
      const retried = await h().request('POST', '/v1/personas', {
        account,
        json,
        headers: { 'idempotency-key': 'lapsed' },
      });
      assert.equal(retried.status, 200, retried.text);
      const again = await h().request('POST', '/v1/personas', {
        account,
        json,
        headers: { 'idempotency-key': 'lapsed' },
      });
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(again.body, retried.body);
    });

    test('a long request renews its lease: a retry during it is a 409 however many leases pass', async () => {
      const account = await h().newAccount();
      const persona = await newPersona(h, account);
      const json = {
        provider: 'openai',
        model: 'scenario:slow:1500',
        providerApiKey: 'sk-test',
        personaId: persona.id,
        content: 'Renew me.',
      };
      const headers = { 'idempotency-key': 'slow-refine' };
      const first = h().request('POST', '/v1/refine', { account, json, headers });
      await sleep(1_000); // more than three 250 ms leases
      const during = await h().request('POST', '/v1/refine', { account, json, headers });
      assert.equal(during.status, 409, during.text);
      const done = await first;
      assert.equal(done.status, 200, done.text);
      const replay = await h().request('POST', '/v1/refine', { account, json, headers });
      assert.equal(replay.status, 200, replay.text);
      assert.equal(replay.headers.get('idempotent-replayed'), 'true');
      const [row] = await rowsOf(h(), account);
      assert.equal(row?.lease_owner, null, 'a finished claim holds no lease');
    });

    test('an answer over 256 KiB is not stored: the same request again is a 409, never a second run', async () => {
      const account = await h().newAccount();
      // A refine's answer can be as large as the provider's (16 MiB): a route answering 300 KB stands in.
      const app = new Hono<AppEnv>();
      app.use('*', async (c, next) => {
        const s = h().services;
        c.set('ctx', { ...s, accountId: account.accountId, keyId: 'test', log: s.log });
        await next();
      });
      app.use('*', idempotency());
      app.onError((err, c) =>
        c.json({ message: err.message }, err instanceof AppError ? (err.status as 409) : 500),
      );
      let runs = 0;
      app.post('/large', (c) => {
        runs++;
        return c.json({ answer: 'l'.repeat(300_000) });
      });
      const post = (body: string) =>
        app.request('/large', { method: 'POST', body, headers: { 'idempotency-key': 'large-answer' } });
      const first = await post('{"a":1}');
      assert.equal(first.status, 200);
      assert.ok((await first.text()).length > 256 * 1024);
      const [row] = await rowsOf(h(), account);
      assert.equal(row?.body, null);
      assert.equal(row?.body_omitted, 1);
      const again = await post('{"a":1}');
      assert.equal(again.status, 409);
      assert.match(await again.text(), /already succeeded/);
      const other = await post('{"a":2}');
      assert.equal(other.status, 422);
      assert.equal(runs, 1, 'the handler ran once');
    });
  },
  { ...fakes.env, PERSONAKIT_ALLOWED_HOSTS: '127.0.0.1', PERSONAKIT_IDEMPOTENCY_LEASE_MS: '250' },
);

describeEachBackend('Idempotency-Key purge', (h) => {
  test('keys older than 24 hours are purged in the background of a new claim', async () => {
    const account = await h().newAccount();
    const db = h().services.db.kysely;
    const row = (key: string, hoursAgo: number) => ({
      account_id: account.accountId,
      key,
      fingerprint: 'f',
      status: 200,
      content_type: 'application/json',
      body: '{}',
      created_at: new Date(Date.now() - hoursAgo * 3_600_000).toISOString(),
    });
    await db
      .insertInto('idempotency_keys')
      .values([row('day-old', 25), row('fresh', 1)])
      .execute();
    // The purge runs at most every 10 minutes per process and store: this suite's store is new, so its
    // first claim starts one.
    const r = await h().request('POST', '/v1/personas', {
      account,
      json: { name: 'Purger' },
      headers: { 'idempotency-key': 'new' },
    });
    assert.equal(r.status, 200, r.text);
    let keys: string[] = [];
    for (let i = 0; i < 100; i++) {
      keys = (await rowsOf(h(), account)).map((k) => k.key);
      if (!keys.includes('day-old')) break;
      await sleep(20);
    }
    assert.deepEqual(keys, ['fresh', 'new']);
  });
});
