import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import { serve } from '@hono/node-server';
import type { DestinationStream } from 'pino';
import { createApp } from '../../src/app.ts';
import { testConfig } from '../../src/config.ts';
import { createKey, type KeyOptions } from '../../src/core/api-keys.ts';
import type { Services } from '../../src/core/context.ts';
import { createLogger } from '../../src/log.ts';
import { createNativeServer } from '../../src/server.ts';
import { closeServices, createServices } from '../../src/services.ts';
import { type Backend, backends, describeUnlessSkipped } from './backends.ts';

export interface Account {
  key: string;
  accountId: string;
  /** Authorization header for this account. */
  auth: Record<string, string>;
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies
  body: any;
}

export interface RequestOptions {
  account?: Account;
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
}

export interface Harness {
  backend: Backend['name'];
  services: Services;
  app: ReturnType<typeof createApp>;
  /** A new account with one key: every test makes its own, there are no shared seed ids. */
  newAccount(options?: KeyOptions): Promise<Account>;
  request(method: string, path: string, options?: RequestOptions): Promise<Reply>;
}

export interface HarnessOptions {
  /** Where the server's log lines go (set LOG_LEVEL in env too: tests default to silent). */
  logDestination?: DestinationStream;
  /** Run the job queue (knowledge ingestion, callbacks) as the server does; off by default. */
  startJobs?: boolean;
}

export async function createHarness(
  backend: Backend,
  env: Record<string, string> = {},
  options: HarnessOptions = {},
): Promise<Harness & { close(): Promise<void> }> {
  const db = await backend.fresh();
  const config = testConfig({ DATABASE_URL: db.url, ...env });
  const services = await createServices(config, createLogger(config, options.logDestination));
  const app = createApp(services);
  if (options.startJobs) services.jobs.start();
  let n = 0;
  return {
    backend: backend.name,
    services,
    app,
    async newAccount(keyOptions?: KeyOptions) {
      const created = await createKey(
        services.db,
        `acct-${process.pid}-${Date.now()}-${n++}`,
        new Date(),
        keyOptions,
      );
      return {
        key: created.key,
        accountId: created.accountId,
        auth: { authorization: `Bearer ${created.key}` },
      };
    },
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...(options.account?.auth ?? {}) };
      let body: string | undefined = options.body;
      if (options.json !== undefined) {
        body = JSON.stringify(options.json);
        headers['content-type'] = 'application/json';
      }
      Object.assign(headers, options.headers);
      const res = await app.request(path, { method, headers, body });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, headers: res.headers, text, body: parsed };
    },
    async close() {
      await closeServices(services);
      await db.drop();
    },
  };
}

/**
 * Runs a suite once per storage backend. Without TEST_DATABASE_URL the PostgreSQL run is reported as
 * skipped, with the reason, in the test output.
 */
export function describeEachBackend(
  title: string,
  body: (h: () => Harness) => void,
  env: Record<string, string> = {},
  options: HarnessOptions = {},
): void {
  for (const { backend, skip } of backends) {
    describeUnlessSkipped(`${title} [${backend.name}]`, skip, () => {
      let harness: (Harness & { close(): Promise<void> }) | undefined;
      before(async () => {
        harness = await createHarness(backend, env, options);
      });
      after(async () => {
        await harness?.close();
      });
      body(() => {
        if (!harness) throw new Error('harness not started');
        return harness;
      });
    });
  }
}

/**
 * The harness app on a real loopback port (for tests that need a socket: disconnects, the CLI), closed
 * with its connections by the returned close().
 */
export async function listen(
  h: Pick<Harness, 'app' | 'services'>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = serve({
    fetch: h.app.fetch,
    createServer: createNativeServer(h.services),
    port: 0,
    hostname: '127.0.0.1',
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The suite's harness app on a loopback port, listening from before its tests to after them (a
 * describeEachBackend body calls it): the origin, read inside a test.
 */
export function listening(h: () => Harness): () => string {
  let listener: Awaited<ReturnType<typeof listen>> | undefined;
  before(async () => {
    listener = await listen(h());
  });
  after(() => listener?.close());
  return () => {
    if (!listener) throw new Error('the suite is not listening yet');
    return listener.url;
  };
}
