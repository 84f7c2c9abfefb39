import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testConfig } from '../src/config.ts';
import { BoundedCache, estimateBytes } from '../src/core/bounded-cache.ts';
import { describeEachBackend } from './helpers/harness.ts';

const MiB = 1024 * 1024;

test('PERSONAKIT_PERSONA_CACHE_BYTES: 64 MiB by default, a non-negative integer', () => {
  assert.equal(testConfig().PERSONAKIT_PERSONA_CACHE_BYTES, 64 * MiB);
  assert.equal(testConfig({ PERSONAKIT_PERSONA_CACHE_BYTES: '1000' }).PERSONAKIT_PERSONA_CACHE_BYTES, 1000);
  assert.throws(() => testConfig({ PERSONAKIT_PERSONA_CACHE_BYTES: '-1' }), /PERSONAKIT_PERSONA_CACHE_BYTES/);
});

test('a byte-bounded cache evicts the oldest entries to stay under its bound and skips huge ones', () => {
  const cache = new BoundedCache<string>(1_000_000, () => 0, { maxBytes: 1000, sizeOf: (_k, v) => v.length });
  for (let i = 0; i < 50; i++) cache.set(`k${i}`, 'x'.repeat(100));
  assert.ok(cache.bytes <= 1000, String(cache.bytes));
  assert.equal(cache.size, 10);
  assert.equal(cache.get('k0'), undefined);
  assert.equal(cache.get('k49'), 'x'.repeat(100));
  // More than an eighth of the bound: not cached, and the others stay.
  assert.equal(cache.set('huge', 'y'.repeat(200)), false);
  assert.equal(cache.get('huge'), undefined);
  assert.equal(cache.size, 10);
  // Replacing and deleting keep the accounting exact.
  cache.set('k49', 'z'.repeat(10));
  cache.delete('k48');
  assert.equal(cache.bytes, 8 * 100 + 10);
});

test('estimateBytes grows with the strings and structure it holds', () => {
  const small = estimateBytes({ a: 'x' });
  const big = estimateBytes({ a: 'x'.repeat(10_000), b: [1, 2, 3] });
  assert.ok(big >= 20_000 && big < 21_000, String(big));
  assert.ok(small > 0 && small < 200, String(small));
});

describeEachBackend(
  'persona cache bounded by bytes',
  (h) => {
    test('reading many large personas keeps the cache under its byte bound, and every read is right', async () => {
      const account = await h().newAccount();
      const ids: string[] = [];
      for (let i = 0; i < 24; i++) {
        const r = await h().request('POST', '/v2/personas', {
          account,
          json: { persona_name: `Big ${i}`, system_prompt: 'Hi.', context: `${i}`.padEnd(200_000, 'c') },
        });
        assert.equal(r.status, 200, r.text);
        ids.push(r.body.persona_id);
      }
      for (const [i, id] of ids.entries()) {
        const r = await h().request('GET', `/v2/personas/${id}`, { account });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.body.data[0].context.length, 200_000);
        assert.ok(r.body.data[0].context.startsWith(`${i}`));
      }
      const cache = h().services.personas;
      assert.ok(cache.bytes <= 16 * MiB, `cache holds ~${cache.bytes} bytes`);
      assert.ok(cache.size > 0 && cache.size < ids.length, `cache holds ${cache.size} personas`);
      // A persona too large for the cache is served from the store each time, unfrozen.
      const huge = await h().request('POST', '/v2/personas', {
        account,
        json: { persona_name: 'Huge', system_prompt: 'Hi.', context: 'h'.repeat(900_000) },
      });
      assert.equal(huge.status, 200, huge.text);
      const read = await h().request('GET', `/v2/personas/${huge.body.persona_id}`, { account });
      assert.equal(read.body.data[0].context.length, 900_000);
      // Not cached: its id is unknown to the cache (a near-full cache could evict others and shrink).
      assert.equal(cache.get(huge.body.persona_id), undefined, 'the huge persona was not cached');
    });
  },
  { PERSONAKIT_PERSONA_CACHE_BYTES: String(16 * MiB) },
);
