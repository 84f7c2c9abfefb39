import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { createKey, revokeKey } from '../src/core/api-keys.ts';
import { newId } from '../src/core/ids.ts';
import { TEST_ENCRYPTION_KEY } from './fixtures/tavus-seed.ts';
import { errorShapeProblem } from './helpers/error-shapes.ts';
import { startFakeSunoUpstream } from './helpers/fake-suno-upstream.ts';
import type { Base } from './helpers/fuzz-mutations.ts';
import { type Account, describeEachBackend, type Harness } from './helpers/harness.ts';
import { label, type OpenApiDoc, pathParams, queryParams, routesOf } from './helpers/openapi-routes.ts';
import { basesOf, Fixtures, pathFixtures, type Token } from './helpers/route-fixtures.ts';
import { storeSnapshot } from './helpers/store-snapshot.ts';
import { newClip, newPersona } from './helpers/suno.ts';

/**
 * Point 2 of issue 7. Every route with an id in its path (found in the OpenAPI document, so a new one is
 * covered or the test fails asking for a fixture) answers another account's id exactly as it answers an
 * id that does not exist, for reads, writes and deletes, without a latency difference that could tell
 * them apart; no list shows another account's rows; a revoked key fails at once on every surface.
 */

// A Suno upstream, so the task-polling route has real tasks behind its ids.
const suno = await startFakeSunoUpstream();
after(() => suno.close());

const TIMING_SAMPLES = 200;
/** Generous on purpose: this catches a probe-sized difference (e.g. 403 vs 404 work), not noise. */
const TIMING_BOUNDS = [0.5, 2.0] as const;

async function openApi(h: Harness): Promise<OpenApiDoc> {
  return (await h.request('GET', '/openapi.json')).body as OpenApiDoc;
}

/** Valid-form ids that no resource has. */
const missingIds = (): Record<Token, string> => ({
  V1P: newId('p'),
  V2P: newId('p'),
  CLIP: randomUUID(),
  SUNOP: newId('p'),
  TASK: `task-${randomUUID()}`,
  DOC: newId('d'),
  CONV: newId('c'),
  MEM: `mem-${randomUUID()}`,
  KEY: newId('key_'),
  ACCT: newId('acct_'),
});

/** The route's valid request, as `caller`, on the resource `id`. */
async function call(h: Harness, fx: Fixtures, base: Base, caller: Account, id: string) {
  const token = pathFixtures[base.route.path] as Token;
  const res = await h.app.request(base.path.replace(`@${token}@`, id), {
    method: base.route.method,
    headers: { ...caller.auth, ...(base.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(base.body === undefined ? {} : { body: fx.fill(JSON.stringify(base.body)) }),
  });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

async function idRoutes(h: Harness, owner: Account) {
  const fx = new Fixtures(h, owner);
  await fx.ensure();
  // Accounts are not an account's resources: those routes are the operator's (scopes-every-route.test.ts).
  const bases = basesOf(await openApi(h)).filter(
    (b) => pathParams(b.route).length > 0 && !b.route.path.startsWith('/v1/accounts/'),
  );
  const methods = new Set(bases.map((b) => b.route.method));
  // POST: /v2/documents/{id}/recrawl.
  assert.deepEqual(
    [...methods].sort(),
    ['DELETE', 'GET', 'PATCH', 'POST'],
    'reads, writes and deletes are covered',
  );
  return { fx, bases };
}

describeEachBackend(
  'tenants',
  (h) => {
    test("another account's id is answered exactly like a missing one, and changes nothing", async () => {
      const owner = await h().newAccount();
      const other = await h().newAccount();
      const { fx, bases } = await idRoutes(h(), owner);
      const missing = missingIds();
      const before = await storeSnapshot(h().services.db);
      for (const base of bases) {
        const token = pathFixtures[base.route.path] as Token;
        const theirs = await call(h(), fx, base, other, fx.ids[token]);
        const none = await call(h(), fx, base, other, missing[token]);
        const where = label(base.route);
        assert.equal(theirs.status, none.status, where);
        assert.equal(theirs.type, none.type, where);
        assert.equal(
          theirs.text.replaceAll(fx.ids[token], '<id>'),
          none.text.replaceAll(missing[token], '<id>'),
          where,
        );
        // Not found, or (the feed) an empty list: nothing of the owner's is shown.
        if (theirs.status === 200) assert.equal(theirs.text, '[]', where);
        else {
          assert.equal(theirs.status, 404, where);
          assert.equal(errorShapeProblem(base.path, 404, theirs.type, theirs.text), undefined, where);
        }
      }
      assert.equal(
        await storeSnapshot(h().services.db),
        before,
        "no request on another account's ids changed the store",
      );
      // The owner still reads each resource (writes and deletes are left alone: they would change it).
      // After the snapshot: the owner's own poll of a task records its clips, as it should.
      // (A conversation's event stream stays open while the conversation is active: its status is read alone.)
      for (const base of bases.filter((b) => b.route.method === 'GET' && !b.route.path.endsWith('/events'))) {
        const token = pathFixtures[base.route.path] as Token;
        assert.equal((await call(h(), fx, base, owner, fx.ids[token])).status, 200, label(base.route));
      }
    });

    test("no latency difference tells another account's id from a missing one", async () => {
      const owner = await h().newAccount();
      const other = await h().newAccount();
      const { fx, bases } = await idRoutes(h(), owner);
      const missing = missingIds();
      const ratios: string[] = [];
      for (const base of bases) {
        const token = pathFixtures[base.route.path] as Token;
        const theirs: number[] = [];
        const none: number[] = [];
        // Interleaved, so load on the machine affects both series alike.
        for (let i = 0; i < TIMING_SAMPLES; i++) {
          for (const [id, into] of [
            [fx.ids[token], theirs],
            [missing[token], none],
          ] as const) {
            const t = performance.now();
            await call(h(), fx, base, other, id);
            into.push(performance.now() - t);
          }
        }
        const ratio = median(theirs) / median(none);
        ratios.push(`${label(base.route)} ${ratio.toFixed(2)}`);
        assert.ok(
          ratio >= TIMING_BOUNDS[0] && ratio <= TIMING_BOUNDS[1],
          `${label(base.route)}: ratio ${ratio}`,
        );
      }
      console.log(`tenant timing [${h().backend}] other/missing median ratios: ${ratios.join(', ')}`);
    });

    test("no list shows another account's rows", async () => {
      const owner = await h().newAccount();
      const other = await h().newAccount();
      const mine = new Fixtures(h(), owner);
      const theirs = new Fixtures(h(), other);
      await mine.ensure();
      await theirs.ensure();
      // A public persona is readable by id, but it is still not listed for others.
      const publicPersona = await newPersona(h(), owner, (await newClip(h(), owner)).id, { is_public: true });
      const ownerIds = [...Object.values(mine.ids), publicPersona.id, owner.accountId];
      // Not account lists: /v1/accounts is the operator's (an account key gets 403), /v1/usage answers
      // sums (its account scoping is tested in test/usage.test.ts), /v1/me describes the calling key.
      const notAccountLists = new Set(['/v1/accounts', '/v1/usage', '/v1/me']);
      const lists = routesOf(await openApi(h())).filter(
        (r) => r.method === 'GET' && pathParams(r).length === 0 && !notAccountLists.has(r.path),
      );
      assert.ok(lists.length >= 3, 'every surface has a list route');
      for (const route of lists) {
        const limit = queryParams(route).some((p) => p.name === 'limit') ? '?limit=50' : '';
        for (const query of [limit, `${limit}${limit ? '&' : '?'}persona_type=system`]) {
          const r = await h().request('GET', `${route.path}${query}`, { account: other });
          assert.equal(r.status, 200, `${label(route)}${query}: ${r.text}`);
          for (const id of ownerIds) assert.ok(!r.text.includes(id), `${label(route)}${query} shows ${id}`);
        }
        const own = await h().request('GET', `${route.path}${limit}`, { account: other });
        assert.ok(
          Object.values(theirs.ids).some((id) => own.text.includes(id)),
          `${label(route)} lists the caller's own rows (so the check above is not vacuous)`,
        );
      }
    });

    test('a revoked key fails at once on every surface; the account’s other key still works', async () => {
      const account = await h().newAccount();
      const name = await h()
        .services.db.kysely.selectFrom('accounts')
        .select('name')
        .where('id', '=', account.accountId)
        .executeTakeFirstOrThrow();
      const second = await createKey(h().services.db, name.name);
      const paths = ['/v1/personas', '/v2/personas', '/suno/personas'];
      // Warm the key cache first: the revocation must reach it.
      for (const p of paths) assert.equal((await h().request('GET', p, { account })).status, 200, p);
      const [key] = await h()
        .services.db.kysely.selectFrom('api_keys')
        .select('id')
        .where('account_id', '=', account.accountId)
        .where('id', '!=', second.id)
        .execute();
      assert.ok(key);
      assert.equal(await revokeKey(h().services.db, key.id), true);
      for (const p of paths) {
        const ways: Record<string, string>[] = [
          { authorization: `Bearer ${account.key}` },
          { 'x-api-key': account.key },
        ];
        for (const headers of ways) {
          const r = await h().request('GET', p, { headers });
          assert.equal(r.status, 401, `${p} right after revocation`);
          assert.equal(errorShapeProblem(p, 401, r.headers.get('content-type'), r.text), undefined, r.text);
        }
        const still = await h().request('GET', p, { headers: { authorization: `Bearer ${second.key}` } });
        assert.equal(still.status, 200, `${p} with the account's other key`);
      }
    });
  },
  {
    PERSONAKIT_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    PERSONAKIT_RATE_LIMIT: '0',
    PERSONAKIT_SUNO_BASE_URL: suno.url,
    PERSONAKIT_SUNO_API_KEY: 'operator-key',
  },
);
