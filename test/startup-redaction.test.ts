import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../src/cli/index.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { redactUrlCredentials } from '../src/core/redact-url.ts';
import { createLogger } from '../src/log.ts';
import { openDb } from '../src/storage/db.ts';

test('redactUrlCredentials hides the userinfo of every URL in a text and leaves the rest', () => {
  const cases: [string, string][] = [
    ['postgres://u:s3cret@db:5432/x', 'postgres://***@db:5432/x'],
    ['redis://:s3cret@127.0.0.1:6379', 'redis://***@127.0.0.1:6379'],
    ['"mysql://root:p@ss@h/x"', '"mysql://***@h/x"'],
    ['a postgres://u:1@h and redis://t@r, done', 'a postgres://***@h and redis://***@r, done'],
    ['no url here, just a@b', 'no url here, just a@b'],
    ['https://example.com/path', 'https://example.com/path'],
    ['://', '://'],
  ];
  for (const [input, want] of cases) assert.equal(redactUrlCredentials(input), want, input);
});

test('a bad DATABASE_URL or REDIS_URL is named without its password (exit 78)', async () => {
  for (const env of [
    { DATABASE_URL: 'mysql://root:s3cret-db@h/x' },
    { DATABASE_URL: 'sqlite::memory:', REDIS_URL: 'redis//:s3cret-redis@127.0.0.1:6379' },
  ]) {
    assert.throws(
      () => loadConfig(env),
      (err: Error) =>
        err instanceof ConfigError && !err.message.includes('s3cret') && /\*\*\*/.test(err.message),
    );
    let stderr = '';
    const code = await runCli(['migrate'], {
      env,
      stdout: () => {},
      stderr: (s) => {
        stderr += s;
      },
      stdin: process.stdin,
    });
    assert.equal(code, 78);
    assert.match(stderr, /invalid (DATABASE|REDIS)_URL/);
    assert.doesNotMatch(stderr, /s3cret/);
  }
});

test('a logged error quoting a connection URL has its password removed', () => {
  const lines: string[] = [];
  const log = createLogger({ LOG_LEVEL: 'error' }, { write: (s: string) => lines.push(s) });
  log.error({ err: new Error('lost postgres://app:s3cret-log@db/x') }, 'store unreachable');
  assert.equal(lines.length, 1);
  assert.doesNotMatch(lines[0] ?? '', /s3cret/);
  assert.match(lines[0] ?? '', /postgres:\/\/\*\*\*@db\/x/);
});

test('a new SQLite store and its -wal and -shm files are created 0600', {
  skip: process.platform === 'win32',
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pk-mode-'));
  try {
    const file = join(dir, 'store.db');
    const db = await openDb(`sqlite:${file}`);
    await db.kysely
      .insertInto('accounts')
      .values({ id: 'acct_mode', name: 'mode', created_at: 'now' })
      .execute();
    for (const f of [file, `${file}-wal`, `${file}-shm`]) {
      assert.equal((statSync(f).mode & 0o777).toString(8), '600', f);
    }
    await db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
