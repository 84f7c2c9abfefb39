import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';

/**
 * The attacking clients of the adversarial-size suite: a bounded request that never throws (a timeout or
 * a reset is status 0), a slow-body sender and a client that never reads its stream, both on raw sockets.
 */

export interface Answer {
  /** HTTP status, or 0 when no answer came within the bound (or the connection died). */
  status: number;
  ms: number;
  /** Response bytes read. */
  bytes: number;
  /** The first 2 KiB of the body (an error message). */
  head: string;
  /** The last 64 KiB of the body (a stream's final event). */
  tail: string;
  /** The whole body when it is at most 2 MiB, else ''. */
  text: string;
  error?: string;
}

const agent = new Agent({ connections: 32, keepAliveTimeout: 4000 });

export interface Send {
  method: string;
  path: string;
  key?: string;
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
  timeoutMs: number;
}

export async function send(origin: string, s: Send): Promise<Answer> {
  const began = performance.now();
  const timeoutMs = Math.max(1, Math.round(s.timeoutMs));
  const signal = AbortSignal.timeout(timeoutMs);
  const headers: Record<string, string> = { ...(s.headers ?? {}) };
  if (s.key) headers.authorization = `Bearer ${s.key}`;
  let body = s.body;
  if (s.json !== undefined) {
    body = JSON.stringify(s.json);
    headers['content-type'] ??= 'application/json';
  }
  let bytes = 0;
  let head = '';
  let tail = '';
  let chunks: Buffer[] | undefined = [];
  try {
    const res = await request(new URL(s.path, origin), {
      method: s.method as 'GET',
      headers,
      body,
      signal,
      dispatcher: agent,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    for await (const c of res.body as AsyncIterable<Buffer>) {
      bytes += c.length;
      if (head.length < 2048) head += c.toString('utf8', 0, Math.min(c.length, 2048));
      tail = (tail + c.toString('utf8')).slice(-64 * 1024);
      chunks = chunks && bytes <= 2 * 2 ** 20 ? [...chunks, c] : undefined;
    }
    const text = chunks ? Buffer.concat(chunks).toString('utf8') : '';
    return { status: res.statusCode, ms: performance.now() - began, bytes, head, tail, text };
  } catch (err) {
    const ms = performance.now() - began;
    return { status: 0, ms, bytes, head, tail, text: '', error: (err as Error).message };
  }
}

/** A field of a JSON answer (an id), or `fallback` when the answer is not JSON or lacks it. */
export function fieldOf(a: Answer, field: string, fallback = 'pmissing'): string {
  try {
    const v = (JSON.parse(a.text) as Record<string, unknown>)[field];
    return typeof v === 'string' ? v : fallback;
  } catch {
    return fallback;
  }
}

/** The last SSE event of a stream's tail: `done`, `error` or something else. */
export function lastEvent(tail: string): { event: string; data: string } | undefined {
  const blocks = tail.split('\n\n').filter((b) => b.startsWith('event:') || b.includes('\nevent:'));
  const last = blocks.at(-1);
  if (!last) return undefined;
  const lines = last.split('\n');
  const event =
    lines
      .find((l) => l.startsWith('event:'))
      ?.slice(6)
      .trim() ?? '';
  const data =
    lines
      .find((l) => l.startsWith('data:'))
      ?.slice(5)
      .trim() ?? '';
  return { event, data };
}

export interface SlowBodyResult {
  /** Status line the server sent, or 0 if none. */
  status: number;
  /** When the server closed the connection, or undefined if it was still open at the bound. */
  closedAfterMs?: number;
  bytesSent: number;
}

/**
 * A request whose body (Content-Length: 1000) arrives one byte every `everyMs`; stops at `boundMs`.
 * Resolves with what the server did: its status line if any, and when it closed the connection.
 */
export function slowBody(
  origin: string,
  opts: { key?: string; everyMs: number; boundMs: number; path?: string },
): Promise<SlowBodyResult> {
  const url = new URL(origin);
  return new Promise((resolve) => {
    const began = performance.now();
    const socket = connect(Number(url.port), url.hostname);
    let status = 0;
    let bytesSent = 0;
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearInterval(drip);
      clearTimeout(bound);
      socket.destroy();
      resolve({ status, closedAfterMs: closed ? performance.now() - began : undefined, bytesSent });
    };
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(d);
      if (m?.[1] && status === 0) status = Number(m[1]);
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', () => {
      socket.write(
        `POST ${opts.path ?? '/v1/personas'} HTTP/1.1\r\nHost: ${url.host}\r\n` +
          `${opts.key ? `Authorization: Bearer ${opts.key}\r\n` : ''}` +
          'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
      );
      bytesSent = 1;
    });
    const drip = setInterval(() => {
      if (socket.writable) {
        socket.write(' ');
        bytesSent++;
      }
    }, opts.everyMs);
    const bound = setTimeout(() => finish(false), opts.boundMs);
  });
}

export interface StalledReader {
  /** Status line the server sent, or 0. */
  status(): number;
  /** Whether the server closed the connection. */
  closedByServer(): boolean;
  destroy(): void;
}

/**
 * Sends a streamed request and never reads the answer: the socket is paused, so the kernel's buffers
 * fill and personakit's writes return false. Only the status line is looked at (from the first chunk,
 * read before pausing).
 */
export async function stalledReader(origin: string, key: string, json: unknown): Promise<StalledReader> {
  const url = new URL(origin);
  const body = JSON.stringify(json);
  const socket = connect(Number(url.port), url.hostname);
  let status = 0;
  let closed = false;
  let destroyedByUs = false;
  socket.once('data', (d: Buffer) => {
    const m = /^HTTP\/1\.1 (\d{3})/.exec(d.toString('latin1', 0, 64));
    status = m?.[1] ? Number(m[1]) : -1;
    socket.pause();
  });
  socket.on('close', () => {
    closed = !destroyedByUs;
  });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(
    `POST /v1/refine HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${key}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  // Give the status line a moment to arrive; the stream then piles up unread.
  for (let i = 0; i < 50 && status === 0; i++) await sleep(20);
  return {
    status: () => status,
    closedByServer: () => closed,
    destroy: () => {
      destroyedByUs = !closed;
      socket.destroy();
    },
  };
}
