import { Worker } from 'node:worker_threads';
import type { QuietGate } from './sqlite-quiet-gate.ts';

/**
 * Moves SQLite's WAL checkpoints off the event loop (docs/adr/0054-sqlite-checkpoints-off-the-loop.md), and
 * asks the server for a quiet moment when commits keep the WAL from starting over (docs/adr/0056).
 *
 * By default the connection that commits runs the checkpoint once the WAL holds 1,000 pages: it copies
 * them into the database file and syncs both files, inside that commit, on the event loop. With 1 MiB
 * rows (a persona's context) that was every other create and held the loop 30-600 ms. Here the server's
 * connection never checkpoints (`wal_autocheckpoint` high, as a backstop only); a worker thread with a
 * connection of its own checkpoints PASSIVE (never waits for, never blocks, readers and the writer)
 * whenever another connection committed since it last looked.
 *
 * The worker is a few lines evaluated in place, so the bundle needs no extra entry.
 */

/** How often the worker asks whether anything was committed (PRAGMA data_version, ~10 µs). */
export const CHECKPOINT_INTERVAL_MS = 50;
/**
 * The server connection's own auto-checkpoint, a backstop only (128 MiB of WAL at 4 KiB pages). The WAL
 * starts over from its beginning at the first commit after a checkpoint that copied all of it; under a
 * steady stream of 1 MiB writes that took up to ~58 MiB of WAL (measured: 14,500 pages).
 */
export const BACKSTOP_PAGES = 32_768;
/**
 * WAL size (16 MiB at 4 KiB pages) past which a checkpoint that could not copy all of it asks the server
 * for a quiet moment (storage/sqlite-quiet-gate.ts): small writes never get there, a burst of 1 MiB rows
 * does every ~8 creates.
 */
export const QUIET_PAGES = 4_096;

const source = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(workerData.file);
// Only its start waits on locks (a migration); PASSIVE checkpoints never call the busy handler.
db.exec('PRAGMA busy_timeout = 5000');
db.exec('PRAGMA synchronous = NORMAL');
const dataVersion = db.prepare('PRAGMA data_version');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
let seen = dataVersion.get().data_version;
// True from asking the server for a quiet moment until it was given (or refused): no tick meanwhile.
let asking = false;
// The WAL's length after the last quiet checkpoint: still that long means no commit has started it over
// yet, and asking again would only hold the server's queries for nothing.
let quietAt;
const run = () => {
  try {
    return checkpoint.get();
  } catch {
    // Busy (another checkpoint runs): the next tick tries again.
    return undefined;
  }
};
const tick = () => {
  if (asking) return;
  const now = dataVersion.get().data_version;
  if (now === seen) return;
  seen = now;
  const r = run();
  // Even when it copied all it saw, commits appended meanwhile: under a steady stream of them no commit
  // finds the WAL wholly copied, so none starts it over. A checkpoint while the server writes nothing does.
  if (r && workerData.quietPages > 0 && r.log >= workerData.quietPages && r.log !== quietAt) {
    asking = true;
    parentPort.postMessage('quiet?');
  }
};
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'now') {
    seen = undefined;
    tick();
    parentPort.postMessage('done');
    return;
  }
  if (m === 'quiet' || m === 'refused') {
    // The server's connection runs nothing now: this copies the whole WAL, its next commit starts it over.
    if (m === 'quiet') quietAt = run()?.log;
    asking = false;
    if (m === 'quiet') parentPort.postMessage('resume');
    return;
  }
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  /** Runs a checkpoint now (tests); resolves when it is done. */
  now(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the checkpoint worker for a SQLite file in WAL mode. `fallback` is called if the worker fails to
 * start or dies: the caller gives the checkpoints back to its own connection then.
 */
export function startCheckpointer(file: string, fallback: () => void, gate?: QuietGate): Checkpointer {
  const worker = new Worker(source, {
    eval: true,
    workerData: { file, intervalMs: CHECKPOINT_INTERVAL_MS, quietPages: gate ? QUIET_PAGES : 0 },
    // Its heap holds a few statements: keep the thread's memory small.
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
  });
  worker.unref();
  let closing = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('error', () => {});
  if (gate) worker.on('message', (m) => void (m === 'quiet?' && giveQuiet(worker, gate)));
  void exited.then(() => {
    if (!closing) fallback();
  });
  return {
    async now() {
      const done = new Promise<void>((resolve) => {
        const onMessage = (m: unknown) => {
          if (m !== 'done') return;
          worker.off('message', onMessage);
          resolve();
        };
        worker.on('message', onMessage);
      });
      worker.postMessage('now');
      await done;
    },
    async close() {
      if (closing) return exited;
      closing = true;
      worker.postMessage('close');
      // A worker that does not finish (a checkpoint stuck on I/O) must not hold the shutdown.
      const timer = setTimeout(() => void worker.terminate(), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** How long the server's queries may wait for one quiet checkpoint before the gate opens regardless. */
const QUIET_MAX_MS = 2_000;

async function giveQuiet(worker: Worker, gate: QuietGate): Promise<void> {
  const release = await gate.hold();
  if (!release) {
    worker.postMessage('refused');
    return;
  }
  try {
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('exit', done);
        resolve();
      };
      const onMessage = (m: unknown) => {
        if (m === 'resume') done();
      };
      // A worker stuck on I/O or gone must not hold the server's queries.
      const timer = setTimeout(done, QUIET_MAX_MS);
      worker.on('message', onMessage);
      worker.once('exit', done);
      worker.postMessage('quiet');
    });
  } finally {
    await release();
  }
}
