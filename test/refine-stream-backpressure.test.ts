import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFloodUpstream } from './helpers/flood-upstream.ts';
import { spawnServer } from './helpers/spawn-server.ts';

/**
 * A client that does not read its refine stream, against an upstream streaming as fast as it can, with the
 * real server in a child process (its memory is measured on its own): the upstream is held back by the
 * client's pace (backpressure), the client is cut after the stall timeout, and the upstream is aborted.
 */
const dir = mkdtempSync(join(tmpdir(), 'personakit-backpressure-'));
const flood = await startFloodUpstream();
after(async () => {
  await flood.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Resident memory of a process, in MiB (Linux /proc). */
function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? Number.NaN) / 1024;
}

describe('refine stream with a client that does not read', { skip: process.platform !== 'linux' }, () => {
  test('the upstream is held back, memory stays bounded, the client is cut after the stall timeout', async (t) => {
    const stallMs = 1500;
    const server = await spawnServer({
      DATABASE_URL: `sqlite:${join(dir, 'personakit.db')}`,
      PERSONAKIT_ALLOWED_HOSTS: '127.0.0.1',
      PERSONAKIT_STREAM_STALL_TIMEOUT_MS: String(stallMs),
    });
    try {
      const pid = server.child.pid ?? 0;
      const key = /pk_[A-Za-z0-9_-]{32}/.exec(server.stderr())?.[0] ?? '';
      const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
      const persona = (await (
        await fetch(`${server.url}/v1/personas`, { method: 'POST', headers: auth, body: '{"name":"Flood"}' })
      ).json()) as { id: string };
      // Warm up the refine path (a small stream, read), so the baseline includes its code and pools.
      const warm = await fetch(`${server.url}/v1/refine`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({
          provider: 'openai-compatible',
          baseUrl: flood.baseUrl,
          providerApiKey: 'k',
          model: 'flood:1',
          personaId: persona.id,
          content: 'hi',
          stream: true,
        }),
      });
      assert.match(await warm.text(), /event: done/);

      // The native fast path, then Hono (an Idempotency-Key sends the request there).
      for (const [path, extraHeader] of [
        ['native', ''],
        ['hono', 'Idempotency-Key: flood-1\r\n'],
      ]) {
        const before = rssMiB(pid);

        // 64 MiB offered as fast as the server takes it; the client sends its request and never reads.
        const body = JSON.stringify({
          provider: 'openai-compatible',
          baseUrl: flood.baseUrl,
          providerApiKey: 'k',
          model: 'flood:64',
          personaId: persona.id,
          content: 'hi',
          stream: true,
        });
        const { port } = new URL(server.url);
        const socket = connect(Number(port), '127.0.0.1');
        socket.pause();
        socket.write(
          `POST /v1/refine HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\n${extraHeader}` +
            `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
        const started = Date.now();
        const index = flood.runs.length;
        while (flood.runs.length <= index) await sleep(10);
        const run = flood.runs[index];
        assert.ok(run);
        let peak = before;
        let cut = false;
        void run.closed.then(() => {
          cut = true;
        });
        while (!cut && Date.now() - started < 30_000) {
          peak = Math.max(peak, rssMiB(pid));
          await sleep(50);
        }
        const elapsed = Date.now() - started;
        socket.destroy();
        t.diagnostic(
          `${path}: upstream sent ${(run.sent / 1048576).toFixed(1)} MiB; RSS ${before.toFixed(0)} → ${peak.toFixed(0)} MiB; cut after ${elapsed} ms`,
        );

        assert.ok(cut, 'the upstream connection was not closed within 30 s');
        assert.equal(run.finished, false, 'the server read the whole 64 MiB for a client that reads nothing');
        // Held back: the server read little more than the socket buffers between it and the client hold.
        assert.ok(run.sent < 40 * 1024 * 1024, `upstream sent ${(run.sent / 1048576).toFixed(1)} MiB`);
        assert.ok(elapsed >= stallMs, `cut after ${elapsed} ms, before the stall timeout`);
        assert.ok(
          peak - before < 48,
          `RSS grew ${(peak - before).toFixed(0)} MiB (${before.toFixed(0)} → ${peak.toFixed(0)})`,
        );
        // Log lines are written in batches: wait for this one a little.
        const stalls = () => server.stdout().split('refine stream client stopped reading').length - 1;
        for (let i = 0; i < 100 && stalls() <= index - 1; i++) await sleep(20);
        assert.equal(stalls(), index, `${path}: the stall was not logged`);
        // The server still answers.
        assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      }
    } finally {
      await server.stop();
    }
  });
});
