import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachBackend } from './helpers/harness.ts';

describeEachBackend('/v1/personas', (h) => {
  test('create returns exactly {id, name, attributes} as the seed', async () => {
    const account = await h().newAccount();
    const attributes = { tone: 'warm', nested: { b: 1, a: [1, 'x'] }, zeta: true, alpha: null };
    const r = await h().request('POST', '/v1/personas', {
      account,
      json: { name: '  Support  ', attributes },
    });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body), ['id', 'name', 'attributes']);
    assert.equal(r.body.name, 'Support');
    // Key order survives the round trip through the store (no jsonb reordering).
    assert.equal(JSON.stringify(r.body.attributes), JSON.stringify(attributes));
    assert.match(r.body.id, /^p[a-z0-9]{24}$/);
    assert.ok(r.headers.get('x-request-id'));
  });

  test('concurrent creates (one group commit) are all stored, each with its own content', async () => {
    const account = await h().newAccount();
    const created = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        h().request('POST', '/v1/personas', { account, json: { name: `C${i}`, attributes: { n: i } } }),
      ),
    );
    assert.deepEqual(new Set(created.map((r) => r.status)), new Set([200]));
    for (const [i, r] of created.entries()) {
      const read = await h().request('GET', `/v1/personas/${r.body.id}`, { account });
      assert.equal(read.body.name, `C${i}`);
      assert.deepEqual(read.body.attributes, { n: i });
    }
    const ids = new Set(created.map((r) => r.body.id));
    assert.equal(ids.size, 60);
  });

  test('attributes default to {}', async () => {
    const account = await h().newAccount();
    const r = await h().request('POST', '/v1/personas', { account, json: { name: 'Bare' } });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.attributes, {});
  });

  test('get returns the stored persona with timestamps and version', async () => {
    const account = await h().newAccount();
    const c = await h().request('POST', '/v1/personas', {
      account,
      json: { name: 'A', attributes: { x: 1 } },
    });
    const r = await h().request('GET', `/v1/personas/${c.body.id}`, { account });
    assert.equal(r.status, 200);
    assert.equal(r.body.id, c.body.id);
    assert.equal(r.body.name, 'A');
    assert.deepEqual(r.body.attributes, { x: 1 });
    assert.equal(r.body.version, 1);
    assert.equal(r.body.created_at, r.body.updated_at);
  });

  test('patch replaces attributes as a whole, keeps the name, bumps the version', async () => {
    const account = await h().newAccount();
    const c = await h().request('POST', '/v1/personas', {
      account,
      json: { name: 'A', attributes: { x: 1, y: 2 } },
    });
    const r = await h().request('PATCH', `/v1/personas/${c.body.id}`, {
      account,
      json: { attributes: { z: 3 } },
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.attributes, { z: 3 });
    assert.equal(r.body.name, 'A');
    assert.equal(r.body.version, 2);
    assert.ok(r.body.updated_at > r.body.created_at);
    const renamed = await h().request('PATCH', `/v1/personas/${c.body.id}`, { account, json: { name: 'B' } });
    assert.equal(renamed.body.name, 'B');
    assert.deepEqual(renamed.body.attributes, { z: 3 });
    assert.equal(renamed.body.version, 3);
    const read = await h().request('GET', `/v1/personas/${c.body.id}`, { account });
    assert.equal(read.body.name, 'B');
    assert.equal(read.body.version, 3);
  });

  test('a patch that changes nothing keeps the version', async () => {
    const account = await h().newAccount();
    const c = await h().request('POST', '/v1/personas', {
      account,
      json: { name: 'A', attributes: { x: 1 } },
    });
    const r = await h().request('PATCH', `/v1/personas/${c.body.id}`, { account, json: { name: 'A' } });
    assert.equal(r.status, 200);
    assert.equal(r.body.version, 1);
  });

  test('delete answers 204, then the persona is gone', async () => {
    const account = await h().newAccount();
    const c = await h().request('POST', '/v1/personas', { account, json: { name: 'Gone' } });
    const d = await h().request('DELETE', `/v1/personas/${c.body.id}`, { account });
    assert.equal(d.status, 204);
    assert.equal(d.text, '');
    assert.equal((await h().request('GET', `/v1/personas/${c.body.id}`, { account })).status, 404);
    assert.equal((await h().request('DELETE', `/v1/personas/${c.body.id}`, { account })).status, 404);
  });

  test('list is newest first and the cursor walks every persona exactly once', async () => {
    const account = await h().newAccount();
    const ids: string[] = [];
    // One second apart: personas made in the same millisecond have no "newest" among them (ties go by id).
    const services = h().services;
    const realNow = services.now;
    let tick = Date.parse('2030-01-01T00:00:00.000Z');
    services.now = () => {
      tick += 1000;
      return new Date(tick);
    };
    try {
      for (let i = 0; i < 7; i++) {
        const r = await h().request('POST', '/v1/personas', { account, json: { name: `P${i}` } });
        ids.push(r.body.id);
      }
    } finally {
      services.now = realNow;
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const r = await h().request('GET', `/v1/personas?limit=3${q}`, { account });
      assert.equal(r.status, 200);
      assert.ok(r.body.data.length <= 3);
      seen.push(...r.body.data.map((p: { id: string }) => p.id));
      cursor = r.body.next_cursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 3);
    assert.deepEqual(seen, [...ids].reverse());
  });

  test('list limit is bounded and a forged cursor is a 400', async () => {
    const account = await h().newAccount();
    for (const bad of ['0', '101', 'abc', '2.5']) {
      const r = await h().request('GET', `/v1/personas?limit=${bad}`, { account });
      assert.equal(r.status, 400, `limit=${bad}`);
      assert.equal(r.body.error, 400);
      assert.match(r.body.message, /limit/);
    }
    const r = await h().request('GET', '/v1/personas?cursor=not-a-cursor', { account });
    assert.equal(r.status, 400);
    assert.match(r.body.message, /cursor/);
  });
});
