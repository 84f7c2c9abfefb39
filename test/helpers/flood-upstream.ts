import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An OpenAI-compatible upstream that streams as fast as its socket takes it, for the bounds on streams
 * (ADR 0014). It honours its own socket's backpressure, so the test process stays small and `sent`
 * shows how far the server under test let it get. The requested model picks the shape:
 *   flood:<MiB>   1 KiB deltas until <MiB> MiB were sent, then a normal end
 *   line:<MiB>    one `data:` line of <MiB> MiB that never ends
 */
export interface FloodRun {
  /** Body bytes handed to the socket so far. */
  sent: number;
  /** The whole planned body was written (the server under test read it all). */
  finished: boolean;
  /** Resolves when the connection closes (the server aborted the call, or the stream ended). */
  closed: Promise<void>;
}

export interface FloodUpstream {
  /** The base URL to give as `baseUrl` (openai-compatible). */
  baseUrl: string;
  runs: FloodRun[];
  close(): Promise<void>;
}

const MiB = 1024 * 1024;
const deltaText = 'x'.repeat(1024);
const deltaFrame = `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: deltaText } }] })}\n\n`;
const endFrames = `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`;

export async function startFloodUpstream(): Promise<FloodUpstream> {
  const runs: FloodRun[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const model = String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { model?: unknown }).model);
      const [kind, size] = model.split(':');
      const total = Number(size ?? 1) * MiB;
      const run: FloodRun = {
        sent: 0,
        finished: false,
        closed: new Promise((resolve) => res.socket?.once('close', () => resolve())),
      };
      runs.push(run);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const piece = kind === 'line' ? 'y'.repeat(64 * 1024) : deltaFrame;
      if (kind === 'line') res.write('data: ');
      const pump = () => {
        while (!res.destroyed) {
          if (run.sent >= total) {
            if (kind !== 'line') res.end(endFrames);
            run.finished = true;
            return;
          }
          run.sent += piece.length;
          if (!res.write(piece)) return void res.once('drain', pump);
        }
      };
      pump();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    runs,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
