import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { testConfig } from '../src/config.ts';
import { createKey } from '../src/core/api-keys.ts';
import type { Services } from '../src/core/context.ts';
import { createLogger } from '../src/log.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { createServices } from '../src/services.ts';
import { backends, describeUnlessSkipped } from './helpers/backends.ts';
import { type Fake, startFake } from './helpers/fake-upstreams.ts';

/**
 * OpenTelemetry traces, received by a local OTLP/HTTP receiver (JSON, as the exporter sends it): a span
 * per request, per store query and per provider call, joined by one trace id that the log lines carry.
 */

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
}

const SERVER = 2;
const CLIENT = 3;

function attr(span: OtlpSpan, key: string): unknown {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v ? Object.values(v)[0] : undefined;
}

async function receiver(): Promise<{ url: string; spans: OtlpSpan[]; paths: string[]; server: Server }> {
  const spans: OtlpSpan[] = [];
  const paths: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      paths.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const rs of body.resourceSpans ?? []) {
        for (const ss of rs.scopeSpans ?? []) spans.push(...ss.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, paths, server };
}

for (const { backend, skip } of backends) {
  describeUnlessSkipped(`traces over OTLP/HTTP [${backend.name}]`, skip, () => {
    let collector: Awaited<ReturnType<typeof receiver>>;
    let fake: Fake;
    let server: RunningServer;
    let drop: () => Promise<void>;
    let services: Services;
    const lines: Record<string, unknown>[] = [];

    before(async () => {
      collector = await receiver();
      fake = await startFake('openai');
      const db = await backend.fresh();
      drop = db.drop;
      const config = testConfig({
        DATABASE_URL: db.url,
        PORT: '0',
        LOG_LEVEL: 'info',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_SERVICE_NAME: 'personakit-under-test',
        PERSONAKIT_OPENAI_BASE_URL: fake.origin,
      });
      const sink = new Writable({
        write(chunk, _enc, done) {
          for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
          done();
        },
      });
      services = await createServices(config, createLogger(config, sink));
      server = await startServer(services);
    });
    after(async () => {
      await drop();
      await fake.close();
      collector.server.close();
    });

    test('a refine is one trace: its request span, its store queries and its provider call', async () => {
      const { key } = await createKey(services.db, `trace-${process.pid}-${Date.now()}`);
      const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
      const created = await request(`${server.url}/v1/personas`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'Traced', attributes: {} }),
      });
      const persona = (await created.body.json()) as { id: string };
      const refined = await request(`${server.url}/v1/refine`, {
        method: 'POST',
        headers: { ...headers, 'x-request-id': 'traced-refine' },
        body: JSON.stringify({
          provider: 'openai',
          providerApiKey: 'sk-test',
          model: 'gpt-4o-mini',
          personaId: persona.id,
          content: 'trace marker',
        }),
      });
      assert.equal(refined.statusCode, 200);
      await refined.body.dump();
      const listed = await request(`${server.url}/v2/personas?limit=1`, { headers });
      assert.equal(listed.statusCode, 200);
      await listed.body.dump();
      await server.close(); // flushes the exporter

      assert.ok(
        collector.paths.every((p) => p.startsWith('POST /v1/traces application/json')),
        collector.paths.join(),
      );
      const refineSpan = collector.spans.find((s) => s.kind === SERVER && s.name === 'POST /v1/refine');
      assert.ok(refineSpan, collector.spans.map((s) => s.name).join(', '));
      assert.equal(attr(refineSpan, 'http.route'), '/v1/refine');
      assert.equal(attr(refineSpan, 'http.response.status_code'), 200);
      const inTrace = collector.spans.filter((s) => s.traceId === refineSpan.traceId);
      const llm = inTrace.find((s) => s.name === 'llm openai complete');
      assert.ok(llm, inTrace.map((s) => s.name).join(', '));
      assert.equal(llm.kind, CLIENT);
      assert.equal(llm.parentSpanId, refineSpan.spanId);
      assert.equal(attr(llm, 'gen_ai.system'), 'openai');
      assert.equal(attr(llm, 'gen_ai.request.model'), 'gpt-4o-mini');
      const queries = inTrace.filter((s) => s.name.startsWith('db '));
      assert.ok(queries.length >= 1, 'the persona read is a store span of the same trace');
      assert.ok(queries.every((q) => q.kind === CLIENT));
      assert.equal(
        attr(queries[0] as OtlpSpan, 'db.system'),
        backend.name === 'postgres' ? 'postgresql' : 'sqlite',
      );
      assert.match(String(attr(queries[0] as OtlpSpan, 'db.query.text')), /select|insert|update/i);

      // A route served by Hono (not the native fast path) is traced the same way, under its template.
      const list = collector.spans.find((s) => s.kind === SERVER && s.name === 'GET /v2/personas');
      assert.ok(list, collector.spans.map((s) => s.name).join(', '));

      // The access line of the request carries the trace id of its span.
      const access = lines.find((l) => l.msg === 'request' && l.reqId === 'traced-refine');
      assert.equal(access?.traceId, refineSpan.traceId);
    });
  });
}

describe('without an OTLP endpoint nor metrics', () => {
  test('nothing of OpenTelemetry or prom-client is loaded; services.tracing and .metrics are null', () => {
    const script = `
      import { registerHooks } from 'node:module';
      const seen = [];
      registerHooks({ resolve(spec, ctx, next) { seen.push(spec); return next(spec, ctx); } });
      const { testConfig } = await import('./src/config.ts');
      const { createLogger } = await import('./src/log.ts');
      const { createServices, closeServices } = await import('./src/services.ts');
      const config = testConfig();
      const services = await createServices(config, createLogger(config));
      const r = { tracing: services.tracing, metrics: services.metrics, loaded: seen.filter((s) => /opentelemetry|prom-client/.test(s)) };
      await closeServices(services);
      console.log(JSON.stringify(r));
    `;
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    assert.deepEqual(JSON.parse(out.stdout.trim().split('\n').at(-1) ?? ''), {
      tracing: null,
      metrics: null,
      loaded: [],
    });
  });
});
