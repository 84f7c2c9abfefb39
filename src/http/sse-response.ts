import type { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Context } from 'hono';
import { stream } from 'hono/streaming';
import type { Ctx } from '../core/context.ts';
import type { AppEnv } from './env.ts';
import { endWithin, responseSink } from './response-sink.ts';

/**
 * A streamed answer as server-sent events, for refine and chat alike. `produce` writes the frames through
 * the sink it is given (each write may return a promise: the backpressure of the client's socket) and
 * resolves with the closing frame, or null when the client left. Served by Node, the frames go straight to
 * the socket: Hono's stream() helper passes each chunk through a web ReadableStream, and the adapter waits
 * a timer tick before the first bytes of a streamed body, both measurable with 1,000 open streams.
 */
export type FrameWriter = (frame: string) => Promise<void> | undefined;
export type FrameProducer = (write: FrameWriter) => Promise<string | Buffer | null>;

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
} as const;

const noop = () => {};

/** From a Hono handler: straight to the socket when there is one, else (in-process requests) via stream(). */
export async function sendSse(c: Context<AppEnv>, label: string, produce: FrameProducer): Promise<Response> {
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (outgoing) {
    await writeSse(outgoing, c.get('requestId'), c.get('ctx'), label, produce);
    return RESPONSE_ALREADY_SENT;
  }
  for (const [k, v] of Object.entries(SSE_HEADERS)) c.header(k, v);
  return stream(c, async (out) => {
    // A web stream's write settles once the reader took the chunk: the upstream waits for it (backpressure).
    const last = await produce((frame) => out.write(frame).then(noop));
    if (last !== null && !out.aborted) await out.write(last);
  });
}

/** From the native path (http/native.ts), or sendSse: the frames on the node:http response. */
export async function writeSse(
  outgoing: ServerResponse,
  reqId: string,
  ctx: Ctx,
  label: string,
  produce: FrameProducer,
): Promise<void> {
  outgoing.writeHead(200, { ...SSE_HEADERS, 'x-request-id': reqId });
  // The upstream's first event usually came in the same read as its headers: the first frame, written
  // on the next tick, then carries our headers in the same packet (one write, one wake-up of the client
  // fewer). If it has not come by the end of this loop turn, the headers go alone.
  setImmediate(() => {
    if (!outgoing.headersSent && !outgoing.destroyed) outgoing.flushHeaders();
  });
  const stallMs = ctx.config.PERSONAKIT_STREAM_STALL_TIMEOUT_MS;
  const write = responseSink(outgoing, stallMs, () =>
    ctx.log.warn({ stallMs }, `${label} stream client stopped reading; connection closed, upstream aborted`),
  );
  const last = await produce(write);
  endWithin(outgoing, last ?? undefined, stallMs);
}
