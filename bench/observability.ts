import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { sideBySide, type Throughput } from './lib/load.ts';
import { httpOk, type Proc, start } from './lib/processes.ts';
import type { Row } from './lib/report.ts';

/**
 * The cost of observability on the hot path (issue 17): the same refine against three personakit
 * processes measured round-robin: metrics off, metrics on (scraped every second, as Prometheus would,
 * more often than usual), and traces on (exported to a local OTLP sink that drops them). Target: metrics
 * cost under 3% of refine throughput.
 */

const TOKEN = 'bench-metrics-token-000000';

interface Options {
  bin: string;
  work: string;
  mockUrl: string;
  runOpts: { warmup: number; seconds: number; runs: number };
  log(s: string): void;
}

async function personakit(bin: string, env: Record<string, string>): Promise<Proc & { key: string }> {
  const p = await start(
    [bin, 'serve'],
    { HOST: '127.0.0.1', PERSONAKIT_RATE_LIMIT: '1000000000', ...env },
    (port) => httpOk(`http://127.0.0.1:${port}/readyz`),
  );
  const key = /pk_[A-Za-z0-9_-]{32}/.exec(p.stderr())?.[0] ?? '';
  return { ...p, key };
}

async function refineBody(base: string, key: string): Promise<string> {
  const r = await fetch(`${base}/v1/personas`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Observed', attributes: { tone: 'warm', emoji: 'none', max_words: 120 } }),
  });
  const { id } = (await r.json()) as { id: string };
  return JSON.stringify({
    provider: 'openai',
    providerApiKey: 'sk-bench',
    personaId: id,
    content: 'Your order has shipped and will arrive in 3 days.',
  });
}

/**
 * What metrics add to one refine, measured in process (steady where the throughput comparison is not: on
 * 2 shared cores the round-robin ratio of three servers moves by ±10% between runs): one request series,
 * one provider-call series with tokens, and the call wrapper, against the same wrapper with metrics off.
 */
async function metricsNsPerRefine(): Promise<number> {
  const { Metrics } = await import('../src/observability/metrics.ts');
  const { upstreamCall } = await import('../src/observability/upstream.ts');
  const m = new Metrics({});
  const done = Promise.resolve({ usage: { inputTokens: 11, outputTokens: 7 } });
  const time = async (s: Parameters<typeof upstreamCall>[0], record: boolean) => {
    const n = 200_000;
    const t = performance.now();
    for (let i = 0; i < n; i++) {
      await upstreamCall(
        s,
        'openai',
        'gpt',
        'complete',
        () => done,
        (c) => c.usage,
      );
      if (record) m.request('POST', '/v1/refine', 200, 0.0012);
    }
    return ((performance.now() - t) * 1e6) / n;
  };
  await time({ metrics: m, tracing: null }, true); // warm-up
  const on = await time({ metrics: m, tracing: null }, true);
  const off = await time({ metrics: null, tracing: null }, false);
  return on - off;
}

export async function observabilityCost(o: Options): Promise<Row[]> {
  const perRefineNs = await metricsNsPerRefine();
  const sink = createServer((req, res) => {
    req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
  const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  const common = { PERSONAKIT_OPENAI_BASE_URL: `${o.mockUrl}/v1`, LOG_LEVEL: 'info' };
  const off = await personakit(o.bin, { ...common, DATABASE_URL: `sqlite:${join(o.work, 'obs-off.db')}` });
  const metrics = await personakit(o.bin, {
    ...common,
    DATABASE_URL: `sqlite:${join(o.work, 'obs-metrics.db')}`,
    PERSONAKIT_METRICS_TOKEN: TOKEN,
  });
  const traces = await personakit(o.bin, {
    ...common,
    DATABASE_URL: `sqlite:${join(o.work, 'obs-traces.db')}`,
    OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
  });
  const procs = { off, metrics, traces };
  const specs = Object.fromEntries(
    await Promise.all(
      Object.entries(procs).map(async ([k, p]) => {
        const base = `http://127.0.0.1:${p.port}`;
        const headers = { authorization: `Bearer ${p.key}`, 'content-type': 'application/json' };
        const body = await refineBody(base, p.key);
        return [
          k,
          { url: `${base}/v1/refine`, method: 'POST', body, headers, connections: 32, pid: p.child.pid },
        ];
      }),
    ),
  );
  const metricsBase = `http://127.0.0.1:${metrics.port}/metrics`;
  const scraper = setInterval(() => {
    fetch(metricsBase, { headers: { authorization: `Bearer ${TOKEN}` } })
      .then((r) => r.text())
      .catch(() => {});
  }, 1000);
  o.log('observability: refine JSON x32 with metrics off / on / traces on');
  let t: Record<'off' | 'metrics' | 'traces', Throughput>;
  try {
    t = await sideBySide(specs as Parameters<typeof sideBySide<'off' | 'metrics' | 'traces'>>[0], o.runOpts);
  } finally {
    clearInterval(scraper);
    await Promise.all(Object.values(procs).map((p) => p.stop()));
    sink.close();
  }
  const ratio = (x: Throughput) => x.rps / t.off.rps;
  const cpu = (x: Throughput) =>
    x.cpuUsPerReq !== undefined && t.off.cpuUsPerReq
      ? `, CPU/request ${(x.cpuUsPerReq / t.off.cpuUsPerReq).toFixed(3)}× off`
      : '';
  const clean = (x: Throughput) => x.errors === 0 && x.non2xx === 0;
  // Against the CPU one refine costs the metrics-off server in this same run.
  const refineCpuUs = t.off.cpuUsPerReq;
  const share = refineCpuUs ? perRefineNs / 1000 / refineCpuUs : undefined;
  return [
    {
      workload: 'metrics recording per refine (request + provider call series, in process)',
      figure: perRefineNs,
      unit: 'ns',
      target: '< 3% of gateway CPU per refine',
      ...(share === undefined
        ? {}
        : {
            met: share < 0.03,
            note: `${(share * 100).toFixed(2)}% of the ${refineCpuUs?.toFixed(1)} µs a refine costs`,
          }),
    },
    {
      workload: 'refine JSON x32, metrics and traces off (reference)',
      figure: t.off.rps,
      unit: 'req/s',
    },
    {
      workload: 'refine JSON x32, metrics on (scraped every 1 s)',
      figure: t.metrics.rps,
      unit: 'req/s',
      target: 'reported (round-robin ratio; ±10% run to run on 2 shared cores)',
      met: clean(t.metrics),
      note: `${ratio(t.metrics).toFixed(3)}× off${cpu(t.metrics)}`,
    },
    {
      workload: 'refine JSON x32, traces on (OTLP/HTTP to a local sink)',
      figure: t.traces.rps,
      unit: 'req/s',
      target: 'reported',
      note: `${ratio(t.traces).toFixed(3)}× off${cpu(t.traces)}`,
    },
  ];
}
