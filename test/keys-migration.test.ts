import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Kysely, Migrator } from 'kysely';
import { hashKey, KeyCache } from '../src/core/api-keys.ts';
import { operationScopes } from '../src/http/scopes.ts';
import { openDb } from '../src/storage/db.ts';
import { migrateToLatest, migrations } from '../src/storage/migrations.ts';

test('a key made before migration 0013 keeps full access (every scope, no expiry, no budget) after it', async () => {
  const db = await openDb('sqlite::memory:', { migrate: false });
  try {
    const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0013'));
    const { error } = await new Migrator({
      db: db.kysely as unknown as Kysely<unknown>,
      provider: { getMigrations: async () => before },
      migrationTableName: 'personakit_migrations',
      migrationLockTableName: 'personakit_migrations_lock',
    }).migrateToLatest();
    assert.equal(error, undefined);
    const raw = db.kysely as unknown as Kysely<Record<string, Record<string, unknown>>>;
    const now = new Date().toISOString();
    await raw.insertInto('accounts').values({ id: 'acct_old', name: 'old', created_at: now }).execute();
    await raw
      .insertInto('api_keys')
      .values({
        id: 'key_old',
        account_id: 'acct_old',
        key_hash: hashKey('pk_old'),
        prefix: 'pk_old',
        created_at: now,
        revoked_at: null,
      })
      .execute();
    assert.ok(
      (await migrateToLatest(db.kysely as unknown as Kysely<unknown>)).includes('0013_keys_scopes_usage'),
    );
    const p = await new KeyCache(db).authenticate('pk_old');
    assert.ok(p);
    assert.equal(p.scopes, null, 'every scope');
    assert.equal(p.operator, false);
    assert.equal(p.expiresAt, null);
    assert.equal(p.budget, null);
    // Every scope the table uses but the operator's own is held by such a key.
    const { holds } = await import('../src/core/scopes.ts');
    for (const scope of new Set(Object.values(operationScopes)))
      assert.equal(holds(p, scope), scope !== 'accounts', scope);
  } finally {
    await db.close();
  }
});
