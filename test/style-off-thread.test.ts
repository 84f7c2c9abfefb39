import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { applyLocalStyle, checkStyle } from '../src/style/index.ts';
import { OFF_THREAD_CHARS, styleText } from '../src/style/off-thread.ts';

/**
 * Issue 11.1: a large text is styled off the event loop, so one request's answer does not stall the
 * others. Counted, not timed: while the work runs elsewhere, the event loop keeps turning.
 */

const persona = Object.freeze({
  formality: 'formal',
  emoji: 'none',
  exclamations: 'light',
  banned_phrases: ['as an AI language model'],
  max_sentences: 400,
});
const big = "Yeah, it's gonna work 🎉! As an AI language model, I see https://x.io/a and 3.5 GB.\n".repeat(
  5_000,
);

test('a large text gives what the engine gives inline, and the event loop turns meanwhile', async () => {
  assert.ok(big.length > OFF_THREAD_CHARS);
  let turns = 0;
  let spinning = true;
  const spin = () => {
    turns++;
    if (spinning) setImmediate(spin);
  };
  setImmediate(spin);
  const styled = await styleText(big, persona, { apply: true, check: true });
  spinning = false;
  const text = applyLocalStyle(big, persona);
  assert.equal(styled.text, text);
  assert.deepEqual(styled.checks, checkStyle(text, persona));
  // inline, the await would have resolved with the loop blocked: at most a turn or two
  assert.ok(turns > 20, `the event loop turned ${turns} times`);
});

test('a small text runs inline, with the same result', async () => {
  const small = 'Yeah, gonna work!';
  // Inline, the result is there within microtasks: before the next loop turn (a worker answers later).
  let turned = false;
  setImmediate(() => {
    turned = true;
  });
  const styled = await styleText(small, persona, { apply: true, check: true });
  assert.equal(turned, false, 'the small text went through the worker');
  assert.equal(styled.text, applyLocalStyle(small, persona));
});

test('the bundle finds its worker (dist/style-worker.mjs) and styles through it', () => {
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  const dir = mkdtempSync(join(tmpdir(), 'pk-worker-'));
  const probe = join(dir, 'probe.mjs');
  const worker = pathToFileURL(join(process.cwd(), 'dist', 'style-worker.mjs')).href;
  writeFileSync(
    probe,
    `import { Worker } from 'node:worker_threads';
     const w = new Worker(new URL(${JSON.stringify(worker)}));
     w.on('message', (m) => { console.log(JSON.stringify(m)); w.terminate(); });
     w.postMessage({ id: 1, text: 'Yeah, gonna work!', attributes: { formality: 'formal' }, apply: true, check: true });`,
  );
  const run = spawnSync(process.execPath, [probe], { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout.trim()).text, 'Yes, going to work!');
});
