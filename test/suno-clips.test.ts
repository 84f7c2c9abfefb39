import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { describeEachBackend } from './helpers/harness.ts';
import { clipBody, newClip, seedResponse, shapeOf } from './helpers/suno.ts';

describeEachBackend('/suno clips', (h) => {
  test("a registered clip has every field of the seed's clip, in its order and types", async () => {
    const account = await h().newAccount();
    const clip = await newClip(h(), account, { duration: 190 });
    assert.deepEqual(shapeOf(clip), shapeOf(seedResponse.clip));
    assert.match(clip.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(clip.audio_url, 'https://cdn.example.com/night-drive.mp3');
    assert.equal(clip.video_url, '');
    assert.deepEqual(clip.metadata, {
      tags: 'synthwave, dark pop',
      prompt: '[Verse] neon',
      type: 'gen',
      duration: 190,
      refund_credits: false,
      stream: true,
    });
    assert.equal(clip.user_id, account.accountId);
    assert.deepEqual([clip.is_trashed, clip.is_public, clip.status], [false, false, 'complete']);
    const feed = await h().request('GET', `/suno/feed/${clip.id}`, { account });
    assert.deepEqual(feed.body, [clip]);
  });

  test('an upload is registered with metadata.type "upload"', async () => {
    const account = await h().newAccount();
    const clip = await newClip(h(), account, {}, 'upload');
    assert.equal(clip.metadata.type, 'upload');
    // The route decides the type, not the body.
    const r = await h().request('POST', '/suno/clips', {
      account,
      json: clipBody({ metadata: { tags: 'x', type: 'upload' } }),
    });
    assert.equal(r.body.metadata.type, 'gen');
  });

  test('metadata.duration wins over duration; no duration is null', async () => {
    const account = await h().newAccount();
    const both = await newClip(h(), account, { duration: 10, metadata: { tags: '', duration: 20 } });
    assert.equal(both.metadata.duration, 20);
    const none = await newClip(h(), account, { duration: undefined });
    assert.equal(none.metadata.duration, null);
  });

  test("a client-chosen id is kept; an id already registered is 409, in this account or another's alike", async () => {
    const account = await h().newAccount();
    const id = randomUUID();
    assert.equal((await newClip(h(), account, { id })).id, id);
    const again = await h().request('POST', '/suno/clips', { account, json: clipBody({ id }) });
    assert.equal(again.status, 409);
    assert.deepEqual([again.body.code, again.body.error, again.body.field], [409, 'conflict', 'id']);
    // Another account cannot make the clip id its own (it would then be forwarded with the operator's key
    // as its clip); the answer is the same as for its own duplicate, so it says nothing about whose it is.
    const other = await h().newAccount();
    for (const path of ['/suno/clips', '/suno/clips/upload']) {
      const taken = await h().request('POST', path, { account: other, json: clipBody({ id }) });
      assert.deepEqual([taken.status, taken.body], [409, again.body]);
    }
    assert.deepEqual((await h().request('GET', `/suno/feed/${id}`, { account: other })).body, []);
  });

  for (const [field, value] of [
    ['audio_url', undefined],
    ['audio_url', 'ftp://cdn.example.com/a.mp3'],
    ['audio_url', 'javascript:alert(1)'],
    ['image_url', 'not a url'],
    ['id', 'has spaces'],
    ['title', 7],
    ['metadata.tags', ['pop']],
    ['is_public', 'yes'],
    ['status', 'done'],
  ] as const) {
    test(`register: ${field} = ${JSON.stringify(value)} is a 400 naming it`, async () => {
      const account = await h().newAccount();
      const body: Record<string, unknown> = clipBody();
      if (field === 'metadata.tags') body.metadata = { tags: value };
      else body[field] = value;
      const r = await h().request('POST', '/suno/clips', { account, json: body });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.field, field);
    });
  }

  test("feed: asked order, each once, unknown and other accounts' ids absent", async () => {
    const account = await h().newAccount();
    const other = await h().newAccount();
    const a = await newClip(h(), account);
    const b = await newClip(h(), account, {}, 'upload');
    const theirs = await newClip(h(), other);
    const ids = [b.id, 'unknown-id', theirs.id, a.id, b.id].join(',');
    const r = await h().request('GET', `/suno/feed/${ids}`, { account });
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.body.map((c: { id: string }) => c.id),
      [b.id, a.id],
    );
    const none = await h().request('GET', `/suno/feed/${theirs.id}`, { account });
    assert.deepEqual([none.status, none.body], [200, []]);
  });

  test('feed: more than 50 ids or a malformed list is a 400', async () => {
    const account = await h().newAccount();
    const many = Array.from({ length: 51 }, (_, i) => `c${i}`).join(',');
    for (const ids of [many, 'a,,b', 'a%20b']) {
      const r = await h().request('GET', `/suno/feed/${ids}`, { account });
      assert.equal(r.status, 400, ids);
      assert.equal(r.body.field, 'ids');
    }
    const fifty = Array.from({ length: 50 }, (_, i) => `c${i}`).join(',');
    assert.equal((await h().request('GET', `/suno/feed/${fifty}`, { account })).status, 200);
  });

  test("trash: is_trashed becomes true, idempotently; another account's clip is 404 and untouched", async () => {
    const account = await h().newAccount();
    const other = await h().newAccount();
    const clip = await newClip(h(), account);
    const theirs = await h().request('DELETE', `/suno/clips/${clip.id}`, { account: other });
    assert.equal(theirs.status, 404);
    const missing = await h().request('DELETE', '/suno/clips/0f3c2b8e-1d4a-4c55-9b7e-2a6f1e9d8c41', {
      account: other,
    });
    assert.deepEqual(
      { ...theirs.body, msg: theirs.body.msg.replace(clip.id, 'X') },
      { ...missing.body, msg: missing.body.msg.replace('0f3c2b8e-1d4a-4c55-9b7e-2a6f1e9d8c41', 'X') },
    );
    assert.equal((await h().request('GET', `/suno/feed/${clip.id}`, { account })).body[0].is_trashed, false);
    for (let i = 0; i < 2; i++) {
      const r = await h().request('DELETE', `/suno/clips/${clip.id}`, { account });
      assert.equal(r.status, 200);
      assert.equal(r.body.is_trashed, true);
    }
    assert.equal((await h().request('GET', `/suno/feed/${clip.id}`, { account })).body[0].is_trashed, true);
  });

  test('errors on /suno have the one shape: code, msg, error', async () => {
    const account = await h().newAccount();
    const noKey = await h().request('GET', '/suno/personas');
    assert.deepEqual(noKey.body, { code: 401, msg: 'Missing or invalid API key', error: 'unauthorized' });
    const notJson = await h().request('POST', '/suno/clips', {
      account,
      body: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    assert.deepEqual(
      [notJson.status, notJson.body.code, notJson.body.error],
      [415, 415, 'unsupported_media_type'],
    );
    const noRoute = await h().request('GET', '/suno/nothing-here', { account });
    assert.deepEqual([noRoute.status, noRoute.body.code, noRoute.body.error], [404, 404, 'not_found']);
    const method = await h().request('PUT', '/suno/clips', { account, json: {} });
    assert.deepEqual([method.status, method.body.code], [405, 405]);
  });

  test('every /suno route refuses a request without a valid key', async () => {
    const routes = h().app.routes.filter((r) => r.path.startsWith('/suno/') && r.method !== 'ALL');
    assert.ok(routes.length >= 13);
    for (const r of routes) {
      const path = r.path.replace(/:[^/]+/g, 'x1');
      const res = await h().request(r.method, path, { headers: { authorization: 'Bearer pk_wrong' } });
      assert.equal(res.status, 401, `${r.method} ${r.path}`);
      assert.equal(res.body.error, 'unauthorized');
    }
  });

  test('the OpenAPI document lists the /suno error responses in the one error shape', async () => {
    const doc = (await h().request('GET', '/openapi.json')).body;
    const ops = Object.entries(
      doc.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>,
    )
      .filter(([path]) => path.startsWith('/suno/'))
      .flatMap(([path, byMethod]) => Object.entries(byMethod).map(([method, op]) => ({ path, method, op })));
    assert.ok(ops.length >= 13);
    const ref = { 'application/json': { schema: { $ref: '#/components/schemas/SunoError' } } };
    for (const { path, method, op } of ops) {
      for (const status of ['400', '401']) {
        const r = op.responses[status] as { content: unknown } | undefined;
        assert.deepEqual(r?.content, ref, `${method} ${path} ${status}`);
      }
    }
    const generate = doc.paths['/suno/generate'].post.responses;
    for (const status of ['403', '404', '501', '502', '504']) assert.ok(generate[status], status);
    assert.deepEqual(Object.keys(doc.components.schemas.SunoError.properties), [
      'code',
      'msg',
      'error',
      'field',
    ]);
  });
});
