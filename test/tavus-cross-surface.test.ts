import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachBackend } from './helpers/harness.ts';

describeEachBackend('attributes across /v1 and /v2', (h) => {
  test('/v1 attributes show on /v2 reads and cannot be changed through a /v2 patch', async () => {
    const account = await h().newAccount();
    const attributes = { tone: 'warm', emoji: 'none' };
    const c = await h().request('POST', '/v1/personas', { account, json: { name: 'Shared', attributes } });
    const read = await h().request('GET', `/v2/personas/${c.body.id}`, { account });
    assert.deepEqual(read.body.data[0].attributes, attributes);
    const patch = await h().request('PATCH', `/v2/personas/${c.body.id}`, {
      account,
      json: [{ op: 'replace', path: '/attributes/tone', value: 'cold' }],
    });
    assert.equal(patch.status, 400);
    assert.match(patch.body.error, /^attributes: cannot be changed/);
    const after = await h().request('GET', `/v1/personas/${c.body.id}`, { account });
    assert.deepEqual(after.body.attributes, attributes);
    assert.equal(after.body.version, 1);
  });
});
