import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type Protocol, wireOf } from './fake-wire.ts';

export { answerFor, type Protocol } from './fake-wire.ts';

/**
 * One small node:http server per provider protocol, on 127.0.0.1, speaking that vendor's documented
 * wire format (request paths, JSON bodies, SSE framing, error bodies). Each records what it received.
 *
 * The behaviour is chosen by the requested model, so tests need no shared mutable state:
 *   (any model)          a normal answer: "Refined: <content>" (JSON, or SSE in 3 deltas)
 *   scenario:401         the vendor's "bad key" answer (Gemini: 400 API_KEY_INVALID)
 *   scenario:429         rate limited, retry-after: 7
 *   scenario:500         server error whose body echoes the caller's key (to prove we scrub it)
 *   scenario:400         the vendor's "invalid request" answer
 *   scenario:malformed   200 with a body (or a stream event) that is not JSON
 *   scenario:cut         the connection is destroyed halfway through the answer
 *   scenario:huge        a 200 whose JSON body (17 MiB) is larger than any answer may be
 *   scenario:error-event a stream that starts fine, then reports an error event
 *   scenario:hang        never answers
 *   scenario:drip        a stream that sends one delta, then stays open
 *   scenario:reset       the connection is destroyed before any answer
 *   scenario:slow[:ms]   a normal answer (JSON or stream) spread over 60 ms, or the given ms
 */
export interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies
  body: any;
  /** Resolves when this request's connection closes (an aborted upstream call closes it). */
  connectionClosed: Promise<void>;
}

export interface Fake {
  protocol: Protocol;
  /** http://127.0.0.1:PORT */
  origin: string;
  requests: Recorded[];
  /** The request whose body contains `marker` (each test sends unique content). */
  find(marker: string): Recorded;
  /** Closes idle keep-alive connections (leak checks count sockets with no pool noise). */
  closeIdle(): void;
  close(): Promise<void>;
}

/** One close promise per socket: keep-alive sockets carry many requests. */
const closed = new WeakMap<Socket, Promise<void>>();
function closedOf(socket: Socket): Promise<void> {
  let p = closed.get(socket);
  if (!p) {
    p = socket.destroyed
      ? Promise.resolve()
      : new Promise<void>((resolve) => socket.once('close', () => resolve()));
    closed.set(socket, p);
  }
  return p;
}

export async function startFake(protocol: Protocol): Promise<Fake> {
  const wire = wireOf(protocol);
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
      const connectionClosed = closedOf(req.socket);
      const path = req.url ?? '';
      requests.push({ method: req.method ?? '', path, headers: req.headers, body, connectionClosed });
      wire.handle(path, req.headers, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    protocol,
    origin: `http://127.0.0.1:${port}`,
    requests,
    find(marker) {
      const found = requests.findLast((r) => JSON.stringify(r.body).includes(marker));
      if (!found) throw new Error(`no ${protocol} request with ${marker}`);
      return found;
    },
    closeIdle: () => server.closeIdleConnections(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
