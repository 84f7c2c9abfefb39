import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { testConfig } from '../src/config.ts';
import { createKey } from '../src/core/api-keys.ts';
import { createLogger } from '../src/log.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { createServices } from '../src/services.ts';

/**
 * Slow and numerous clients against the real listener (issue 11 item 6): a client trickling its body or
 * headers, or one refused before its body was read, cannot hold a socket for minutes; connections are capped.
 */

interface RawResult {
  /** Everything the server sent. */
  data: string;
  /** When the server closed the connection, in ms after the first write; null if it was still open. */
  closedAfter: number | null;
}

/**
 * Sends `head`, then one byte of `trickle` every `everyMs` while the connection is open, for at most
 * `maxMs`; reports what came back and when the server closed the connection.
 */
function rawExchange(port: number, head: string, trickle: string, everyMs: number, maxMs: number) {
  return new Promise<RawResult>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    let i = 0;
    const drip = () => {
      if (socket.destroyed || socket.writableEnded) return;
      socket.write(trickle[i++ % trickle.length] as string);
      timer = setTimeout(drip, everyMs);
    };
    const giveUp = setTimeout(() => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ data, closedAfter: null });
    }, maxMs);
    socket.setEncoding('utf8').on('data', (d: string) => {
      data += d;
    });
    socket.on('connect', () => {
      socket.write(head);
      timer = setTimeout(drip, everyMs);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      clearTimeout(giveUp);
      resolve({ data, closedAfter: Date.now() - started });
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') reject(err);
    });
  });
}

async function withServer(
  env: Record<string, string>,
  body: (server: RunningServer, key: string) => Promise<void>,
) {
  const config = testConfig({ PORT: '0', ...env });
  const services = await createServices(config, createLogger(config));
  const server = await startServer(services);
  try {
    const { key } = await createKey(services.db, `slow-${randomBytes(4).toString('hex')}`);
    await body(server, key);
  } finally {
    await server.close();
  }
}

const post = (path: string, length: number, extra = '') =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${extra}\r\n{"name":`;

describe('slow clients', () => {
  test('refused before its body was read (no key): the answer is sent, then the connection closes', async () => {
    // The request timeout stays long here: what closes the connection is the refusal itself.
    await withServer({ PERSONAKIT_REQUEST_TIMEOUT_MS: '60000' }, async (server) => {
      // /v1/personas is served by the native path, /v2/personas by Hono.
      for (const [path, status] of [
        ['/v1/personas', /^HTTP\/1\.1 401 .*"error":401/s],
        ['/v2/personas', /^HTTP\/1\.1 401 /],
      ] as const) {
        const r = await rawExchange(server.port, post(path, 10_000), '"abc', 200, 8000);
        assert.match(r.data, status);
        // Said in the answer, so the client does not send its next request on this connection.
        assert.match(r.data, /\r\nconnection: close\r\n/i, path);
        assert.ok(
          r.closedAfter !== null && r.closedAfter < 4000,
          `${path}: closed after ${r.closedAfter} ms`,
        );
      }
    });
  });

  test("a body trickled in past the request timeout: 408 in the surface's error shape, connection closed", async () => {
    await withServer({ PERSONAKIT_REQUEST_TIMEOUT_MS: '1500' }, async (server, key) => {
      for (const [path, body] of [
        ['/v1/personas', '{"error":408,"message":"Request timed out"}'],
        ['/v2/personas', '{"message":"Request timed out"}'],
        ['/suno/generate', '{"code":408,"msg":"Request timed out","error":"request_timeout"}'],
      ] as const) {
        const r = await rawExchange(
          server.port,
          post(path, 1000, `Authorization: Bearer ${key}\r\n`),
          'a',
          200,
          10_000,
        );
        assert.match(r.data, /^HTTP\/1\.1 408 /);
        assert.ok(r.data.endsWith(`\r\n\r\n${body}`), `${path}: ${r.data}`);
        assert.ok(
          r.closedAfter !== null && r.closedAfter < 6000,
          `${path}: closed after ${r.closedAfter} ms`,
        );
      }
      // The server still serves.
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    });
  });

  test('headers trickled in past the headers timeout: 408, connection closed', async () => {
    await withServer({ PERSONAKIT_HEADERS_TIMEOUT_MS: '1000' }, async (server) => {
      const r = await rawExchange(
        server.port,
        'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ',
        'abc',
        200,
        10_000,
      );
      assert.match(r.data, /^HTTP\/1\.1 408 /);
      assert.ok(r.closedAfter !== null && r.closedAfter < 5000, `closed after ${r.closedAfter} ms`);
    });
  });

  test('past PERSONAKIT_MAX_CONNECTIONS a new connection is closed at once; below it, served', async () => {
    await withServer({ PERSONAKIT_MAX_CONNECTIONS: '2' }, async (server) => {
      const held = [connect(server.port, '127.0.0.1'), connect(server.port, '127.0.0.1')];
      await Promise.all(held.map((s) => new Promise((resolve) => s.once('connect', resolve))));
      await sleep(100);
      const r = await rawExchange(server.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', ' ', 1000, 5000);
      assert.equal(r.data, '');
      assert.ok(r.closedAfter !== null && r.closedAfter < 1000, `closed after ${r.closedAfter} ms`);
      for (const s of held) s.destroy();
      await sleep(100);
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    });
  });
});
