import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testConfig } from '../src/config.ts';
import { BoundedCache } from '../src/core/bounded-cache.ts';
import { describeEachBackend } from './helpers/harness.ts';

/**
 * PERSONAKIT_PERSONA_CACHE_SIZE bounds the in-memory persona cache; 0 turns it off, so every read is a
 * store read (the benchmark measures store scaling that way). Both settings must answer the same.
 */

test('the cache size is a non-negative integer, 50,000 by default', () => {
  assert.equal(testConfig().PERSONAKIT_PERSONA_CACHE_SIZE, 50_000);
  assert.equal(testConfig({ PERSONAKIT_PERSONA_CACHE_SIZE: '0' }).PERSONAKIT_PERSONA_CACHE_SIZE, 0);
  assert.throws(() => testConfig({ PERSONAKIT_PERSONA_CACHE_SIZE: '-1' }), /PERSONAKIT_PERSONA_CACHE_SIZE/);
  assert.throws(() => testConfig({ PERSONAKIT_PERSONA_CACHE_SIZE: 'lots' }), /PERSONAKIT_PERSONA_CACHE_SIZE/);
});

test('a cache of size 0 keeps nothing; a cache of size 2 keeps the last two', () => {
  const off = new BoundedCache<number>(0, () => 0);
  off.set('a', 1);
  assert.equal(off.get('a'), undefined);
  assert.equal(off.size, 0);
  const two = new BoundedCache<number>(2, () => 0);
  two.set('a', 1);
  two.set('b', 2);
  two.set('c', 3);
  assert.deepEqual([two.get('a'), two.get('b'), two.get('c')], [undefined, 2, 3]);
});

describeEachBackend(
  'persona cache off (PERSONAKIT_PERSONA_CACHE_SIZE=0)',
  (h) => {
    test('reads come from the store each time: a change made behind the server is seen at once', async () => {
      const account = await h().newAccount();
      const created = await h().request('POST', '/v1/personas', {
        account,
        json: { name: 'Uncached', attributes: { tone: 'calm' } },
      });
      assert.equal(created.status, 200);
      const id = created.body.id as string;
      assert.equal((await h().request('GET', `/v1/personas/${id}`, { account })).body.name, 'Uncached');
      // Behind the server's back: no invalidation, no change signal. Only a store read can see it.
      await h()
        .services.db.kysely.updateTable('personas')
        .set({ name: 'Changed in the store' })
        .where('id', '=', id)
        .execute();
      const again = await h().request('GET', `/v1/personas/${id}`, { account });
      assert.equal(again.body.name, 'Changed in the store');
      const other = await h().newAccount();
      assert.equal((await h().request('GET', `/v1/personas/${id}`, { account: other })).status, 404);
      const refined = await h().request('POST', '/v1/refine', {
        account,
        json: { provider: 'local', personaId: id, content: 'Hello there.' },
      });
      assert.equal(refined.status, 200, refined.text);
    });
  },
  { PERSONAKIT_PERSONA_CACHE_SIZE: '0' },
);
