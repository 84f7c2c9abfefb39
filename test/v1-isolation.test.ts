import assert from 'node:assert/strict';
import { test } from 'node:test';
import { revokeKey } from '../src/core/api-keys.ts';
import { describeEachBackend } from './helpers/harness.ts';

describeEachBackend('/v1 accounts and keys', (h) => {
  test("another account's persona is 404 on every route and nothing changes", async () => {
    const owner = await h().newAccount();
    const other = await h().newAccount();
    const c = await h().request('POST', '/v1/personas', {
      account: owner,
      json: { name: 'Mine', attributes: { a: 1 } },
    });
    const path = `/v1/personas/${c.body.id}`;
    const missing = await h().request('GET', '/v1/personas/pdoesnotexist000000000000', { account: other });
    for (const [method, json] of [['GET'], ['PATCH', { name: 'Stolen' }], ['DELETE']] as const) {
      const r = await h().request(method, path, { account: other, json });
      assert.equal(r.status, 404, `${method}`);
      // Same body as a persona that does not exist at all: nothing to tell them apart.
      assert.deepEqual(r.body, missing.body);
    }
    const list = await h().request('GET', '/v1/personas', { account: other });
    assert.deepEqual(list.body.data, []);
    const mine = await h().request('GET', path, { account: owner });
    assert.equal(mine.body.name, 'Mine');
    assert.equal(mine.body.version, 1);
  });

  test('Bearer and x-api-key both authenticate', async () => {
    const account = await h().newAccount();
    const bearer = await h().request('GET', '/v1/personas', {
      headers: { authorization: `Bearer ${account.key}` },
    });
    const lower = await h().request('GET', '/v1/personas', {
      headers: { authorization: `bearer ${account.key}` },
    });
    const header = await h().request('GET', '/v1/personas', { headers: { 'x-api-key': account.key } });
    assert.deepEqual([bearer.status, lower.status, header.status], [200, 200, 200]);
  });

  test('a revoked key stops working on its next request', async () => {
    const account = await h().newAccount();
    assert.equal((await h().request('GET', '/v1/personas', { account })).status, 200);
    const keys = await h()
      .services.db.kysely.selectFrom('api_keys')
      .select('id')
      .where('account_id', '=', account.accountId)
      .execute();
    const id = keys[0]?.id;
    assert.ok(id);
    assert.equal(await revokeKey(h().services.db, id), true);
    // No cache clearing here: revoking through the core reaches this process's KeyCache by itself.
    assert.equal((await h().request('GET', '/v1/personas', { account })).status, 401);
  });

  test('the database holds no plaintext key', async () => {
    const account = await h().newAccount();
    const rows = await h().services.db.kysely.selectFrom('api_keys').selectAll().execute();
    const dump = JSON.stringify(rows);
    assert.ok(!dump.includes(account.key));
    assert.ok(!dump.includes(account.key.slice(10)));
  });
});
