import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Usage } from '../providers/types.ts';
import { type CounterCell, type HistogramSeries, HotCounter, HotHistogram } from './hot-metrics.ts';

/**
 * The Prometheus metrics of one process (GET /metrics, docs/operations.md "Metrics"). Built, and
 * prom-client loaded, only when metrics are exposed (PERSONAKIT_METRICS_TOKEN or PERSONAKIT_METRICS_PORT):
 * otherwise `services.metrics` is null and the hot path records nothing.
 */

/** Request and upstream latency buckets, in seconds: sub-millisecond local work up to minute-long streams. */
const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/** Reads that the scrape asks of the rest of the process (the store, the server, the caches). */
export interface MetricSources {
  /** Jobs in the store by kind and status (queued work is shared by every instance on one store). */
  jobs?(): Promise<{ kind: string; status: string; count: number }[]>;
  /** Hit and miss counts of the in-memory caches, by cache name. */
  caches?(): { cache: string; hits: number; misses: number }[];
}

/** The surface a route belongs to, from its path (the first segments are enough). */
export function surfaceOf(route: string): string {
  if (route.startsWith('/v1/chat/') || route === '/v1/models' || route.startsWith('/v1/models/'))
    return 'openai';
  if (route.startsWith('/v1/')) return 'opengiant';
  if (route.startsWith('/v2/')) return 'tavus';
  if (route.startsWith('/suno/')) return 'suno';
  return 'server';
}

interface RouteSeries {
  seconds: HistogramSeries;
  statuses: Map<number, CounterCell>;
  surface: string;
}

interface UpstreamSeries {
  seconds: HistogramSeries;
  outcomes: Map<string, CounterCell>;
  input: CounterCell;
  output: CounterCell;
}

export class Metrics {
  readonly registry = new Registry();
  readonly #requests = new HotCounter(
    this.registry,
    'personakit_http_requests_total',
    'HTTP requests answered, by surface, route template, method and status (499: the client left first).',
  );
  readonly #requestSeconds = new HotHistogram(
    this.registry,
    'personakit_http_request_duration_seconds',
    'Time from the request to the end of its answer, by surface, route template and method.',
    LATENCY_BUCKETS,
  );
  readonly #upstream = new HotCounter(
    this.registry,
    'personakit_upstream_requests_total',
    'Calls to LLM providers by provider, operation and outcome (ok or the error code).',
  );
  readonly #upstreamSeconds = new HotHistogram(
    this.registry,
    'personakit_upstream_duration_seconds',
    'Time of a provider call, by provider and operation: a whole answer, or a stream until its last byte.',
    LATENCY_BUCKETS,
  );
  readonly #tokens = new HotCounter(
    this.registry,
    'personakit_tokens_total',
    'Tokens by provider and direction (input/output) as the provider reported them.',
  );
  readonly #routes = new Map<string, Map<string, RouteSeries>>();
  readonly #providers = new Map<string, Map<string, UpstreamSeries>>();
  /** Set by the server once it listens (its socket count); 0 before. */
  connections: () => Promise<number> = async () => 0;
  readonly #jobAttempts = new HotCounter(
    this.registry,
    'personakit_job_attempts_total',
    'Background job attempts run by this process, by kind and outcome (done, retry, failed).',
  );

  constructor(sources: MetricSources = {}) {
    collectDefaultMetrics({ register: this.registry });
    const { jobs, caches } = sources;
    const metrics = this;
    if (jobs) {
      new Gauge({
        name: 'personakit_jobs',
        help: 'Background jobs in the store by kind and status (pending and running are the queue depth).',
        labelNames: ['kind', 'status'],
        registers: [this.registry],
        async collect() {
          this.reset();
          for (const j of await jobs()) this.set({ kind: j.kind, status: j.status }, j.count);
        },
      });
    }
    new Gauge({
      name: 'personakit_open_connections',
      help: 'Client connections (sockets) open on this process.',
      registers: [this.registry],
      async collect() {
        this.set(await metrics.connections());
      },
    });
    if (caches) {
      const read = (what: 'hits' | 'misses') =>
        new Gauge({
          name: `personakit_cache_${what}`,
          help: `Lookups ${what === 'hits' ? 'answered by' : 'missed by'} an in-memory cache since start, by cache.`,
          labelNames: ['cache'],
          registers: [this.registry],
          collect() {
            for (const c of caches()) this.set({ cache: c.cache }, c[what]);
          },
        });
      read('hits');
      read('misses');
    }
  }

  /** One answered request; `route` is the route's template (`/v1/personas/:id`), never the raw path. */
  request(method: string, route: string, status: number, seconds: number): void {
    // Two map lookups on strings the caller already holds, no allocation: this runs on every request.
    let byMethod = this.#routes.get(route);
    if (!byMethod) {
      byMethod = new Map();
      this.#routes.set(route, byMethod);
    }
    let r = byMethod.get(method);
    if (!r) {
      const surface = surfaceOf(route);
      r = {
        seconds: this.#requestSeconds.series(`${method} ${route}`, () => ({ surface, route, method })),
        statuses: new Map(),
        surface,
      };
      byMethod.set(method, r);
    }
    r.seconds.observe(seconds);
    let cell = r.statuses.get(status);
    if (!cell) {
      const surface = r.surface;
      cell = this.#requests.cell(`${method} ${route} ${status}`, () => ({
        surface,
        route,
        method,
        status: String(status),
      }));
      r.statuses.set(status, cell);
    }
    cell.value++;
  }

  /** One provider call and its outcome: 'ok' or the AppError code it ended with. */
  upstream(provider: string, operation: string, outcome: string, seconds: number, usage?: Usage): void {
    let byOperation = this.#providers.get(provider);
    if (!byOperation) {
      byOperation = new Map();
      this.#providers.set(provider, byOperation);
    }
    let u = byOperation.get(operation);
    if (!u) {
      u = {
        seconds: this.#upstreamSeconds.series(`${provider} ${operation}`, () => ({ provider, operation })),
        outcomes: new Map(),
        input: this.#tokens.cell(`${provider} in`, () => ({ provider, direction: 'input' })),
        output: this.#tokens.cell(`${provider} out`, () => ({ provider, direction: 'output' })),
      };
      byOperation.set(operation, u);
    }
    u.seconds.observe(seconds);
    let cell = u.outcomes.get(outcome);
    if (!cell) {
      cell = this.#upstream.cell(`${provider} ${operation} ${outcome}`, () => ({
        provider,
        operation,
        outcome,
      }));
      u.outcomes.set(outcome, cell);
    }
    cell.value++;
    if (usage?.inputTokens) u.input.value += usage.inputTokens;
    if (usage?.outputTokens) u.output.value += usage.outputTokens;
  }

  jobAttempt(kind: string, outcome: 'done' | 'retry' | 'failed'): void {
    this.#jobAttempts.add(`${kind} ${outcome}`, () => ({ kind, outcome }));
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
