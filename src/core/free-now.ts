import { isMarkedAsUntransferable } from 'node:worker_threads';

/**
 * Gives a buffer's memory back at once instead of at V8's next collection: `ArrayBuffer#transfer(0)`
 * detaches the buffer, which frees its backing store there and then. For large short-lived buffers on
 * a thread that may not collect for a while: the main thread, mostly idle while a worker parses, kept a
 * 50 MB upload's row buffers (and its RSS) through the whole parse (bench/knowledge-ingest.ts, peak RSS).
 *
 * Only a view that owns its whole ArrayBuffer is freed: a pooled Buffer (Buffer.from of a few KiB)
 * shares its slab with other Buffers, and Node marks the pool untransferable. Anything else is left to
 * the collector. The view must not be used afterwards (it reads as empty).
 */
export function freeNow(view: Uint8Array): void {
  const { buffer } = view;
  if (
    buffer instanceof ArrayBuffer &&
    !buffer.detached &&
    view.byteOffset === 0 &&
    view.byteLength === buffer.byteLength &&
    !isMarkedAsUntransferable(buffer)
  ) {
    buffer.transfer(0);
  }
}
