import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createKey } from '../src/core/api-keys.ts';
import { openDb } from '../src/storage/db.ts';
import { attacks } from './helpers/adversarial-attacks.ts';
import { fieldOf, send } from './helpers/adversarial-clients.ts';
import { type AttackFigures, bounds, Guard, type Target } from './helpers/adversarial-guard.ts';
import { everyRuleAttributes } from './helpers/adversarial-shapes.ts';
import { type AdversarialUpstream, startAdversarialUpstream } from './helpers/adversarial-upstream.ts';
import { backends } from './helpers/backends.ts';
import { startFakeSunoUpstream } from './helpers/fake-suno-upstream.ts';
import { recordFigures } from './helpers/reliability.ts';

/**
 * Issue 11, "A standing guard": the worst shapes at the size limits, route by route, against a live
 * server process, while a separate process measures /healthz (open loop, every 10 ms) and the server's
 * RSS. Each attack is its own subtest and must leave: /healthz p99 under 100 ms, RSS within +300 MiB of
 * the server's RSS after start-up, every answer a 4xx or a bounded 2xx (502/504 only for a hostile
 * upstream), no request unanswered, and the server serving afterwards. The bounds and the figures of the
 * last run: docs/security-and-reliability.md and docs/reliability-figures.md.
 *
 * Attacks on the text engine, the stream relay and connections run on SQLite only (no storage work);
 * those that store run on both backends. ADVERSARIAL_SECONDS=N repeats the whole catalogue for N seconds
 * more (the long variant; `BENCH_ADVERSARIAL=1 npm run bench` runs it too); ADVERSARIAL_ONLY filters them.
 */

const LONG_SECONDS = Number(process.env.ADVERSARIAL_SECONDS ?? 0);
/** ADVERSARIAL_ONLY=a|b runs only the attacks whose names contain one of the substrings (while working on them). */
const ONLY = (process.env.ADVERSARIAL_ONLY ?? '').split('|').filter((s) => s !== '');

/**
 * Attacks that still break a bound on main (figures in docs/reliability-figures.md), each with what holds
 * the event loop. They run every time and show as `todo` in the summary until fixed; ADVERSARIAL_STRICT=1
 * makes them failures.
 */
const KNOWN_OPEN: Record<string, string> =
  process.env.ADVERSARIAL_STRICT === '1'
    ? {}
    : {
        'refine openai JSON: 7,500,000 newlines answered (15 MB), checked against every rule':
          'parsed, styled and encoded in the worker now (ADR 0026), but the 15 MB text is still copied on ' +
          'the event loop into the style worker and out of the parse (tens of ms each under load), and its ' +
          'garbage collected there: p99 ~150 ms against a control of ~25 ms under a load average of ~12',
        'refine openai JSON enforce: 15,000,000 chars of ". " answered, repaired and checked':
          'as above, plus the repaired 15 MB text copied back from the worker: p99 ~145 ms against a ' +
          'control of ~40 ms under a load average of ~12 (passed in 2 of 5 strict runs)',
        'refine openai stream enforce: 7,000,000 newlines in 64 Ki deltas':
          'the same copies at the end of the stream: the whole 7 MB answer is sent to the style worker for ' +
          'the final checks and its done event encoded there; passed in every run on a quiet machine, but ' +
          'one stall of ~115 ms (control 6 ms) in a clean-clone CI rehearsal on a slow VM. Moving long texts ' +
          'as bytes instead of clones was tried (2026-11-30) and did not shorten the stall measurably; the ' +
          'phrase matcher is no longer rebuilt per line. Quiet machine: p99 46-88 ms (bound 100 + control)',
      };

const summary = (f: AttackFigures) =>
  `${f.durationMs} ms, statuses ${JSON.stringify(f.statuses)}, /healthz p99 ${f.healthz.p99} ms ` +
  `(max ${f.healthz.max} ms, control ${f.healthz.controlP99} ms), RSS peak +${f.rssMB.peakGrowth} MiB over ${f.rssMB.base} MiB` +
  `${f.restarted ? ', server restarted after it' : ''}`;

for (const { backend, skip } of backends) {
  describe(`adversarial sizes against a live server (${backend.name})`, { skip }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'personakit-adversarial-'));
    let drop: () => Promise<void> = async () => {};
    let upstream: AdversarialUpstream | undefined;
    let suno: Awaited<ReturnType<typeof startFakeSunoUpstream>> | undefined;
    let guard: Guard | undefined;
    let target: Omit<Target, 'origin' | 'heapAfterGc'> | undefined;
    const figures: AttackFigures[] = [];

    before(async () => {
      // A file (not :memory:) so that a server restarted after a fatal attack finds its account again.
      const fresh =
        backend.name === 'sqlite'
          ? { url: `sqlite:${join(dir, 'personakit.db')}`, drop: async () => {} }
          : await backend.fresh();
      drop = fresh.drop;
      const db = await openDb(fresh.url);
      const { key } = await createKey(db, 'adversarial');
      await db.close();
      upstream = await startAdversarialUpstream();
      suno = await startFakeSunoUpstream();
      guard = new Guard(
        {
          DATABASE_URL: fresh.url,
          PERSONAKIT_BOOTSTRAP_KEY: 'off',
          PERSONAKIT_RATE_LIMIT: '0',
          PERSONAKIT_OPENAI_BASE_URL: `${upstream.origin}/v1`,
          PERSONAKIT_SUNO_BASE_URL: suno.url,
          PERSONAKIT_SUNO_API_KEY: 'operator-key',
          PERSONAKIT_UPSTREAM_TIMEOUT_MS: '30000',
          // Below the slow-body bound (20 s): the configured body-receive timeout is what is tested.
          PERSONAKIT_REQUEST_TIMEOUT_MS: '12000',
          // Test instrumentation only: heap after a full GC on SIGUSR2 (the persona-cache attack reads it).
          NODE_OPTIONS: `--expose-gc --import ${fileURLToPath(new URL('./helpers/memory-probe.ts', import.meta.url))}`,
        },
        key,
      );
      await guard.start();
      const p = await send(guard.origin, {
        method: 'POST',
        path: '/v1/personas',
        key,
        json: { name: 'Every rule', attributes: everyRuleAttributes() },
        timeoutMs: 30_000,
      });
      assert.equal(p.status, 200, p.head);
      const bytes = upstream;
      target = { key, everyRule: fieldOf(p, 'id'), upstreamBytes: () => bytes.bytesWritten() };
    });

    after(async () => {
      recordFigures(`adversarial-${backend.name}`, { bounds, attacks: figures });
      await guard?.stop();
      await upstream?.close();
      await suno?.close();
      await drop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('baseline: /healthz while nothing attacks (2 s)', async () => {
      assert.ok(guard);
      const w = await guard.window(() => new Promise((r) => setTimeout(r, 2000)));
      figures.push({
        attack: 'baseline',
        backend: backend.name,
        durationMs: 2000,
        statuses: {},
        healthz: {
          count: w.count,
          p50: w.p50,
          p99: w.p99,
          max: w.max,
          failed: w.failed,
          controlP99: w.controlP99,
        },
        rssMB: { base: 0, start: 0, peak: 0, end: +(w.rssEnd / 2 ** 20).toFixed(1), peakGrowth: 0 },
        problems: [],
        restarted: false,
      });
      // The probe works, and an idle server is within the bound (the control's p99 is the machine's noise).
      assert.ok(w.count > 50, `the probe made only ${w.count} requests in 2 s`);
      assert.ok(
        w.p99 <= bounds.healthzP99Ms + w.controlP99,
        `idle /healthz p99 ${w.p99} ms, control ${w.controlP99} ms`,
      );
    });

    const mine = attacks.filter(
      (a) =>
        (backend.name === 'sqlite' || a.storage) &&
        (ONLY.length === 0 || ONLY.some((o) => a.name.includes(o))),
    );
    for (const attack of mine) {
      // Known open (issue 11): run and reported as todo, so a fix shows at once and nothing is hidden.
      const todo = KNOWN_OPEN[`${attack.name} [${backend.name}]`] ?? KNOWN_OPEN[attack.name];
      test(attack.name, { timeout: 240_000, ...(todo ? { todo } : {}) }, async () => {
        assert.ok(guard && target);
        const f = await guard.run(attack, backend.name, target);
        figures.push(f);
        assert.ok(
          f.problems.length === 0,
          `${attack.name} [${backend.name}] broke ${f.problems.length} bound(s):\n  - ${f.problems.join('\n  - ')}\n  (${summary(f)})`,
        );
      });
    }

    if (LONG_SECONDS > 0) {
      test(`long variant: the catalogue again and again for ${LONG_SECONDS} s`, {
        timeout: LONG_SECONDS * 1000 + 600_000,
      }, async () => {
        assert.ok(guard && target);
        const deadline = performance.now() + LONG_SECONDS * 1000;
        const problems: string[] = [];
        for (let round = 1; performance.now() < deadline; round++) {
          for (const attack of mine) {
            if (performance.now() >= deadline) break;
            const f = await guard.run(attack, backend.name, target);
            figures.push({ ...f, attack: `${f.attack} (round ${round})` });
            problems.push(...f.problems.map((p) => `round ${round}, ${attack.name}: ${p}`));
          }
        }
        assert.deepEqual(problems, []);
      });
    }
  });
}
