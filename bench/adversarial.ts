import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKey } from '../src/core/api-keys.ts';
import { openDb } from '../src/storage/db.ts';
import { attacks } from '../test/helpers/adversarial-attacks.ts';
import { fieldOf, send } from '../test/helpers/adversarial-clients.ts';
import { type AttackFigures, bounds, Guard } from '../test/helpers/adversarial-guard.ts';
import { everyRuleAttributes } from '../test/helpers/adversarial-shapes.ts';
import { startAdversarialUpstream } from '../test/helpers/adversarial-upstream.ts';
import { startFakeSunoUpstream } from '../test/helpers/fake-suno-upstream.ts';
import { recordFigures } from '../test/helpers/reliability.ts';

/**
 * The long variant of the adversarial-size suite (issue 11): the same catalogue as
 * test/reliability-adversarial.test.ts, against the built server on a SQLite file, repeated for
 * ADVERSARIAL_SECONDS (default 300), with /healthz measured by its own process. Run with
 * `BENCH_ADVERSARIAL=1 npm run bench` (after the other sections) or `BENCH_ADVERSARIAL=only npm run bench`.
 * Prints one line per attack and round; the figures go to .tmp/reliability-figures/adversarial-bench.json.
 */
export async function adversarialBench(log: (s: string) => void): Promise<{ failed: number }> {
  const seconds = Number(process.env.ADVERSARIAL_SECONDS ?? 300);
  const dir = mkdtempSync(join(tmpdir(), 'personakit-bench-adversarial-'));
  const url = `sqlite:${join(dir, 'personakit.db')}`;
  const db = await openDb(url);
  const { key } = await createKey(db, 'adversarial');
  await db.close();
  const upstream = await startAdversarialUpstream();
  const suno = await startFakeSunoUpstream();
  const guard = new Guard(
    {
      DATABASE_URL: url,
      PERSONAKIT_BOOTSTRAP_KEY: 'off',
      PERSONAKIT_RATE_LIMIT: '0',
      PERSONAKIT_OPENAI_BASE_URL: `${upstream.origin}/v1`,
      PERSONAKIT_SUNO_BASE_URL: suno.url,
      PERSONAKIT_SUNO_API_KEY: 'operator-key',
      PERSONAKIT_UPSTREAM_TIMEOUT_MS: '30000',
      // As in the test: below the slow-body bound, so the configured body timeout is what is measured.
      PERSONAKIT_REQUEST_TIMEOUT_MS: '12000',
      NODE_OPTIONS: `--expose-gc --import ${fileURLToPath(new URL('../test/helpers/memory-probe.ts', import.meta.url))}`,
    },
    key,
  );
  const all: AttackFigures[] = [];
  try {
    await guard.start();
    const p = await send(guard.origin, {
      method: 'POST',
      path: '/v1/personas',
      key,
      json: { name: 'Every rule', attributes: everyRuleAttributes() },
      timeoutMs: 30_000,
    });
    if (p.status !== 200) throw new Error(`setup: ${p.status} ${p.head}`);
    const target = { key, everyRule: fieldOf(p, 'id'), upstreamBytes: () => upstream.bytesWritten() };
    const deadline = performance.now() + seconds * 1000;
    for (let round = 1; round === 1 || performance.now() < deadline; round++) {
      for (const attack of attacks) {
        if (round > 1 && performance.now() >= deadline) break;
        const f = await guard.run(attack, 'sqlite', target);
        all.push({ ...f, attack: `${f.attack} (round ${round})` });
        log(
          `adversarial r${round} ${f.problems.length ? 'FAIL' : 'ok  '} ${f.attack}: ${f.durationMs} ms, ` +
            `healthz p99 ${f.healthz.p99} ms, RSS +${f.rssMB.peakGrowth} MiB${f.problems.length ? `: ${f.problems.join('; ')}` : ''}`,
        );
      }
    }
  } finally {
    await guard.stop();
    await upstream.close();
    await suno.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const failed = all.filter((f) => f.problems.length > 0).length;
  recordFigures('adversarial-bench', { bounds, seconds, attacks: all });
  const worst = Math.max(...all.map((f) => f.healthz.p99));
  const rss = Math.max(...all.map((f) => f.rssMB.peakGrowth));
  log(
    `adversarial: ${all.length} attacks run, ${failed} broke a bound; worst healthz p99 ${worst} ms, RSS +${rss} MiB`,
  );
  return { failed };
}
