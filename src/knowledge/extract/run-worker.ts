import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { ownsWholeBuffer } from '../../core/free-now.ts';
import type { ParseRequest } from './parse.ts';
import { type ExtractedDocument, KnowledgeError, type KnowledgeErrorCode } from './types.ts';

/**
 * Where the worker's entry is: beside this module when running the TypeScript sources; in the bundle, esbuild
 * writes it as dist/extract-worker.mjs while this code lands in dist/personakit.mjs or in dist/chunks/, so
 * both the module's own folder and its parent are looked at.
 */
export function workerUrl(moduleUrl: string = import.meta.url): URL {
  if (moduleUrl.endsWith('.ts')) return new URL('./worker.ts', moduleUrl);
  for (const candidate of ['./extract-worker.mjs', '../extract-worker.mjs']) {
    const url = new URL(candidate, moduleUrl);
    if (existsSync(url)) return url;
  }
  throw new KnowledgeError(
    'internal_error',
    'The extract worker (extract-worker.mjs) is missing beside the bundle: rebuild it.',
  );
}

export interface WorkerBounds {
  timeoutMs: number;
  maxMemoryMb: number;
  signal?: AbortSignal;
}

type Reply = { ok: true; doc: ExtractedDocument } | { ok: false; code: KnowledgeErrorCode; message: string };

/**
 * The bytes are moved, not copied, when the view owns its whole buffer (a 50 MB upload is then held once);
 * otherwise the part that is the file is copied once and that copy moved.
 */
function movable(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const { buffer } = bytes;
  if (buffer instanceof ArrayBuffer && buffer.detached) {
    throw new KnowledgeError(
      'internal_error',
      'These bytes were already moved into an extraction (the buffer is detached).',
    );
  }
  // new Uint8Array(view) copies; Buffer#slice would only make another view on the same pool.
  return ownsWholeBuffer(bytes) ? bytes : new Uint8Array(bytes);
}

/**
 * Parses in a worker thread: the main thread's event loop stays free, the worker's heap is capped
 * (resourceLimits), and a parse that runs past timeoutMs is terminated, whatever it is doing.
 */
export function runParseWorker(
  request: ParseRequest,
  bounds: WorkerBounds,
  url: URL = workerUrl(),
): Promise<ExtractedDocument> {
  if (bounds.signal?.aborted) return Promise.reject(bounds.signal.reason);
  const bytes = movable(request.bytes);
  return new Promise((resolve, reject) => {
    const worker = new Worker(url, {
      workerData: { ...request, bytes },
      transferList: [bytes.buffer],
      // A small young generation: parsers make short-lived garbage at a high rate, and V8's default
      // (48 MB of semi-spaces) let a 50 MB PDF's parse hold ~30 MB more of it than with 16 MB, for no
      // measurable speed (bench/knowledge-ingest.ts, peak RSS).
      resourceLimits: { maxOldGenerationSizeMb: bounds.maxMemoryMb, maxYoungGenerationSizeMb: 16 },
      stdout: false,
      stderr: false,
    });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      bounds.signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      fn();
    };
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(
            new KnowledgeError(
              'processing_timeout',
              `Extracting the text took longer than ${Math.round(bounds.timeoutMs / 1000)} s and was stopped.`,
            ),
          ),
        ),
      bounds.timeoutMs,
    );
    const onAbort = () => finish(() => reject(bounds.signal?.reason));
    bounds.signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (reply: Reply) =>
      finish(() => (reply.ok ? resolve(reply.doc) : reject(new KnowledgeError(reply.code, reply.message)))),
    );
    worker.once('error', (err: Error & { code?: string }) =>
      finish(() =>
        reject(
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new KnowledgeError(
                'file_size_too_large',
                `Extracting the text needs more than the ${bounds.maxMemoryMb} MB of memory a document may use.`,
              )
            : new KnowledgeError('internal_error', `The extractor failed: ${err.message}`),
        ),
      ),
    );
    worker.once('exit', (code) =>
      finish(() =>
        reject(
          new KnowledgeError('internal_error', `The extractor stopped unexpectedly (exit code ${code}).`),
        ),
      ),
    );
  });
}
