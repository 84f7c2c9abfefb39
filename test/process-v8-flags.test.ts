import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { spawnServer } from './helpers/spawn-server.ts';

/**
 * `personakit serve` runs with V8's young generation bounded (bin/personakit.js, ADR 0012): the process
 * replaces itself once with `--max-semi-space-size=16`, keeping its pid, so signals and supervisors still
 * reach the server. An operator's own choice is left alone.
 */
const procCmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
const canReadCmdline = existsSync('/proc/self/cmdline');

describe('the server process runs with a bounded young generation', {
  skip: !canReadCmdline && 'needs /proc',
}, () => {
  test('serve re-executes itself with the flag under the same pid; SIGTERM still stops it cleanly', async () => {
    const server = await spawnServer({ DATABASE_URL: 'sqlite::memory:' });
    const pid = server.child.pid as number;
    const args = procCmdline(pid);
    assert.ok(args.includes('--max-semi-space-size=16'), `running as: ${args.join(' ')}`);
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
    assert.equal(await server.stop('SIGTERM'), 0);
  });

  test("an operator's own --max-semi-space-size wins, and PERSONAKIT_KEEP_V8_DEFAULTS=1 keeps V8's defaults", async () => {
    const own = await spawnServer({
      DATABASE_URL: 'sqlite::memory:',
      NODE_OPTIONS: '--max-semi-space-size=24',
    });
    try {
      assert.ok(!procCmdline(own.child.pid as number).includes('--max-semi-space-size=16'));
    } finally {
      await own.stop();
    }
    const kept = await spawnServer({ DATABASE_URL: 'sqlite::memory:', PERSONAKIT_KEEP_V8_DEFAULTS: '1' });
    try {
      assert.ok(!procCmdline(kept.child.pid as number).some((a) => a.startsWith('--max-semi-space-size')));
    } finally {
      await kept.stop();
    }
  });

  test("glibc's mmap threshold is fixed at 128 KiB (freed large buffers go back to the system); an operator's value is kept", async () => {
    const environ = (pid: number) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const server = await spawnServer({ DATABASE_URL: 'sqlite::memory:' });
    try {
      assert.ok(environ(server.child.pid as number).includes('MALLOC_MMAP_THRESHOLD_=131072'));
    } finally {
      await server.stop();
    }
    const own = await spawnServer({ DATABASE_URL: 'sqlite::memory:', MALLOC_MMAP_THRESHOLD_: '65536' });
    try {
      const env = environ(own.child.pid as number);
      assert.ok(env.includes('MALLOC_MMAP_THRESHOLD_=65536'));
      assert.ok(!env.includes('MALLOC_MMAP_THRESHOLD_=131072'));
      // the V8 flag is still added alongside
      assert.ok(procCmdline(own.child.pid as number).includes('--max-semi-space-size=16'));
    } finally {
      await own.stop();
    }
  });
});
