import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { request } from 'undici';
import { testConfig } from '../src/config.ts';
import { createKey } from '../src/core/api-keys.ts';
import { AppError } from '../src/core/errors.ts';
import { createRateLimiter } from '../src/core/rate-limit.ts';
import { createLogger } from '../src/log.ts';
import { startServer } from '../src/server.ts';
import { createServices } from '../src/services.ts';
import { describeEachBackend } from './helpers/harness.ts';

describeEachBackend(
  'per-key rate limit',
  (h) => {
    test('past the limit: 429 with retry-after in the /v1 shape; other keys unaffected', async () => {
      const a = await h().newAccount();
      const b = await h().newAccount();
      for (let i = 0; i < 3; i++)
        assert.equal((await h().request('GET', '/v1/personas', { account: a })).status, 200);
      const limited = await h().request('GET', '/v1/personas', { account: a });
      assert.equal(limited.status, 429);
      assert.deepEqual(Object.keys(limited.body).sort(), ['error', 'message']);
      assert.equal(limited.body.error, 429);
      const retryAfter = Number(limited.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `retry-after ${retryAfter}`);
      assert.equal((await h().request('GET', '/v1/personas', { account: b })).status, 200);
    });
  },
  { PERSONAKIT_RATE_LIMIT: '3', PERSONAKIT_RATE_LIMIT_WINDOW_S: '60' },
);

describe('rate limit through Redis', () => {
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  test('two instances share one counter', async () => {
    const config = testConfig({
      REDIS_URL: redisUrl,
      PERSONAKIT_RATE_LIMIT: '4',
      PERSONAKIT_RATE_LIMIT_WINDOW_S: '60',
    });
    const one = await createRateLimiter(config);
    const two = await createRateLimiter(config);
    const key = `key_test_${randomBytes(6).toString('hex')}`;
    try {
      await Promise.all([one.ready(), two.ready()]);
      await one.consume(key);
      await two.consume(key);
      await one.consume(key);
      await two.consume(key);
      await assert.rejects(one.consume(key), (e) => e instanceof AppError && e.code === 'rate_limited');
      await assert.rejects(two.consume(key), (e) => e instanceof AppError && e.code === 'rate_limited');
    } finally {
      await one.close();
      await two.close();
    }
  });
});

describeEachBackend('Idempotency-Key', (h) => {
  test('a retried create with the same key returns the first answer and creates nothing more', async () => {
    const account = await h().newAccount();
    const headers = { 'idempotency-key': `create-${randomBytes(4).toString('hex')}` };
    const json = { name: 'Once', attributes: { tone: 'calm' } };
    const first = await h().request('POST', '/v1/personas', { account, json, headers });
    const again = await h().request('POST', '/v1/personas', { account, json, headers });
    assert.equal(first.status, 200);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, first.body);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    const list = await h().request('GET', '/v1/personas', { account });
    assert.equal(list.body.data.length, 1);
  });

  test('the same key with another body is refused; keys are per account; no key means no dedupe', async () => {
    const account = await h().newAccount();
    const other = await h().newAccount();
    const headers = { 'idempotency-key': 'shared-key' };
    await h().request('POST', '/v1/personas', { account, json: { name: 'A' }, headers });
    const conflict = await h().request('POST', '/v1/personas', { account, json: { name: 'B' }, headers });
    assert.equal(conflict.status, 422);
    assert.match(conflict.body.message, /different request/);
    const theirs = await h().request('POST', '/v1/personas', {
      account: other,
      json: { name: 'B' },
      headers,
    });
    assert.equal(theirs.status, 200);
    assert.equal(theirs.body.name, 'B');
    await h().request('POST', '/v1/personas', { account, json: { name: 'C' } });
    await h().request('POST', '/v1/personas', { account, json: { name: 'C' } });
    assert.equal((await h().request('GET', '/v1/personas', { account })).body.data.length, 3);
  });

  test('a failed request leaves no key behind, so the fixed request can reuse it; empty or huge keys are 400', async () => {
    const account = await h().newAccount();
    const headers = { 'idempotency-key': 'bad-body' };
    const bad = await h().request('POST', '/v1/personas', { account, json: { name: '' }, headers });
    assert.equal(bad.status, 400);
    const kept = await h()
      .services.db.kysely.selectFrom('idempotency_keys')
      .selectAll()
      .where('account_id', '=', account.accountId)
      .execute();
    assert.deepEqual(kept, []);
    const fixed = await h().request('POST', '/v1/personas', { account, json: { name: 'Fixed' }, headers });
    assert.equal(fixed.status, 200);
    assert.equal(fixed.headers.get('idempotent-replayed'), null);
    for (const key of ['', 'k'.repeat(256)]) {
      const r = await h().request('POST', '/v1/personas', {
        account,
        json: { name: 'x' },
        headers: { 'idempotency-key': key },
      });
      assert.equal(r.status, 400, JSON.stringify(key.length));
    }
  });
});

describeEachBackend('Idempotency-Key after a crash', (h) => {
  test('a claim left "in progress" by a dead process stops blocking retries after 11 minutes', async () => {
    const account = await h().newAccount();
    const db = h().services.db.kysely;
    const json = { name: 'After crash' };
    const claim = (key: string, minutesAgo: number) =>
      db
        .insertInto('idempotency_keys')
        .values({
          account_id: account.accountId,
          key,
          // The claim a dead process made for this very request (same method, path and body).
          fingerprint: createHash('sha256')
            .update(`POST /v1/personas\n${JSON.stringify(json)}`)
            .digest('hex'),
          status: 0,
          content_type: null,
          body: null,
          created_at: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
        })
        .execute();
    await claim('recent', 1);
    await claim('abandoned', 12);
    const blocked = await h().request('POST', '/v1/personas', {
      account,
      json,
      headers: { 'idempotency-key': 'recent' },
    });
    assert.equal(blocked.status, 409);
    const retried = await h().request('POST', '/v1/personas', {
      account,
      json,
      headers: { 'idempotency-key': 'abandoned' },
    });
    assert.equal(retried.status, 200);
    assert.equal(retried.body.name, 'After crash');
  });
});

describe('HTTP limits of the real listener', () => {
  test('bodies over 1 MiB: 413 with or without content-length; bad JSON 400; a good body still works', async () => {
    const config = testConfig({ PORT: '0' });
    const services = await createServices(config, createLogger(config));
    const server = await startServer(services);
    try {
      const { key } = await createKey(services.db, `limits-${randomBytes(4).toString('hex')}`);
      const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
      const big = JSON.stringify({ name: 'big', attributes: { x: 'y'.repeat(1024 * 1024) } });
      const sized = await request(`${server.url}/v1/personas`, { method: 'POST', headers, body: big });
      assert.equal(sized.statusCode, 413);
      assert.deepEqual(await sized.body.json(), {
        error: 413,
        message: 'Request body is larger than 1048576 bytes',
      });
      // No content-length: the body arrives chunked and is cut off at the limit while it streams in.
      const chunked = await request(`${server.url}/v1/personas`, {
        method: 'POST',
        headers,
        body: Readable.from([big.slice(0, 600_000), big.slice(600_000)]),
      });
      assert.equal(chunked.statusCode, 413);
      assert.equal(((await chunked.body.json()) as { error: number }).error, 413);
      const bad = await request(`${server.url}/v1/personas`, { method: 'POST', headers, body: '{"name":' });
      assert.equal(bad.statusCode, 400);
      assert.deepEqual(await bad.body.json(), { error: 400, message: 'Request body is not valid JSON' });
      const ok = await request(`${server.url}/v1/personas`, {
        method: 'POST',
        headers,
        body: Readable.from(['{"name":', '"Chunked"}']),
      });
      assert.equal(ok.statusCode, 200);
      assert.equal(((await ok.body.json()) as { name: string }).name, 'Chunked');
    } finally {
      await server.close();
    }
  });

  test('oversized headers get 431 in the /v1 error shape and the server keeps serving', async () => {
    const config = testConfig({ PORT: '0' });
    const services = await createServices(config, createLogger(config));
    const server = await startServer(services);
    try {
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(server.port, '127.0.0.1', () => {
          socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
        });
        let data = '';
        socket.setEncoding('utf8').on('data', (d) => {
          data += d;
        });
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
      });
      assert.match(raw, /^HTTP\/1\.1 431 /);
      assert.match(raw, /\{"error":431,"message":"Request headers are larger than 16 KiB"\}$/);
      const ok = await fetch(`${server.url}/healthz`);
      assert.equal(ok.status, 200);
    } finally {
      await server.close();
    }
  });
});
