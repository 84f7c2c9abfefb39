import { parentPort, workerData } from 'node:worker_threads';
import { type ParseRequest, parseBytes } from './parse.ts';
import { KnowledgeError } from './types.ts';

/**
 * The extract worker's entry (src/knowledge/extract/worker.ts from the sources, dist/extract-worker.mjs from
 * the bundle). It parses one file and answers once; the main thread bounds its memory and time and
 * terminates it. Errors cross back as code + message (a class does not survive structured clone).
 */
const request = workerData as ParseRequest;
try {
  const doc = await parseBytes(request);
  parentPort?.postMessage({ ok: true, doc });
} catch (err) {
  if (err instanceof KnowledgeError)
    parentPort?.postMessage({ ok: false, code: err.code, message: err.message });
  else {
    const detail = err instanceof Error ? err.message : String(err);
    parentPort?.postMessage({
      ok: false,
      code: 'file_format_unsupported',
      message: `The file could not be read as ${request.format.toUpperCase()}: it is damaged or not what its name says (${detail.slice(0, 200)}).`,
    });
  }
}
