import { cpuMs, root, runJson } from './processes.ts';

export interface LoadSpec {
  url: string;
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
  connections: number;
  /** The server's process: its CPU time per request is measured too. */
  pid?: number | undefined;
}

export interface Throughput {
  rps: number;
  p50ms: number;
  p99ms: number;
  errors: number;
  non2xx: number;
  /** The server process's CPU time per request (user + system), when its pid was given. */
  cpuUsPerReq?: number;
}

interface AutocannonJson {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  non2xx: number;
}

const autocannon = `${root}node_modules/autocannon/autocannon.js`;

async function cannon(spec: LoadSpec, seconds: number): Promise<Throughput> {
  const args = [
    autocannon,
    '--json',
    '-c',
    String(spec.connections),
    '-d',
    String(seconds),
    '-m',
    spec.method ?? 'GET',
  ];
  for (const [k, v] of Object.entries(spec.headers ?? {})) args.push('-H', `${k}=${v}`);
  if (spec.body) args.push('-b', spec.body);
  args.push(spec.url);
  const cpu0 = cpuMs(spec.pid);
  const r = await runJson<AutocannonJson>(args);
  const cpu = cpuMs(spec.pid) - cpu0;
  return {
    ...(spec.pid && r.requests.total > 0 ? { cpuUsPerReq: (cpu * 1000) / r.requests.total } : {}),
    rps: r.requests.average,
    p50ms: r.latency.p50,
    p99ms: r.latency.p99,
    errors: r.errors,
    non2xx: r.non2xx,
  };
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

/** Fixed warm-up, then `runs` measured runs from a second process; the median run by throughput. */
export async function throughput(
  spec: LoadSpec,
  opts = { warmup: 2, seconds: 5, runs: 3 },
): Promise<Throughput> {
  await cannon(spec, opts.warmup);
  const runs: Throughput[] = [];
  for (let i = 0; i < opts.runs; i++) runs.push(await cannon(spec, opts.seconds));
  return medianRun(runs);
}

/**
 * Several targets measured side by side: each is warmed up, then the measured runs go round-robin (a, b,
 * c, a, b, c, ...), so a slow spell of a shared machine falls on every target alike instead of on
 * whichever happened to run then; each target's figure is its median run. Ratios between targets of one
 * call are what the targets are judged on.
 */
export async function sideBySide<K extends string>(
  specs: Record<K, LoadSpec>,
  opts = { warmup: 2, seconds: 5, runs: 3 },
): Promise<Record<K, Throughput>> {
  const keys = Object.keys(specs) as K[];
  for (const k of keys) await cannon(specs[k], opts.warmup);
  const runs = Object.fromEntries(keys.map((k) => [k, [] as Throughput[]])) as Record<K, Throughput[]>;
  for (let i = 0; i < opts.runs; i++)
    for (const k of keys) runs[k].push(await cannon(specs[k], opts.seconds));
  return Object.fromEntries(keys.map((k) => [k, medianRun(runs[k])])) as Record<K, Throughput>;
}

function medianRun(runs: Throughput[]): Throughput {
  const sorted = [...runs].sort((a, b) => a.rps - b.rps);
  const mid = sorted[Math.floor(sorted.length / 2)];
  if (!mid) throw new Error('no runs');
  const cpu = runs.map((r) => r.cpuUsPerReq).filter((c): c is number => c !== undefined);
  return {
    ...mid,
    ...(cpu.length ? { cpuUsPerReq: median(cpu) } : {}),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
  };
}

export interface Latency {
  p50: number;
  p90: number;
  p99: number;
  count: number;
  errors: number;
}

/**
 * Latency of several targets, measured round-robin (a, b, c, a, b, c, ...) like sideBySide(), so a slow
 * spell of a shared machine falls on all of them alike; each percentile is the median of its runs.
 */
export async function latencySideBySide<K extends string>(
  specs: Record<K, (Omit<LoadSpec, 'connections'> & { idsFile?: string; count?: number }) | null>,
  count = 3000,
  runs = 3,
): Promise<Record<K, Latency | null>> {
  const keys = Object.keys(specs) as K[];
  const all = Object.fromEntries(keys.map((k) => [k, [] as Latency[]])) as Record<K, Latency[]>;
  for (let i = 0; i < runs; i++) {
    for (const k of keys) {
      const spec = specs[k];
      if (spec) all[k].push(await latency(spec, spec.count ?? count, 1));
    }
  }
  return Object.fromEntries(keys.map((k) => [k, all[k].length ? combine(all[k]) : null])) as Record<
    K,
    Latency | null
  >;
}

function combine(results: Latency[]): Latency {
  return {
    p50: median(results.map((r) => r.p50)),
    p90: median(results.map((r) => r.p90)),
    p99: median(results.map((r) => r.p99)),
    count: results.reduce((n, r) => n + r.count, 0),
    errors: results.reduce((n, r) => n + r.errors, 0),
  };
}

/** One connection, sequential requests, microsecond timings; the median of `runs` runs per percentile. */
export async function latency(
  spec: Omit<LoadSpec, 'connections'> & { idsFile?: string },
  count = 3000,
  runs = 3,
): Promise<Latency> {
  const results: Latency[] = [];
  for (let i = 0; i < runs; i++) {
    results.push(
      await runJson<Latency>([
        `${root}bench/latency.ts`,
        spec.url,
        spec.method ?? 'GET',
        spec.body ?? '',
        JSON.stringify(spec.headers ?? {}),
        String(count),
        '500',
        ...(spec.idsFile ? [spec.idsFile] : []),
      ]),
    );
  }
  return combine(results);
}
