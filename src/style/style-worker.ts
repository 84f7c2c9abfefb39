import { parentPort } from 'node:worker_threads';
import { parseAnswerBytes } from '../providers/answer-bytes.ts';
import { WireError } from '../providers/wire.ts';
import { checkStyle } from './checks.ts';
import { applyLocalStyle } from './engine.ts';

/**
 * The worker side of off-thread.ts: the large work that would stall the server's event loop. Bundled as
 * dist/style-worker.mjs (scripts/build.mjs); run from sources as this file. Jobs by `kind`:
 * - `style` (the default): the engine and the checks on a large text;
 * - `parse-json`: a provider's large JSON answer (providers/large-answer.ts); a body that is not JSON
 *   answers `problem`, not `error` (that one means the worker failed and the caller falls back);
 * - `encode-json`: a large reply serialized to UTF-8 bytes, moved back (http/large-json.ts).
 */
interface StyleJob {
  kind?: 'style';
  id: number;
  text: string;
  attributes: Parameters<typeof applyLocalStyle>[1];
  apply: boolean;
  check: boolean;
}
interface ParseJob {
  kind: 'parse-json';
  id: number;
  slabs: Uint8Array[];
  what: string;
}
interface EncodeJob {
  kind: 'encode-json';
  id: number;
  value: unknown;
}

function run(job: StyleJob | ParseJob | EncodeJob): void {
  if (job.kind === 'parse-json') {
    let value: unknown;
    try {
      value = parseAnswerBytes(
        job.slabs.length === 1 ? (job.slabs[0] as Uint8Array) : Buffer.concat(job.slabs),
        job.what,
      );
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      parentPort?.postMessage({ id: job.id, problem: err.message });
      return;
    }
    parentPort?.postMessage({ id: job.id, value });
    return;
  }
  if (job.kind === 'encode-json') {
    const encoded = Buffer.from(JSON.stringify(job.value));
    // Moved back, not copied; a small Buffer is a view of Node's shared pool, which must not be moved.
    const own = encoded.byteLength === encoded.buffer.byteLength ? encoded : new Uint8Array(encoded);
    parentPort?.postMessage({ id: job.id, bytes: own }, [own.buffer]);
    return;
  }
  const text = job.apply ? applyLocalStyle(job.text, job.attributes) : job.text;
  const checks = job.check ? checkStyle(text, job.attributes) : [];
  // A text sent back unchanged would cost the event loop a copy of it for nothing (megabytes).
  parentPort?.postMessage(text === job.text ? { id: job.id, checks } : { id: job.id, text, checks });
}

parentPort?.on('message', (job: StyleJob | ParseJob | EncodeJob) => {
  try {
    run(job);
  } catch (err) {
    parentPort?.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) });
  }
});
