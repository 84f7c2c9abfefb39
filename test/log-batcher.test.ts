import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type FlushableDestination, LogBatcher } from '../src/log-batcher.ts';

/** Log lines are batched in front of SonicBoom (src/log-batcher.ts): nothing reordered, nothing lost. */
function fakeDestination() {
  const writes: string[] = [];
  const calls: string[] = [];
  const out: FlushableDestination = {
    write: (s: string) => void writes.push(s),
    flush: (cb) => {
      calls.push('flush');
      cb?.();
    },
    flushSync: () => void calls.push('flushSync'),
  };
  return { out, writes, calls };
}

test('lines reach the destination in order, one write per batch, when a batch is full', () => {
  const { out, writes } = fakeDestination();
  const b = new LogBatcher(out, 100, 60_000);
  for (let i = 0; i < 10; i++) b.write(`line ${i} ${'x'.repeat(20)}\n`);
  // 10 lines of 29 characters: batches go out at 100 characters (4 lines each); 2 lines wait.
  assert.equal(writes.length, 2);
  assert.ok(writes.every((w) => w.split('\n').length - 1 === 4));
  b.flushSync();
  assert.equal(writes.length, 3);
  assert.deepEqual(
    writes
      .join('')
      .trimEnd()
      .split('\n')
      .map((l) => Number(l.split(' ')[1])),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  b.close();
});

test('a partial batch goes out on the timer, and flush drains before flushing the destination', async () => {
  const { out, writes, calls } = fakeDestination();
  const b = new LogBatcher(out, 1_000_000, 20);
  b.write('a\n');
  assert.deepEqual(writes, []);
  await sleep(80);
  assert.deepEqual(writes, ['a\n']);
  b.write('b\n');
  await new Promise<void>((resolve) => b.flush(() => resolve()));
  assert.deepEqual(writes, ['a\n', 'b\n']);
  assert.deepEqual(calls, ['flush']);
  b.close();
});

test('a process that exits, or crashes, right after logging still writes every line', () => {
  const child = fileURLToPath(new URL('./fixtures/log-at-exit.ts', import.meta.url));
  for (const how of ['exit', 'throw']) {
    const r = spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', child, how], {
      encoding: 'utf8',
    });
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { reqId?: string; msg: string });
    assert.equal(lines.length, 51, `${how}: ${lines.length} lines\n${r.stderr}`);
    assert.deepEqual(
      lines.slice(0, 50).map((l) => l.reqId),
      Array.from({ length: 50 }, (_, i) => `req-${i}`),
    );
    assert.equal(lines[50]?.msg, 'last line');
  }
});

test('a batcher nobody holds is collected, timer and all', async () => {
  const { out } = fakeDestination();
  let b: LogBatcher | undefined = new LogBatcher(out, 100, 5);
  const ref = new WeakRef(b);
  b = undefined;
  // A gc() for this test only (the runner has no --expose-gc).
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 20 && ref.deref(); i++) {
    await sleep(10);
    gc();
  }
  assert.equal(ref.deref(), undefined, 'the batcher is still reachable: its timer or exit hook holds it');
});
