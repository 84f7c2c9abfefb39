import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
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
 * GET /metrics: what an operator's Prometheus scrapes. The text is read back with a Prometheus text
 * parser nobody here wrote, and each family is checked against requests the test made itself.
 */

interface Sample {
  labels?: Record<string, string>;
  value?: string;
  buckets?: Record<string, string>;
  count?: string;
  sum?: string;
}
interface Family {
  name: string;
  type: string;
  metrics: Sample[];
}

/**
 * The parser drops the labels, sum and count of histograms that have labels (it folds every series of a
 * family into one), so histogram series are read from the exposition text's `_count` / `_sum` lines.
 */
function histogram(text: string, name: string, want: Record<string, string>): { count: number; sum: number } {
  const line = (suffix: string) =>
    text
      .split('\n')
      .find(
        (l) =>
          l.startsWith(`${name}_${suffix}{`) &&
          Object.entries(want).every(([k, v]) => l.includes(`${k}="${v}"`)),
      );
  return { count: Number(line('count')?.split(' ').at(-1)), sum: Number(line('sum')?.split(' ').at(-1)) };
}

const TOKEN = 'metrics-token-0123456789';

type Scrape = Map<string, Family> & { text: string };

async function scrape(url: string, token: string | undefined = TOKEN): Promise<Scrape> {
  const res = await request(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.body.text();
  assert.equal(res.statusCode, 200, text);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const families = parsePrometheusTextFormat(text) as Family[];
  return Object.assign(new Map(families.map((f) => [f.name, f])), { text });
}

/** The sample of a family whose labels include all of `want`. */
function sample(
  families: Map<string, Family>,
  name: string,
  want: Record<string, string>,
): Sample | undefined {
  return families.get(name)?.metrics.find((m) => Object.entries(want).every(([k, v]) => m.labels?.[k] === v));
}

const value = (s: Sample | undefined) => Number(s?.value ?? Number.NaN);

for (const { backend, skip } of backends) {
  describeUnlessSkipped(`GET /metrics [${backend.name}]`, skip, () => {
    let services: Services;
    let server: RunningServer;
    let fake: Fake;
    let drop: () => Promise<void>;
    let auth: Record<string, string>;

    before(async () => {
      fake = await startFake('openai');
      const db = await backend.fresh();
      drop = db.drop;
      const config = testConfig({
        DATABASE_URL: db.url,
        PORT: '0',
        PERSONAKIT_METRICS_TOKEN: TOKEN,
        PERSONAKIT_OPENAI_BASE_URL: fake.origin,
      });
      services = await createServices(config, createLogger(config));
      server = await startServer(services);
      const { key } = await createKey(services.db, `metrics-${process.pid}-${Date.now()}`);
      auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    });
    after(async () => {
      await server.close();
      await drop();
      await fake.close();
    });

    const call = async (method: string, path: string, body?: unknown) => {
      const res = await request(`${server.url}${path}`, {
        method: method as 'GET',
        headers: auth,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.body.text();
      return { status: res.statusCode, json: text ? JSON.parse(text) : undefined };
    };

    test('without the token: 401, with a wrong one too; nothing about the series leaks', async () => {
      for (const headers of [
        {},
        { authorization: 'Bearer wrong-token-0123456789' },
        { authorization: TOKEN },
      ]) {
        const res = await request(`${server.url}/metrics`, { headers });
        assert.equal(res.statusCode, 401);
        const text = await res.body.text();
        assert.doesNotMatch(text, /personakit_/);
        assert.equal(JSON.parse(text).error, 'unauthorized');
      }
    });

    test('requests are counted by surface, route template and status, and timed', async () => {
      const before = await scrape(`${server.url}/metrics`);
      const route = { route: '/v1/personas/:id', method: 'GET' };
      const countOf = (f: Map<string, Family>, status: string) =>
        value(sample(f, 'personakit_http_requests_total', { ...route, status })) || 0;
      const created = await call('POST', '/v1/personas', { name: 'Metered', attributes: {} });
      assert.equal(created.status, 200);
      for (let i = 0; i < 3; i++)
        assert.equal((await call('GET', `/v1/personas/${created.json.id}`)).status, 200);
      assert.equal((await call('GET', '/v1/personas/p_missing000000000000')).status, 404);
      assert.equal((await call('GET', '/v2/personas?limit=1')).status, 200);
      assert.equal((await call('GET', '/no/such/route')).status, 404);

      const after = await scrape(`${server.url}/metrics`);
      assert.equal(countOf(after, '200') - countOf(before, '200'), 3);
      assert.equal(countOf(after, '404') - countOf(before, '404'), 1);
      const ok = sample(after, 'personakit_http_requests_total', { ...route, status: '200' });
      assert.equal(ok?.labels?.surface, 'opengiant');
      // Raw paths never become labels: one series per template, whatever the ids.
      const routes = new Set(
        after.get('personakit_http_requests_total')?.metrics.map((m) => m.labels?.route),
      );
      assert.ok(![...routes].some((r) => r?.includes(created.json.id)), [...routes].join(', '));
      assert.ok(routes.has('unmatched'));
      assert.equal(
        sample(after, 'personakit_http_requests_total', { route: '/v2/personas' })?.labels?.surface,
        'tavus',
      );

      assert.equal(after.get('personakit_http_request_duration_seconds')?.type, 'HISTOGRAM');
      const timed = histogram(after.text, 'personakit_http_request_duration_seconds', route);
      const timedBefore = histogram(before.text, 'personakit_http_request_duration_seconds', route);
      assert.equal(timed.count - (timedBefore.count || 0), 4);
      assert.ok(timed.sum > (timedBefore.sum || 0));
    });

    test('provider calls: latency and outcome by provider, tokens as the provider reported them', async () => {
      const persona = await call('POST', '/v1/personas', { name: 'Tokens', attributes: {} });
      const before = await scrape(`${server.url}/metrics`);
      const tokens = (f: Map<string, Family>, direction: string) =>
        value(sample(f, 'personakit_tokens_total', { provider: 'openai', direction })) || 0;
      const refined = await call('POST', '/v1/refine', {
        provider: 'openai',
        providerApiKey: 'sk-test',
        model: 'gpt-4o-mini',
        personaId: persona.json.id,
        content: 'metrics marker one',
      });
      assert.equal(refined.status, 200, JSON.stringify(refined.json));
      const local = await call('POST', '/v1/refine', {
        provider: 'local',
        personaId: persona.json.id,
        content: 'Hello!',
      });
      assert.equal(local.status, 200);
      const failed = await call('POST', '/v1/refine', {
        provider: 'openai',
        providerApiKey: 'sk-test',
        model: 'scenario:401',
        personaId: persona.json.id,
        content: 'metrics marker two',
      });
      assert.ok(failed.status >= 400);

      const after = await scrape(`${server.url}/metrics`);
      assert.equal(tokens(after, 'input') - tokens(before, 'input'), refined.json.usage.inputTokens ?? 11);
      assert.equal(tokens(after, 'output') - tokens(before, 'output'), refined.json.usage.outputTokens ?? 7);
      const ok = sample(after, 'personakit_upstream_requests_total', { provider: 'openai', outcome: 'ok' });
      assert.ok(value(ok) >= 1);
      const errors = after
        .get('personakit_upstream_requests_total')
        ?.metrics.filter((m) => m.labels?.provider === 'openai' && m.labels?.outcome !== 'ok');
      assert.ok(errors && errors.length > 0, 'a failed call is counted under its error code');
      assert.ok(
        value(sample(after, 'personakit_upstream_requests_total', { provider: 'local', outcome: 'ok' })) >= 1,
      );
      assert.ok(
        histogram(after.text, 'personakit_upstream_duration_seconds', { provider: 'openai' }).count >= 2,
      );
    });

    test('process, event loop, connections, caches and the job queue are there', async () => {
      const persona = await call('POST', '/v1/personas', { name: 'Cached', attributes: {} });
      await call('GET', `/v1/personas/${persona.json.id}`);
      await call('GET', `/v1/personas/${persona.json.id}`);
      const f = await scrape(`${server.url}/metrics`);
      assert.ok(f.has('nodejs_eventloop_lag_seconds'));
      assert.ok(f.has('process_resident_memory_bytes'));
      assert.ok(value(sample(f, 'personakit_open_connections', {})) >= 1);
      assert.ok(value(sample(f, 'personakit_cache_hits', { cache: 'personas' })) >= 1);
      assert.ok(value(sample(f, 'personakit_cache_misses', { cache: 'keys' })) >= 1);
      assert.equal(f.get('personakit_jobs')?.type, 'GAUGE');
    });
  });
}

describe('where metrics are served', () => {
  test('with PERSONAKIT_METRICS_PORT they are on their own port (no token needed), not on the API port', async () => {
    const config = testConfig({ PORT: '0', PERSONAKIT_METRICS_PORT: '0' });
    const services = await createServices(config, createLogger(config));
    const server = await startServer(services);
    try {
      assert.ok(server.metricsUrl);
      const f = await scrape(server.metricsUrl, undefined);
      assert.ok(f.has('personakit_http_requests_total'));
      assert.equal((await request(`${server.url}/metrics`)).statusCode, 404);
      const other = await request(server.metricsUrl.replace('/metrics', '/v1/personas'));
      assert.equal(other.statusCode, 404);
      await other.body.dump();
    } finally {
      await server.close();
    }
  });

  test('with both, the separate port asks for the token', async () => {
    const config = testConfig({ PORT: '0', PERSONAKIT_METRICS_PORT: '0', PERSONAKIT_METRICS_TOKEN: TOKEN });
    const services = await createServices(config, createLogger(config));
    const server = await startServer(services);
    try {
      assert.ok(server.metricsUrl);
      const refused = await request(server.metricsUrl);
      assert.equal(refused.statusCode, 401);
      await refused.body.dump();
      assert.ok((await scrape(server.metricsUrl)).has('personakit_open_connections'));
    } finally {
      await server.close();
    }
  });

  test('with neither, nothing is recorded or served', async () => {
    const config = testConfig({ PORT: '0' });
    const services = await createServices(config, createLogger(config));
    const server = await startServer(services);
    try {
      assert.equal(services.metrics, null);
      const res = await request(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(res.statusCode, 404);
      await res.body.dump();
    } finally {
      await server.close();
    }
  });

  test('a token shorter than 16 characters is refused at start', async () => {
    assert.throws(() => testConfig({ PERSONAKIT_METRICS_TOKEN: 'short' }), /PERSONAKIT_METRICS_TOKEN/);
  });
});
