import { parentPort } from 'node:worker_threads';
import { checkStyle } from './checks.ts';
import { applyLocalStyle } from './engine.ts';

/**
 * The worker side of off-thread.ts: runs the engine and the checks on a large text away from the server's
 * event loop. Bundled as dist/style-worker.mjs (scripts/build.mjs); run from sources as this file.
 */
interface Job {
  id: number;
  text: string;
  attributes: Parameters<typeof applyLocalStyle>[1];
  apply: boolean;
  check: boolean;
}

parentPort?.on('message', (job: Job) => {
  try {
    const text = job.apply ? applyLocalStyle(job.text, job.attributes) : job.text;
    const checks = job.check ? checkStyle(text, job.attributes) : [];
    parentPort?.postMessage({ id: job.id, text, checks });
  } catch (err) {
    parentPort?.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) });
  }
});
