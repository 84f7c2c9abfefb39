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
  if (ownsWholeBuffer(view) && !view.buffer.detached) view.buffer.transfer(0);
}

/**
 * Whether the view is its whole ArrayBuffer, and that buffer may be detached (moved to a worker, or
 * freed): not a slice, not a SharedArrayBuffer, not Node's untransferable Buffer pool.
 */
export function ownsWholeBuffer(view: Uint8Array): view is Uint8Array<ArrayBuffer> {
  const { buffer } = view;
  return (
    buffer instanceof ArrayBuffer &&
    view.byteOffset === 0 &&
    view.byteLength === buffer.byteLength &&
    !isMarkedAsUntransferable(buffer)
  );
}
