import type { ServerResponse } from 'node:http';

/**
 * Writes a stream's frames to a node:http response with backpressure (ADR 0014). Node's write() returning
 * false means the socket's buffer is full (the client is not reading): the returned promise settles on
 * 'drain' (or when the response closes), and the producer (the upstream read) waits for it, so memory stays
 * at the socket's buffer instead of growing with the answer (a non-reading client took RSS from 89 to
 * 1,145 MiB). A client that lets its buffer stay full for `stallMs` is cut: its response is destroyed,
 * which aborts the upstream call through the request's client signal.
 */
export function responseSink(
  res: ServerResponse,
  stallMs: number,
  onStall: () => void,
): (frame: string) => Promise<void> | undefined {
  let waiting: Promise<void> | undefined;
  return (frame) => {
    if (res.destroyed) return undefined;
    if (res.write(frame)) return undefined;
    waiting ??= new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        res.off('drain', done);
        res.off('close', done);
        waiting = undefined;
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        onStall();
        res.destroy();
      }, stallMs);
      res.on('drain', done);
      res.on('close', done);
    });
    return waiting;
  };
}

/**
 * Ends a streamed response; the last frame may still sit in the socket's buffer. A client that never
 * reads it would keep the socket and that buffer: past `stallMs` it is destroyed.
 */
export function endWithin(res: ServerResponse, last: string | Buffer | undefined, stallMs: number): void {
  if (res.destroyed) return;
  res.end(last);
  if (res.writableFinished) return;
  const timer = setTimeout(() => res.destroy(), stallMs);
  timer.unref();
  res.once('close', () => clearTimeout(timer));
}
