import type { Registry } from 'prom-client';

/**
 * Counters and histograms for the per-request hot path, exposed through prom-client's registry (which
 * formats them) but recorded in plain numbers: prom-client's own `inc()` / `observe()` hash the label
 * object on every call, measured at 1.2–1.7 µs each, several per cent of a refine (ADR 0044). Here a
 * series is looked up once per label set and then costs an add; the label objects are built only when
 * Prometheus scrapes.
 */

type Labels = Record<string, string>;

interface MetricValue {
  labels: Labels;
  value: number;
  metricName?: string;
}

/** What prom-client's Registry reads of a metric (name, help, type and get()). */
interface RegistryMetric {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: string; aggregator: 'sum'; values: MetricValue[] }>;
}

function register(registry: Registry, metric: RegistryMetric): void {
  registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
}

export interface CounterCell {
  readonly labels: Labels;
  value: number;
}

/** A monotonically increasing count per label set. */
export class HotCounter {
  readonly #series = new Map<string, { labels: Labels; value: number }>();

  constructor(registry: Registry, name: string, help: string) {
    register(registry, {
      name,
      help,
      type: 'counter',
      aggregator: 'sum',
      get: async () => ({
        name,
        help,
        type: 'counter',
        aggregator: 'sum',
        values: [...this.#series.values()].map((s) => ({ labels: s.labels, value: s.value })),
      }),
    });
  }

  /** `key` identifies the label set (callers build it cheaply); `labels` is only called the first time. */
  add(key: string, labels: () => Labels, by = 1): void {
    this.cell(key, labels).value += by;
  }

  /** The mutable count of a label set, for callers that keep it and add to it directly. */
  cell(key: string, labels: () => Labels): CounterCell {
    let s = this.#series.get(key);
    if (!s) {
      s = { labels: labels(), value: 0 };
      this.#series.set(key, s);
    }
    return s;
  }
}

/** One label set of a histogram: cumulative buckets are computed at scrape time. */
export class HistogramSeries {
  readonly counts: Float64Array;
  readonly labels: Labels;
  readonly #bounds: readonly number[];
  sum = 0;
  count = 0;

  constructor(labels: Labels, bounds: readonly number[]) {
    this.labels = labels;
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length);
  }

  observe(v: number): void {
    const b = this.#bounds;
    let i = 0;
    while (i < b.length && v > (b[i] as number)) i++;
    if (i < b.length) this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += v;
    this.count++;
  }
}

export class HotHistogram {
  readonly #series = new Map<string, HistogramSeries>();
  readonly bounds: readonly number[];

  constructor(registry: Registry, name: string, help: string, bounds: readonly number[]) {
    this.bounds = bounds;
    register(registry, {
      name,
      help,
      type: 'histogram',
      aggregator: 'sum',
      get: async () => ({ name, help, type: 'histogram', aggregator: 'sum', values: this.#values(name) }),
    });
  }

  /** The series of a label set, made the first time; hold on to it to skip even the lookup. */
  series(key: string, labels: () => Labels): HistogramSeries {
    let s = this.#series.get(key);
    if (!s) {
      s = new HistogramSeries(labels(), this.bounds);
      this.#series.set(key, s);
    }
    return s;
  }

  #values(name: string): MetricValue[] {
    const out: MetricValue[] = [];
    for (const s of this.#series.values()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += s.counts[i] as number;
        out.push({
          metricName: `${name}_bucket`,
          labels: { ...s.labels, le: String(le) },
          value: cumulative,
        });
      });
      out.push({ metricName: `${name}_bucket`, labels: { ...s.labels, le: '+Inf' }, value: s.count });
      out.push({ metricName: `${name}_sum`, labels: s.labels, value: s.sum });
      out.push({ metricName: `${name}_count`, labels: s.labels, value: s.count });
    }
    return out;
  }
}
