import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachBackend } from './helpers/harness.ts';

const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describeEachBackend('/v1 list cursor validation', (h) => {
  test('every forged cursor is a 400 naming the cursor, never a 500', async () => {
    const account = await h().newAccount();
    const created = await h().request('POST', '/v1/personas', { account, json: { name: 'Cursor' } });
    assert.equal(created.status, 200, created.text);
    const time = new Date().toISOString();
    const forged = [
      forge([`${time}\u0000`, 'pabc']),
      forge([time, 'p\u0000abc']),
      forge(['\u0000', '\u0000']),
      forge([time, '\ud800']),
      forge(['2024-01-01', 'pabc']),
      forge(['not a time', 'pabc']),
      forge([time, "p' OR 1=1 --"]),
      forge([time, 'x'.repeat(10_000)]),
      forge([1, 'pabc']),
      forge([time, 'pabc', 'extra']),
      forge({ created_at: time, id: 'pabc' }),
    ];
    for (const cursor of forged) {
      const r = await h().request('GET', `/v1/personas?cursor=${encodeURIComponent(cursor)}`, { account });
      assert.equal(r.status, 400, `${Buffer.from(cursor, 'base64url').toString()}: ${r.text}`);
      assert.match(r.body.message, /cursor/);
    }
  });

  test('a cursor the API wrote still pages', async () => {
    const account = await h().newAccount();
    for (const name of ['one', 'two', 'three']) {
      const r = await h().request('POST', '/v1/personas', { account, json: { name } });
      assert.equal(r.status, 200, r.text);
    }
    const first = await h().request('GET', '/v1/personas?limit=2', { account });
    assert.equal(first.status, 200, first.text);
    const next = await h().request('GET', `/v1/personas?limit=2&cursor=${first.body.next_cursor}`, {
      account,
    });
    assert.equal(next.status, 200, next.text);
    assert.deepEqual(
      next.body.data.map((p: { name: string }) => p.name),
      ['one'],
    );
  });
});
