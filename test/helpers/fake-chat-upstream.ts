import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { validateChatRequest } from './fake-chat-rules.ts';

/**
 * A scriptable fake of one vendor's chat endpoint on 127.0.0.1, for the provider chat adapters. Every
 * request is first held to what the vendor itself requires (its auth header, its path, its body rules —
 * fake-chat-rules.ts) and refused in the vendor's own error shape when it falls short, so a test
 * passes only when the adapter sends what the real API accepts. Then the test's scripted answer is
 * played: a JSON body, an error, SSE frames written one per network write, or a stream left open.
 */
export type ChatProtocol = 'openai' | 'anthropic' | 'cohere' | 'google';

export type Scripted =
  | { json: unknown; status?: number; headers?: Record<string, string> }
  | { sse: string[]; hold?: boolean };

export interface ChatRecorded {
  path: string;
  headers: IncomingHttpHeaders;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies
  body: any;
  /** Resolves when this request's connection closes (an aborted upstream call closes it). */
  connectionClosed: Promise<void>;
}

export interface ChatFake {
  origin: string;
  key: string;
  requests: ChatRecorded[];
  /** Queues the answer to the next request. */
  next(answer: Scripted): void;
  close(): Promise<void>;
}

const closed = new WeakMap<Socket, Promise<void>>();
function closedOf(socket: Socket): Promise<void> {
  let p = closed.get(socket);
  if (!p) {
    p = socket.destroyed ? Promise.resolve() : new Promise<void>((r) => socket.once('close', () => r()));
    closed.set(socket, p);
  }
  return p;
}

function keyOf(protocol: ChatProtocol, h: IncomingHttpHeaders): string {
  const bearer = String(h.authorization ?? '').replace(/^Bearer /, '');
  if (protocol === 'anthropic') return String(h['x-api-key'] ?? '');
  if (protocol === 'google') return String(h['x-goog-api-key'] ?? '');
  return bearer;
}

/** Each vendor's "bad key" answer, as its API reference documents it. */
function unauthorized(protocol: ChatProtocol): { status: number; body: unknown } {
  switch (protocol) {
    case 'openai':
      return {
        status: 401,
        body: {
          error: {
            message: 'Incorrect API key provided',
            type: 'invalid_request_error',
            code: 'invalid_api_key',
          },
        },
      };
    case 'anthropic':
      return {
        status: 401,
        body: { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } },
      };
    case 'cohere':
      return { status: 401, body: { id: 'c-err', message: 'invalid api token' } };
    case 'google':
      return {
        status: 400,
        body: {
          error: {
            code: 400,
            message: 'API key not valid. Please pass a valid API key.',
            status: 'INVALID_ARGUMENT',
            details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }],
          },
        },
      };
  }
}

/** Each vendor's "invalid request" body around a message. */
export function invalidBody(protocol: ChatProtocol, message: string): unknown {
  switch (protocol) {
    case 'openai':
      return { error: { message, type: 'invalid_request_error', param: null, code: null } };
    case 'anthropic':
      return { type: 'error', error: { type: 'invalid_request_error', message } };
    case 'cohere':
      return { id: 'c-err', message };
    case 'google':
      return { error: { code: 400, message, status: 'INVALID_ARGUMENT' } };
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** `keyless` fakes a local server that takes no key: a request must then carry none at all. */
export async function startChatFake(
  protocol: ChatProtocol,
  options: { keyless?: boolean } = {},
): Promise<ChatFake> {
  const key = options.keyless ? '' : `sk-${protocol}-${crypto.randomUUID()}`;
  const requests: ChatRecorded[] = [];
  const queue: Scripted[] = [];
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
      const path = req.url ?? '';
      requests.push({ path, headers: req.headers, body, connectionClosed: closedOf(req.socket) });
      if (req.method !== 'POST') return send(res, 405, invalidBody(protocol, 'method not allowed'));
      if (keyOf(protocol, req.headers) !== key || (key === '' && req.headers.authorization !== undefined)) {
        const u = unauthorized(protocol);
        return send(res, u.status, u.body);
      }
      const problem = validateChatRequest(protocol, path, req.headers, body);
      if (problem) return send(res, problem.status ?? 400, invalidBody(protocol, problem.message));
      const answer = queue.shift();
      if (!answer) return send(res, 500, invalidBody(protocol, 'the test scripted no answer'));
      if ('json' in answer) return send(res, answer.status ?? 200, answer.json, answer.headers);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      let i = 0;
      // One write per frame, each a turn of the event loop apart: the client sees events split across reads.
      const more = () => {
        if (res.destroyed) return;
        const frame = answer.sse[i++];
        if (frame === undefined) {
          if (!answer.hold) res.end();
          return;
        }
        res.write(frame);
        setImmediate(more);
      };
      more();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    key,
    requests,
    next: (answer) => void queue.push(answer),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** SSE framing as each vendor writes it. */
export const sse = {
  /** OpenAI and compatible servers: data-only events, then `data: [DONE]`. */
  openai: (chunks: unknown[]) => [...chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`), 'data: [DONE]\n\n'],
  /** Anthropic and Cohere: named events whose data carries the same `type`. */
  named: (events: ({ type: string } & Record<string, unknown>)[]) =>
    events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`),
  /** Gemini: data-only events with CRLF line ends. */
  google: (chunks: unknown[]) => chunks.map((c) => `data: ${JSON.stringify(c)}\r\n\r\n`),
};
