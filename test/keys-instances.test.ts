import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp } from '../src/app.ts';
import { testConfig } from '../src/config.ts';
import type { Services } from '../src/core/context.ts';
import { createLogger } from '../src/log.ts';
import { closeServices, createServices } from '../src/services.ts';
import { backends, describeUnlessSkipped, PG_SKIP_REASON } from './helpers/backends.ts';
import type { Reply } from './helpers/harness.ts';

/**
 * Two server instances on one PostgreSQL database (each its own pool, key cache and change listener):
 * a key revoked, rotated or expired through one, or an account disabled, is refused by the other, which
 * had the key cached as valid. The signal is the store's NOTIFY, so the other instance sees it shortly
 * after the commit: the test waits for it (bounded), it does not time it.
 */

const postgres = backends.find((b) => b.backend.name === 'postgres');
const ADMIN = 'admin-secret-for-instance-tests-0123';

interface Instance {
  services: Services;
  send(
    key: string,
    method: string,
    path: string,
    json?: unknown,
  ): Promise<{ status: number; body: Reply['body']; text: string }>;
}

async function instance(url: string): Promise<Instance> {
  const config = testConfig({ DATABASE_URL: url, PERSONAKIT_ADMIN_KEY: ADMIN });
  const services = await createServices(config, createLogger(config));
  const app = createApp(services);
  return {
    services,
    async send(key, method, path, json) {
      const res = await app.request(path, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
    },
  };
}

/** Polls until `check` holds (the other instance's NOTIFY arrived), failing after a generous bound. */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await sleep(25);
  }
  assert.fail(`${what}: never happened`);
}

describeUnlessSkipped('keys across two instances on one PostgreSQL', postgres?.skip ?? PG_SKIP_REASON, () => {
  let a: Instance;
  let b: Instance;
  let drop = async () => {};
  let n = 0;

  before(async () => {
    if (!postgres) throw new Error('no postgres backend');
    const fresh = await postgres.backend.fresh();
    drop = fresh.drop;
    a = await instance(fresh.url);
    b = await instance(fresh.url);
  });
  after(async () => {
    await closeServices(a.services);
    await closeServices(b.services);
    await drop();
  });

  /** An account and a key made on A, used (and so cached) on B. */
  async function cachedOnB(scopes = ['keys', 'personas:read']) {
    const acct = await a.send(ADMIN, 'POST', '/v1/accounts', { name: `inst-${process.pid}-${n++}` });
    const key = await a.send(ADMIN, 'POST', '/v1/keys', { account_id: acct.body.id, scopes });
    assert.equal(key.status, 201, key.text);
    assert.equal((await b.send(key.body.key, 'GET', '/v1/personas')).status, 200);
    return { accountId: acct.body.id as string, id: key.body.id as string, key: key.body.key as string };
  }

  const refusedOnB = (key: string) => async () => (await b.send(key, 'GET', '/v1/personas')).status === 401;

  test('revoked on one instance, refused by the other', async () => {
    const k = await cachedOnB();
    assert.equal((await a.send(ADMIN, 'DELETE', `/v1/keys/${k.id}`)).status, 200);
    await eventually('B refuses the revoked key', refusedOnB(k.key));
  });

  test('rotated with no grace on one instance: the other refuses the old key and takes the new one', async () => {
    const k = await cachedOnB();
    const r = await a.send(k.key, 'POST', `/v1/keys/${k.id}/rotate`, { grace_period_seconds: 0 });
    assert.equal(r.status, 201, r.text);
    await eventually('B refuses the old key', refusedOnB(k.key));
    assert.equal((await b.send(r.body.key, 'GET', '/v1/personas')).status, 200);
  });

  test('rotated with a grace period: the other instance honours the new expiry of the old key', async () => {
    const k = await cachedOnB();
    const r = await a.send(k.key, 'POST', `/v1/keys/${k.id}/rotate`, { grace_period_seconds: 3600 });
    assert.equal(r.status, 201);
    // Still valid in the grace period, on B; once B's clock passes it, refused there too.
    await eventually('B has re-read the key', async () => {
      const late = new Date(Date.now() + 2 * 3600_000);
      b.services.now = () => late;
      const refused = (await b.send(k.key, 'GET', '/v1/personas')).status === 401;
      b.services.now = () => new Date();
      return refused;
    });
    assert.equal((await b.send(k.key, 'GET', '/v1/personas')).status, 200, 'in grace on B');
  });

  test('an account disabled on one instance: its keys are refused by the other', async () => {
    const k = await cachedOnB();
    assert.equal(
      (await a.send(ADMIN, 'PATCH', `/v1/accounts/${k.accountId}`, { disabled: true })).status,
      200,
    );
    await eventually('B refuses the disabled account’s key', refusedOnB(k.key));
  });
});
