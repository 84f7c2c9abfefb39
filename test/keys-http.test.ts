import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { createKey } from '../src/core/api-keys.ts';
import { operationScopes } from '../src/http/scopes.ts';
import { openGiantProblem } from './helpers/error-shapes.ts';
import { type Account, describeEachBackend, type Harness } from './helpers/harness.ts';

const ADMIN = 'admin-secret-for-tests-0123456789';
const admin: Account = { key: ADMIN, accountId: '', auth: { authorization: `Bearer ${ADMIN}` } };
const as = (key: string): Account => ({ key, accountId: '', auth: { authorization: `Bearer ${key}` } });
let n = 0;
const unique = (what: string) => `${what}-${process.pid}-${Date.now()}-${n++}`;

function refused(r: { status: number; body: unknown; text: string }, status: number, message?: RegExp) {
  assert.equal(r.status, status, r.text);
  assert.equal(openGiantProblem(status, r.body), undefined, r.text);
  if (message) assert.match(r.text, message);
}

/** An account made by the operator over HTTP, with a key holding these scopes. */
async function accountWithKey(h: Harness, scopes?: string[]) {
  const acct = await h.request('POST', '/v1/accounts', { account: admin, json: { name: unique('acct') } });
  assert.equal(acct.status, 201, acct.text);
  const key = await h.request('POST', '/v1/keys', {
    account: admin,
    json: { account_id: acct.body.id, name: 'first', ...(scopes ? { scopes } : {}) },
  });
  assert.equal(key.status, 201, key.text);
  return { accountId: acct.body.id as string, keyId: key.body.id as string, key: key.body.key as string };
}

describeEachBackend(
  'keys and accounts over HTTP',
  (h) => {
    const realNow = () => new Date();
    afterEach(() => {
      h().services.now = realNow;
    });
    const at = (iso: string) => {
      h().services.now = () => new Date(iso);
    };

    test('the scopes of the admin routes are pinned', () => {
      for (const id of ['createApiKey', 'listApiKeys', 'getApiKey', 'revokeApiKey', 'rotateApiKey'])
        assert.equal(operationScopes[id], 'keys', id);
      for (const id of ['createAccount', 'listAccounts', 'getAccount', 'updateAccount'])
        assert.equal(operationScopes[id], 'accounts', id);
      assert.equal(operationScopes.getUsage, 'usage');
      assert.equal(operationScopes.refineContent, 'refine');
      assert.equal(operationScopes.getPersona, 'personas:read');
      assert.equal(operationScopes.createPersona, 'personas:write');
    });

    test('an operator with only HTTP creates an account and a scoped key, shown once, that works as scoped', async () => {
      const { key, keyId } = await accountWithKey(h(), ['personas:read', 'personas:write']);
      assert.match(key, /^pk_/);
      const made = await h().request('POST', '/v1/personas', {
        account: as(key),
        json: { name: 'P', attributes: {} },
      });
      assert.equal(made.status, 200, made.text);
      refused(
        await h().request('POST', '/v1/refine', {
          account: as(key),
          json: { provider: 'local', personaId: made.body.id, content: 'hi' },
        }),
        403,
        /'refine'/,
      );
      const got = await h().request('GET', `/v1/keys/${keyId}`, { account: admin });
      assert.equal(got.status, 200);
      assert.equal(got.body.key, undefined);
      assert.equal(got.text.includes(key), false);
      assert.deepEqual(got.body.scopes, ['personas:read', 'personas:write']);
      assert.equal(got.body.name, 'first');
      assert.equal(got.body.prefix, key.slice(0, 9));
    });

    test('a new key is not kept for Idempotency-Key replays: the retry is a 409, the secret is not stored', async () => {
      const { key } = await accountWithKey(h(), ['keys']);
      const headers = { 'idempotency-key': unique('idem') };
      const first = await h().request('POST', '/v1/keys', {
        account: as(key),
        json: { name: 'once' },
        headers,
      });
      assert.equal(first.status, 201, first.text);
      assert.equal(first.headers.get('cache-control'), 'no-store');
      const again = await h().request('POST', '/v1/keys', {
        account: as(key),
        json: { name: 'once' },
        headers,
      });
      refused(again, 409, /secret shown once/);
      const stored = await h()
        .services.db.kysely.selectFrom('idempotency_keys')
        .select('body')
        .where('key', '=', headers['idempotency-key'])
        .executeTakeFirstOrThrow();
      assert.equal(stored.body, null);
    });

    test('list pages newest first with a cursor and never shows a secret', async () => {
      const { key, accountId } = await accountWithKey(h(), ['keys']);
      const secrets = [key];
      for (let i = 0; i < 3; i++) {
        // Keys made in the same millisecond tie on created_at (and are then ordered by their random id):
        // a millisecond apart, "newest first" has one answer.
        await new Promise((resolve) => setTimeout(resolve, 2));
        const r = await h().request('POST', '/v1/keys', { account: as(key), json: { name: `k${i}` } });
        assert.equal(r.status, 201, r.text);
        assert.deepEqual(r.body.scopes, ['keys'], 'defaults to the maker’s scopes');
        secrets.push(r.body.key);
      }
      const first = await h().request('GET', '/v1/keys?limit=3', { account: as(key) });
      assert.equal(first.status, 200, first.text);
      assert.deepEqual(
        first.body.data.map((k: { name: string }) => k.name),
        ['k2', 'k1', 'k0'],
      );
      assert.ok(first.body.next_cursor);
      const second = await h().request('GET', `/v1/keys?limit=3&cursor=${first.body.next_cursor}`, {
        account: as(key),
      });
      assert.deepEqual(
        second.body.data.map((k: { name: string }) => k.name),
        ['first'],
      );
      assert.equal(second.body.next_cursor, null);
      for (const page of [first, second]) {
        for (const s of secrets) assert.equal(page.text.includes(s), false);
        for (const k of page.body.data) {
          assert.equal(k.account_id, accountId);
          assert.equal('key' in k, false);
        }
      }
      refused(await h().request('GET', '/v1/keys?cursor=bogus', { account: as(key) }), 400, /cursor/);
      // The operator sees every account's keys, or one account's.
      const one = await h().request('GET', `/v1/keys?account_id=${accountId}&limit=100`, { account: admin });
      assert.equal(one.body.data.length, 4);
    });

    test('revoke: the key stops at once; revoking twice keeps the first time', async () => {
      const { key } = await accountWithKey(h(), ['keys', 'personas:read']);
      const other = await h().request('POST', '/v1/keys', {
        account: as(key),
        json: { scopes: ['personas:read'] },
      });
      assert.equal((await h().request('GET', '/v1/personas', { account: as(other.body.key) })).status, 200);
      const r = await h().request('DELETE', `/v1/keys/${other.body.id}`, { account: as(key) });
      assert.equal(r.status, 200, r.text);
      assert.ok(r.body.revoked_at);
      refused(await h().request('GET', '/v1/personas', { account: as(other.body.key) }), 401);
      const again = await h().request('DELETE', `/v1/keys/${other.body.id}`, { account: as(key) });
      assert.equal(again.body.revoked_at, r.body.revoked_at);
      refused(await h().request('DELETE', '/v1/keys/key_nosuchkey', { account: as(key) }), 404);
    });

    test('rotate: a new secret at once, the old one until the grace period ends', async () => {
      const { key, keyId } = await accountWithKey(h(), ['keys', 'personas:read']);
      at('2030-01-01T00:00:00.000Z');
      const r = await h().request('POST', `/v1/keys/${keyId}/rotate`, {
        account: as(key),
        json: { grace_period_seconds: 600 },
      });
      assert.equal(r.status, 201, r.text);
      assert.notEqual(r.body.key, key);
      assert.deepEqual(r.body.scopes, ['keys', 'personas:read']);
      assert.equal(r.body.name, 'first');
      assert.equal(r.body.previous.id, keyId);
      assert.equal(r.body.previous.replaced_by, r.body.id);
      assert.equal(r.body.previous.expires_at, '2030-01-01T00:10:00.000Z');
      at('2030-01-01T00:09:59.000Z');
      assert.equal((await h().request('GET', '/v1/personas', { account: as(key) })).status, 200, 'in grace');
      at('2030-01-01T00:10:00.000Z');
      refused(await h().request('GET', '/v1/personas', { account: as(key) }), 401);
      assert.equal((await h().request('GET', '/v1/personas', { account: as(r.body.key) })).status, 200);
      // An expired key cannot be rotated again; grace 0 stops the old key at once; the default is a day.
      refused(
        await h().request('POST', `/v1/keys/${keyId}/rotate`, { account: as(r.body.key), json: {} }),
        409,
      );
      const now = await h().request('POST', `/v1/keys/${r.body.id}/rotate`, {
        account: as(r.body.key),
        json: { grace_period_seconds: 0 },
      });
      assert.equal(now.status, 201, now.text);
      refused(await h().request('GET', '/v1/personas', { account: as(r.body.key) }), 401);
      const byDefault = await h().request('POST', `/v1/keys/${now.body.id}/rotate`, {
        account: as(now.body.key),
        json: {},
      });
      assert.equal(byDefault.body.previous.expires_at, '2030-01-02T00:10:00.000Z');
      refused(
        await h().request('POST', `/v1/keys/${now.body.id}/rotate`, {
          account: as(now.body.key),
          json: { grace_period_seconds: -1 },
        }),
        400,
        /grace_period_seconds/,
      );
    });

    test('expiry: a key works until expires_at, then is refused; a past expiry is refused at creation', async () => {
      const { key } = await accountWithKey(h(), ['keys', 'personas:read']);
      at('2030-06-01T00:00:00.000Z');
      const r = await h().request('POST', '/v1/keys', {
        account: as(key),
        json: { expires_at: '2030-06-01T01:00:00Z' },
      });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.body.expires_at, '2030-06-01T01:00:00.000Z');
      assert.equal((await h().request('GET', '/v1/personas', { account: as(r.body.key) })).status, 200);
      at('2030-06-01T01:00:00.001Z');
      refused(await h().request('GET', '/v1/personas', { account: as(r.body.key) }), 401);
      refused(
        await h().request('POST', '/v1/keys', {
          account: as(key),
          json: { expires_at: '2030-01-01T00:00:00Z' },
        }),
        400,
        /expires_at/,
      );
      refused(
        await h().request('POST', '/v1/keys', { account: as(key), json: { expires_at: 'soon' } }),
        400,
        /expires_at/,
      );
    });

    test("an account's key manages its own account's keys only, and cannot climb", async () => {
      const a = await accountWithKey(h(), ['keys', 'personas:read']);
      const b = await accountWithKey(h(), ['keys']);
      refused(
        await h().request('POST', '/v1/accounts', { account: as(a.key), json: { name: unique('x') } }),
        403,
        /operator/,
      );
      refused(await h().request('GET', '/v1/accounts', { account: as(a.key) }), 403, /operator/);
      refused(
        await h().request('POST', '/v1/keys', { account: as(a.key), json: { account_id: b.accountId } }),
        403,
        /account_id/,
      );
      refused(
        await h().request('POST', '/v1/keys', { account: as(a.key), json: { scopes: ['refine'] } }),
        403,
        /'refine'/,
      );
      refused(
        await h().request('POST', '/v1/keys', { account: as(a.key), json: { scopes: ['accounts'] } }),
        400,
      );
      // Another account's key is not found, not forbidden.
      refused(await h().request('GET', `/v1/keys/${b.keyId}`, { account: as(a.key) }), 404);
      refused(await h().request('DELETE', `/v1/keys/${b.keyId}`, { account: as(a.key) }), 404);
      refused(await h().request('POST', `/v1/keys/${b.keyId}/rotate`, { account: as(a.key), json: {} }), 404);
      refused(await h().request('GET', `/v1/keys?account_id=${b.accountId}`, { account: as(a.key) }), 403);
      // A wider key (or an operator key) of its own account is out of its reach too.
      const wide = await createKey(
        h().services.db,
        (await h().request('GET', `/v1/accounts/${a.accountId}`, { account: admin })).body.name,
      );
      refused(await h().request('DELETE', `/v1/keys/${wide.id}`, { account: as(a.key) }), 403);
      refused(await h().request('POST', `/v1/keys/${wide.id}/rotate`, { account: as(a.key), json: {} }), 403);
      // The key it made is within reach.
      const mine = await h().request('POST', '/v1/keys', {
        account: as(a.key),
        json: { scopes: ['personas:read'] },
      });
      assert.equal(
        (await h().request('DELETE', `/v1/keys/${mine.body.id}`, { account: as(a.key) })).status,
        200,
      );
    });

    test('the operator: accounts, any account’s keys; the env key needs account_id to create one', async () => {
      const a = await accountWithKey(h());
      assert.equal(a.key.startsWith('pk_'), true);
      refused(await h().request('POST', '/v1/keys', { account: admin, json: {} }), 400, /account_id/);
      refused(
        await h().request('POST', '/v1/keys', { account: admin, json: { account_id: 'acct_nosuch' } }),
        404,
      );
      const name = unique('dup');
      assert.equal(
        (await h().request('POST', '/v1/accounts', { account: admin, json: { name } })).status,
        201,
      );
      refused(await h().request('POST', '/v1/accounts', { account: admin, json: { name } }), 409);
      const list = await h().request('GET', '/v1/accounts?limit=1', { account: admin });
      assert.equal(list.body.data.length, 1);
      assert.ok(list.body.next_cursor);
      // The env key manages; it is no tenant: persona routes need scopes it does not hold.
      refused(await h().request('GET', '/v1/personas', { account: admin }), 403, /personas:read/);
      // An operator key made by the CLI (an account of its own) has the same powers.
      const cli = await createKey(h().services.db, unique('ops'), new Date(), { operator: true });
      const other = await h().request('POST', '/v1/keys', {
        account: as(cli.key),
        json: { account_id: a.accountId },
      });
      assert.equal(other.status, 201, other.text);
      assert.equal((await h().request('GET', '/v1/accounts', { account: as(cli.key) })).status, 200);
      assert.equal((await h().request('GET', '/v1/personas', { account: as(cli.key) })).status, 200);
    });

    test('a disabled account’s keys all stop; enabled again, they work', async () => {
      const a = await accountWithKey(h(), ['personas:read']);
      assert.equal((await h().request('GET', '/v1/personas', { account: as(a.key) })).status, 200);
      const off = await h().request('PATCH', `/v1/accounts/${a.accountId}`, {
        account: admin,
        json: { disabled: true },
      });
      assert.equal(off.status, 200, off.text);
      assert.ok(off.body.disabled_at);
      refused(await h().request('GET', '/v1/personas', { account: as(a.key) }), 401);
      refused(
        await h().request('POST', '/v1/keys', { account: admin, json: { account_id: a.accountId } }),
        409,
      );
      const on = await h().request('PATCH', `/v1/accounts/${a.accountId}`, {
        account: admin,
        json: { disabled: false },
      });
      assert.equal(on.body.disabled_at, null);
      assert.equal((await h().request('GET', '/v1/personas', { account: as(a.key) })).status, 200);
      refused(
        await h().request('PATCH', '/v1/accounts/acct_nosuch', { account: admin, json: { disabled: true } }),
        404,
      );
    });
  },
  { PERSONAKIT_ADMIN_KEY: ADMIN },
);
