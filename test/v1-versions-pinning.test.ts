import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getPersonaVersion, parsePersonaRef } from '../src/core/persona-versions.ts';
import { RequestCtx } from '../src/http/request-ctx.ts';
import { applyLocalStyle } from '../src/style/index.ts';
import { type Account, describeEachBackend, type Harness, listen } from './helpers/harness.ts';

/** Issue 16: refine pinned to a persona version, getPersonaVersion (chat's entry point), retention. */

const content = 'Hello customer!! We have received your request!';

async function create(h: Harness, account: Account, attributes: Record<string, unknown>) {
  const r = await h.request('POST', '/v1/personas', { account, json: { name: 'Pinned', attributes } });
  assert.equal(r.status, 200, r.text);
  return r.body.id as string;
}

async function patch(h: Harness, account: Account, id: string, json: unknown) {
  const r = await h.request('PATCH', `/v1/personas/${id}`, { account, json });
  assert.equal(r.status, 200, r.text);
}

const refine = (h: Harness, account: Account, id: string, personaVersion?: unknown) =>
  h.request('POST', '/v1/refine', {
    account,
    json: {
      provider: 'local',
      personaId: id,
      content,
      ...(personaVersion === undefined ? {} : { personaVersion }),
    },
  });

async function ctxFor(h: Harness, account: Account): Promise<RequestCtx> {
  const key = await h.services.db.kysely
    .selectFrom('api_keys')
    .select('id')
    .where('account_id', '=', account.accountId)
    .executeTakeFirstOrThrow();
  const principal = {
    accountId: account.accountId,
    keyId: key.id,
    scopes: null,
    operator: false,
    expiresAt: null,
    budget: null,
  };
  return new RequestCtx(h.services, principal, 'test');
}

const v1Attributes = { exclamations: 'none', vocabulary: { customer: 'member' } };
const v2Attributes = { exclamations: 'any', vocabulary: { customer: 'client' } };

describeEachBackend('persona versions: pinning', (h) => {
  test('refine pinned to a version uses its fields, unaffected by later edits; unpinned uses the latest', async () => {
    const account = await h().newAccount();
    const id = await create(h(), account, v1Attributes);
    const before = await refine(h(), account, id, 1);
    assert.equal(before.status, 200, before.text);
    assert.equal(before.body.response, applyLocalStyle(content, v1Attributes));
    await patch(h(), account, id, { attributes: v2Attributes });
    await patch(h(), account, id, { name: 'Renamed' });
    const pinned = await refine(h(), account, id, 1);
    assert.deepEqual(pinned.body, before.body);
    const latest = await refine(h(), account, id);
    assert.equal(latest.body.response, applyLocalStyle(content, v2Attributes));
    assert.notEqual(latest.body.response, pinned.body.response);
    assert.deepEqual((await refine(h(), account, id, 3)).body, latest.body);
    // Through the native fast path (a real socket) the pin holds as well.
    const server = await listen(h());
    try {
      const res = await fetch(`${server.url}/v1/refine`, {
        method: 'POST',
        headers: { ...account.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ provider: 'local', personaId: id, content, personaVersion: 1 }),
      });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), before.body);
    } finally {
      await server.close();
    }
  });

  test('a pinned version that does not exist is 404; a malformed one is 400 naming the field', async () => {
    const account = await h().newAccount();
    const id = await create(h(), account, v1Attributes);
    const missing = await refine(h(), account, id, 2);
    assert.deepEqual(
      [missing.status, missing.body],
      [404, { error: 404, message: 'Persona version not found' }],
    );
    for (const bad of [0, -1, 1.5, '1', null]) {
      const r = await refine(h(), account, id, bad);
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.match(r.body.message, /personaVersion/);
    }
  });

  test("another account's persona is 404 pinned or not, with the same message as a missing one", async () => {
    const owner = await h().newAccount();
    const other = await h().newAccount();
    const id = await create(h(), owner, v1Attributes);
    await patch(h(), owner, id, { attributes: v2Attributes });
    for (const n of [undefined, 1, 2, 3]) {
      const r = await refine(h(), other, id, n);
      assert.deepEqual([r.status, r.body], [404, { error: 404, message: 'Persona not found' }], String(n));
    }
    const ctx = await ctxFor(h(), other);
    await assert.rejects(getPersonaVersion(ctx, id, 1), { code: 'not_found', message: 'Persona not found' });
  });

  test('getPersonaVersion: the latest is the persona itself, an older one is read once and cached', async () => {
    const account = await h().newAccount();
    const id = await create(h(), account, v1Attributes);
    await patch(h(), account, id, { attributes: v2Attributes });
    const ctx = await ctxFor(h(), account);
    const latest = await getPersonaVersion(ctx, id, 2);
    // The same persona (not necessarily the same object: on PostgreSQL the patch's own change notice can
    // arrive between two reads and empty the persona cache, as it is meant to).
    assert.deepEqual(await getPersonaVersion(ctx, id, 2), latest);
    assert.deepEqual(latest.attributes, v2Attributes);
    const old = await getPersonaVersion(ctx, id, 1);
    assert.deepEqual([old.id, old.version, old.attributes], [id, 1, v1Attributes]);
    assert.ok(Object.isFrozen(old));
    // Cached: the same object, even with the version row gone from under it.
    await h()
      .services.db.kysely.deleteFrom('persona_versions')
      .where('version', '=', 1)
      .where('persona_id', '=', id)
      .execute();
    assert.equal(await getPersonaVersion(ctx, id, 1), old);
    await assert.rejects(getPersonaVersion(ctx, id, 3), {
      code: 'not_found',
      message: 'Persona version not found',
    });
    // A deleted persona's versions are gone at once, cached or not.
    assert.equal((await h().request('DELETE', `/v1/personas/${id}`, { account })).status, 204);
    await assert.rejects(getPersonaVersion(ctx, id, 1), { code: 'not_found', message: 'Persona not found' });
  });
});

describeEachBackend(
  'persona versions: retention',
  (h) => {
    test('PERSONAKIT_PERSONA_VERSIONS_KEEP=3 keeps the 3 newest; pruned versions are 404 everywhere', async () => {
      const account = await h().newAccount();
      const id = await create(h(), account, v1Attributes);
      const ctx = await ctxFor(h(), account);
      // Cached before it is pruned: the prune drops it from the cache too.
      assert.equal((await getPersonaVersion(ctx, id, 1)).version, 1);
      await patch(h(), account, id, { attributes: v2Attributes });
      assert.equal((await getPersonaVersion(ctx, id, 1)).version, 1);
      for (let i = 0; i < 5; i++) await patch(h(), account, id, { name: `n${i}` });
      const list = await h().request('GET', `/v1/personas/${id}/versions`, { account });
      assert.deepEqual(
        list.body.data.map((v: { version: number }) => v.version),
        [7, 6, 5],
      );
      for (const n of [1, 2, 4]) {
        const r = await h().request('GET', `/v1/personas/${id}/versions/${n}`, { account });
        assert.equal(r.status, 404, String(n));
        assert.equal((await refine(h(), account, id, n)).status, 404, String(n));
      }
      await assert.rejects(getPersonaVersion(ctx, id, 1), { code: 'not_found' });
      assert.equal((await refine(h(), account, id, 5)).status, 200);
      // Restoring makes a new version and prunes again; the latest is never pruned.
      const r = await h().request('POST', `/v1/personas/${id}/versions/5/restore`, { account });
      assert.equal(r.status, 200, r.text);
      const after = await h().request('GET', `/v1/personas/${id}/versions`, { account });
      assert.deepEqual(
        after.body.data.map((v: { version: number }) => v.version),
        [8, 7, 6],
      );
    });
  },
  { PERSONAKIT_PERSONA_VERSIONS_KEEP: '3' },
);

test('parsePersonaRef: <persona_id>@<n> pins a version; anything else is an id as it is', () => {
  assert.deepEqual(parsePersonaRef('pabc123@7'), { id: 'pabc123', version: 7 });
  assert.deepEqual(parsePersonaRef('psys_technical_writer@12'), { id: 'psys_technical_writer', version: 12 });
  assert.deepEqual(parsePersonaRef('pabc123'), { id: 'pabc123' });
  for (const whole of [
    'pabc123@0',
    'pabc123@',
    'pabc123@01',
    'pabc@1@2',
    '@3',
    'gpt-4o@2',
    `p@${'9'.repeat(16)}`,
  ]) {
    assert.deepEqual(parsePersonaRef(whole), { id: whole }, whole);
  }
});
