import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { KeyCache } from '../src/core/api-keys.ts';
import { openDb } from '../src/storage/db.ts';
import { runCli } from './helpers/spawn-server.ts';

/** `personakit keys …` on the same core as /v1/keys: names, scopes, expiry, operator keys, rotation. */

const dir = mkdtempSync(join(tmpdir(), 'pk-keys-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const env = { DATABASE_URL: `sqlite:${join(dir, 'personakit.db')}` };
const lastLine = (s: string) => s.trim().split('\n').at(-1) ?? '';

async function principalOf(key: string) {
  const db = await openDb(env.DATABASE_URL);
  try {
    return await new KeyCache(db).authenticate(key);
  } finally {
    await db.close();
  }
}

test('keys create takes a name, scopes, an expiry and --operator; list shows them', async () => {
  const created = await runCli(
    [
      'keys',
      'create',
      '--account',
      'acme',
      '--name',
      'backend',
      '--scopes',
      'personas:read,refine',
      '--expires',
      '2099-01-01',
    ],
    env,
  );
  assert.equal(created.code, 0, created.stderr);
  const key = lastLine(created.stdout);
  const p = await principalOf(key);
  assert.deepEqual([...(p?.scopes ?? [])].sort(), ['personas:read', 'refine']);
  assert.equal(p?.expiresAt, Date.parse('2099-01-01T00:00:00.000Z'));
  assert.equal(p?.operator, false);
  const op = await runCli(['keys', 'create', '--account', 'ops', '--operator'], env);
  assert.equal((await principalOf(lastLine(op.stdout)))?.operator, true);
  const listed = await runCli(['keys', 'list'], env);
  assert.match(
    listed.stdout,
    /account=acme .*expires 2099-01-01T00:00:00.000Z {2}scopes=personas:read,refine {2}name="backend"/,
  );
  assert.match(listed.stdout, /account=ops .*all scopes {2}operator/);
  for (const bad of [
    ['--scopes', 'everything'],
    ['--scopes', 'accounts'],
    ['--expires', 'tomorrow'],
    ['--expires', '2001-01-01'],
  ]) {
    const r = await runCli(['keys', 'create', '--account', 'acme', ...bad], env);
    assert.equal(r.code, 2, `${bad.join(' ')}: ${r.stderr}`);
  }
});

test('keys rotate prints the new key last; the old one works for --grace, or stops at once with 0', async () => {
  const created = await runCli(['keys', 'create', '--account', 'rot', '--scopes', 'refine'], env);
  const old = lastLine(created.stdout);
  const id = /created key (key_[a-z0-9]+)/.exec(created.stdout)?.[1] ?? '';
  const rotated = await runCli(['keys', 'rotate', id, '--grace', '3600'], env);
  assert.equal(rotated.code, 0, rotated.stderr);
  const fresh = lastLine(rotated.stdout);
  assert.match(fresh, /^pk_/);
  assert.deepEqual([...((await principalOf(fresh))?.scopes ?? [])], ['refine']);
  const graced = await principalOf(old);
  assert.ok(
    graced?.expiresAt &&
      graced.expiresAt > Date.now() + 3500_000 &&
      graced.expiresAt <= Date.now() + 3600_000,
  );
  const newId = /created key (key_[a-z0-9]+)/.exec(rotated.stdout)?.[1] ?? '';
  const now = await runCli(['keys', 'rotate', newId, '--grace', '0'], env);
  assert.equal(now.code, 0, now.stderr);
  assert.equal(await principalOf(fresh), null);
  assert.equal((await runCli(['keys', 'rotate', newId], env)).code, 1, 'a revoked key cannot be rotated');
  assert.equal((await runCli(['keys', 'rotate', 'key_nosuch'], env)).code, 1);
  assert.equal((await runCli(['keys', 'rotate', id, '--grace', '-5'], env)).code, 2);
});
