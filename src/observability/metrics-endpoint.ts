import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from './metrics.ts';

/**
 * GET /metrics, on the API port behind PERSONAKIT_METRICS_TOKEN, or on PERSONAKIT_METRICS_PORT (bound to
 * PERSONAKIT_METRICS_HOST, 127.0.0.1 by default), where the token is asked only if it is set too.
 */

export interface MetricsAnswer {
  status: number;
  contentType: string;
  body: string;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Compares digests, so neither the token's length nor its content leaks through timing. */
function tokenMatches(expected: string, authorization: string | undefined): boolean {
  const given = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : '';
  return timingSafeEqual(digest(given), digest(expected));
}

export async function metricsAnswer(
  metrics: Metrics,
  token: string | undefined,
  authorization: string | undefined,
): Promise<MetricsAnswer> {
  if (token !== undefined && !tokenMatches(token, authorization)) {
    return {
      status: 401,
      contentType: 'application/json',
      body: JSON.stringify({
        error: 'unauthorized',
        message: 'GET /metrics needs "Authorization: Bearer <PERSONAKIT_METRICS_TOKEN>"',
      }),
    };
  }
  return { status: 200, contentType: metrics.contentType, body: await metrics.text() };
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/** The separate metrics listener: GET /metrics only. */
export async function startMetricsServer(
  metrics: Metrics,
  host: string,
  port: number,
  token: string | undefined,
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?', 1)[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end('{"error":"not_found","message":"Only GET /metrics is served here"}');
      return;
    }
    metricsAnswer(metrics, token, req.headers.authorization).then(
      (a) => res.writeHead(a.status, { 'content-type': a.contentType }).end(a.body),
      () =>
        res
          .writeHead(500, { 'content-type': 'application/json' })
          .end('{"error":"internal","message":"metrics failed"}'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
