import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { runCli, spawnServer } from './helpers/spawn-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'personakit-process-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function call(url: string, method: string, path: string, key: string, json?: unknown) {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(json ? { 'content-type': 'application/json' } : {}) },
    body: json ? JSON.stringify(json) : undefined,
  });
  // biome-ignore lint/suspicious/noExplicitAny: test reads arbitrary JSON
  const body: any = await res.json().catch(() => undefined);
  return { status: res.status, body };
}

describe('the real server process', () => {
  test('first start prints a key once; a persona survives SIGTERM and restart', async () => {
    const env = { DATABASE_URL: `sqlite:${join(dir, 'restart', 'personakit.db')}` };
    const first = await spawnServer(env);
    const key = /pk_[A-Za-z0-9_-]{32}/.exec(first.stderr())?.[0];
    assert.ok(key, `no key printed:\n${first.stderr()}`);
    const created = await call(first.url, 'POST', '/v1/personas', key, {
      name: 'Durable',
      attributes: { tone: 'calm' },
    });
    assert.equal(created.status, 200);
    assert.equal(await first.stop('SIGTERM'), 0);
    // Every log line is JSON and those inside a request carry its id.
    const lines = first
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.ok(lines.some((l) => l.msg === 'request' && typeof l.reqId === 'string'));
    assert.ok(lines.some((l) => l.msg === 'stopped'));

    const second = await spawnServer(env);
    try {
      assert.doesNotMatch(second.stderr(), /pk_/, 'the bootstrap key must be printed once only');
      const read = await call(second.url, 'GET', `/v1/personas/${created.body.id}`, key);
      assert.equal(read.status, 200);
      assert.equal(read.body.name, 'Durable');
      assert.deepEqual(read.body.attributes, { tone: 'calm' });
    } finally {
      await second.stop();
    }
  });

  test('SIGTERM lets an in-flight request finish', async () => {
    const env = { DATABASE_URL: `sqlite:${join(dir, 'drain', 'personakit.db')}` };
    const server = await spawnServer(env);
    const key = /pk_[A-Za-z0-9_-]{32}/.exec(server.stderr())?.[0] ?? '';
    // Start a large upload slowly: the request is in flight when SIGTERM arrives.
    const { request } = await import('undici');
    const body = Readable.from(
      (async function* () {
        yield '{"name":"Late",';
        await new Promise((r) => setTimeout(r, 300));
        yield '"attributes":{}}';
      })(),
    );
    const pending = request(`${server.url}/v1/personas`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body,
    });
    await new Promise((r) => setTimeout(r, 100));
    const stopped = server.stop('SIGTERM');
    const res = await pending;
    assert.equal(res.statusCode, 200);
    assert.equal(((await res.body.json()) as { name: string }).name, 'Late');
    assert.equal(await stopped, 0);
  });

  test('a bad environment value stops the process with one line naming the variable', async () => {
    const cases: [string, string][] = [
      ['PORT', 'eighty'],
      ['LOG_LEVEL', 'loud'],
      ['DATABASE_URL', 'mysql://x'],
    ];
    for (const [name, value] of cases) {
      const r = await runCli(['serve'], { [name]: value });
      assert.equal(r.code, 78, r.stderr);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0] ?? '', new RegExp(`^personakit: invalid ${name}`));
    }
  });

  test('keys create / list / revoke', async () => {
    const env = { DATABASE_URL: `sqlite:${join(dir, 'keys', 'personakit.db')}` };
    const created = await runCli(['keys', 'create', '--account', 'acme'], env);
    assert.equal(created.code, 0, created.stderr);
    const key = created.stdout.trim().split('\n').at(-1) ?? '';
    assert.match(key, /^pk_[A-Za-z0-9_-]{32}$/);
    const id = /created key (key_[a-z0-9]+)/.exec(created.stdout)?.[1] ?? '';
    assert.ok(id);

    const listed = await runCli(['keys', 'list'], env);
    assert.equal(listed.code, 0);
    assert.match(listed.stdout, new RegExp(`${id} .*account=acme .*active`));
    assert.ok(!listed.stdout.includes(key), 'keys list must never show a key');

    const server = await spawnServer({ ...env, PERSONAKIT_BOOTSTRAP_KEY: 'off' });
    try {
      assert.equal((await call(server.url, 'GET', '/v1/personas', key)).status, 200);
      const revoked = await runCli(['keys', 'revoke', id], env);
      assert.equal(revoked.code, 0, revoked.stderr);
      // Revoked from another process: the running server's cache must see it on the very next request.
      assert.equal((await call(server.url, 'GET', '/v1/personas', key)).status, 401);
    } finally {
      await server.stop();
    }
    const missing = await runCli(['keys', 'revoke', 'key_nope'], env);
    assert.equal(missing.code, 1);
    const usage = await runCli(['keys', 'create'], env);
    assert.equal(usage.code, 2);
  });

  test('migrate applies once, then reports up to date', async () => {
    const env = { DATABASE_URL: `sqlite:${join(dir, 'migrate', 'personakit.db')}` };
    const first = await runCli(['migrate'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /applied: 0001_/);
    const again = await runCli(['migrate'], env);
    assert.match(again.stdout, /up to date/);
  });
});
