import { createServer, type RequestListener, type ServerOptions, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { createApp } from './app.ts';
import { closeLiveClients } from './conversations/live-clients.ts';
import { closeTurns } from './conversations/turn-registry.ts';
import { countAccounts, createKey } from './core/api-keys.ts';
import type { Services } from './core/context.ts';
import { AppError } from './core/errors.ts';
import { nativeListener } from './http/native.ts';
import { startMetricsServer } from './observability/metrics-endpoint.ts';
import { closeServices } from './services.ts';
import { errorMapperFor } from './surfaces/error-mappers.ts';
import { openAiNativeRoutes } from './surfaces/openai/index.ts';
import { openGiantNativeRoutes } from './surfaces/opengiant/index.ts';
import { attachConversationSockets } from './surfaces/tavus/conversations-socket.ts';

export interface RunningServer {
  url: string;
  port: number;
  /** GET /metrics on its own port (PERSONAKIT_METRICS_PORT), when configured. */
  metricsUrl?: string;
  /** Stop accepting, let in-flight requests finish (bounded), then close the store. Idempotent. */
  close(): Promise<void>;
}

/**
 * On the first start with an empty store, create a default account and print one key to stderr, once,
 * so a newcomer can make a request at once. Later starts print nothing: keys are never shown again.
 */
export async function bootstrapKey(services: Services, write: (s: string) => void): Promise<void> {
  if (services.config.PERSONAKIT_BOOTSTRAP_KEY === 'off') return;
  if ((await countAccounts(services.db)) > 0) return;
  const { key } = await createKey(services.db, 'default');
  write(
    `\npersonakit: created account "default" with this API key (shown once, store it now):\n\n    ${key}\n\n` +
      'Use it as "Authorization: Bearer <key>" or "x-api-key: <key>". More keys: npx personakit keys create --account NAME\n\n',
  );
}

/**
 * node:http's createServer with the native fast path (src/http/native.ts) in front of Hono's listener:
 * for @hono/node-server's `createServer` option, in production and in tests that need a socket.
 */
export function createNativeServer(services: Services): typeof createServer {
  // The option is typed as createServer itself (all its overloads); @hono/node-server calls this one.
  const create = (options: ServerOptions, honoListener: RequestListener) =>
    createServer(
      options,
      nativeListener(services, [...openGiantNativeRoutes, ...openAiNativeRoutes], honoListener),
    );
  return create as typeof createServer;
}

/** An answer written straight to the socket (before or instead of node:http's response). */
const rawAnswer = (status: number, reason: string, body: string) =>
  `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;

export async function startServer(services: Services): Promise<RunningServer> {
  const app = createApp(services);
  const { config, log } = services;
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve(
      {
        fetch: app.fetch,
        createServer: createNativeServer(services),
        port: config.PORT,
        hostname: config.HOST,
        // Bounded headers and slow-client timeouts: a client cannot hold a socket open by trickling bytes.
        // Node checks both deadlines every connectionsCheckingInterval (30 s by default, too coarse for
        // timeouts of seconds).
        serverOptions: {
          maxHeaderSize: 16 * 1024,
          headersTimeout: Math.min(
            config.PERSONAKIT_HEADERS_TIMEOUT_MS,
            config.PERSONAKIT_REQUEST_TIMEOUT_MS,
          ),
          requestTimeout: config.PERSONAKIT_REQUEST_TIMEOUT_MS,
          connectionsCheckingInterval: 1000,
        },
      },
      () => resolve(s),
    );
    // Past the cap Node closes a new connection at once, before reading anything from it.
    if (config.PERSONAKIT_MAX_CONNECTIONS > 0) s.maxConnections = config.PERSONAKIT_MAX_CONNECTIONS;
    // Malformed requests and oversized headers never reach Hono; answer them in the /v1 error shape.
    s.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      // A request timeout can come while a response is under way (a body that was still arriving): once
      // its head is out, a raw answer would corrupt it, so the connection is just closed (as Node does).
      const answering = (socket as { _httpMessage?: ServerResponse })._httpMessage;
      if (!socket.writable || answering?.headersSent) return socket.destroy();
      if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
        // A body still arriving has a known path, hence a surface and its error shape; headers do not.
        const mapped = errorMapperFor(answering?.req.url ?? '')(
          new AppError('request_timeout', 'Request timed out'),
        );
        return void socket.end(rawAnswer(408, 'Request Timeout', JSON.stringify(mapped.body)));
      }
      const [status, message] =
        err.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'Request headers are larger than 16 KiB']
          : [400, 'Malformed HTTP request'];
      const body = JSON.stringify({ error: status, message });
      socket.end(rawAnswer(status, message, body));
    });
    s.once('error', reject);
    // WebSockets of Tavus conversations (the only upgrade this server takes).
    attachConversationSockets(s as import('node:http').Server, services);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  const url = `http://${host}:${port}`;
  log.info({ url, database: services.db.dialect }, 'personakit listening');
  const { metrics } = services;
  if (metrics) {
    metrics.connections = () =>
      new Promise((resolve) => server.getConnections((err, n) => resolve(err ? 0 : n)));
  }
  const metricsServer =
    metrics && config.PERSONAKIT_METRICS_PORT !== undefined
      ? await startMetricsServer(
          metrics,
          config.PERSONAKIT_METRICS_HOST,
          config.PERSONAKIT_METRICS_PORT,
          config.PERSONAKIT_METRICS_TOKEN,
        )
      : undefined;
  if (metricsServer) log.info({ url: metricsServer.url }, 'metrics listening');
  // Jobs left by a previous run (a document accepted just before a crash) resume here.
  services.jobs.start();

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      log.info('shutting down: draining in-flight requests');
      // Conversation interactions are refused from now on; answers being generated get the same time as
      // requests to finish, then are interrupted and record their end (conversations/turn-registry.ts).
      const turnsClosed = closeTurns(services, config.PERSONAKIT_SHUTDOWN_TIMEOUT_MS);
      const jobsStopped = services.jobs.stop();
      // Live clients (WebSockets, SSE streams) would hold the drain open for as long as they stay: once
      // nothing more will be committed for them, they get what was and are ended (1001), promptly, their
      // leaves recorded as the shutdown's (conversations/live-clients.ts). Stopped jobs first: a leave
      // arms a timer that this instance's queue must not be the one to run.
      const liveClosed = Promise.all([turnsClosed, jobsStopped]).then(() => closeLiveClients(services));
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      // Idle keep-alive sockets would hold close() open; in-flight requests keep theirs until done, and
      // their sockets are closed as soon as they turn idle.
      const reap = setInterval(() => {
        if ('closeIdleConnections' in server) server.closeIdleConnections();
      }, 50);
      if ('closeIdleConnections' in server) server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), config.PERSONAKIT_SHUTDOWN_TIMEOUT_MS);
      });
      if ((await Promise.race([drained, timedOut])) === 'timeout') {
        // Live clients are ended their own way (bounded), not cut with the rest.
        await liveClosed;
        log.warn('shutdown timeout reached: closing remaining connections');
        if ('closeAllConnections' in server) server.closeAllConnections();
      }
      clearTimeout(timer);
      clearInterval(reap);
      await liveClosed;
      await metricsServer?.close();
      await closeServices(services);
      log.info('stopped');
      log.flush();
    })();
    return closing;
  };
  return metricsServer ? { url, port, close, metricsUrl: metricsServer.url } : { url, port, close };
}
