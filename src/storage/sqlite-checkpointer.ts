import { Worker } from 'node:worker_threads';

/**
 * Moves SQLite's WAL checkpoints off the event loop (docs/adr/0054-sqlite-checkpoints-off-the-loop.md).
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
export const CHECKPOINT_INTERVAL_MS = 200;
/**
 * The server connection's own auto-checkpoint, a backstop only (128 MiB of WAL at 4 KiB pages). The WAL
 * starts over from its beginning at the first commit after a checkpoint that copied all of it; under a
 * steady stream of 1 MiB writes that took up to ~58 MiB of WAL (measured: 14,500 pages).
 */
export const BACKSTOP_PAGES = 32_768;

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
const tick = () => {
  const now = dataVersion.get().data_version;
  if (now === seen) return;
  seen = now;
  try {
    checkpoint.get();
  } catch {
    // Busy (another checkpoint runs): the next tick tries again.
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
export function startCheckpointer(file: string, fallback: () => void): Checkpointer {
  const worker = new Worker(source, {
    eval: true,
    workerData: { file, intervalMs: CHECKPOINT_INTERVAL_MS },
    // Its heap holds a few statements: keep the thread's memory small.
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
  });
  worker.unref();
  let closing = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('error', () => {});
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
