import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fullCustomizations } from './fixtures/tavus-seed.ts';
import { describeEachBackend } from './helpers/harness.ts';

describeEachBackend('/v2 account isolation', (h) => {
  test("another account's persona behaves exactly like a missing one on every route; nothing changes", async () => {
    const owner = await h().newAccount();
    const other = await h().newAccount();
    const c = await h().request('POST', '/v2/personas', { account: owner, json: fullCustomizations });
    const id = c.body.persona_id;
    const before = (await h().request('GET', `/v2/personas/${id}`, { account: owner })).body;
    const requests: [string, unknown][] = [
      ['GET', undefined],
      ['PATCH', [{ op: 'replace', path: '/persona_name', value: 'Stolen' }]],
      ['PATCH', []],
      ['PATCH', [{ op: 'test', path: '/persona_name', value: 'Life Coach' }]],
      ['PATCH', [{ op: 'bogus' }]],
      ['DELETE', undefined],
    ];
    for (const [method, json] of requests) {
      const theirs = await h().request(method, `/v2/personas/${id}`, { account: other, json });
      const missing = await h().request(method, '/v2/personas/pdoesnotexist000000000000', {
        account: other,
        json,
      });
      assert.deepEqual(
        [theirs.status, theirs.body],
        [missing.status, missing.body],
        `${method} ${JSON.stringify(json)}`,
      );
      assert.ok([404, 422].includes(theirs.status));
    }
    const list = await h().request('GET', '/v2/personas', { account: other });
    assert.deepEqual(list.body, { data: [], total_count: 0 });
    assert.deepEqual((await h().request('GET', `/v2/personas/${id}`, { account: owner })).body, before);
  });
});
