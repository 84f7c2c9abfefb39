import { Pool } from 'undici';

/**
 * Steady-state streaming load: `concurrency` clients each open a stream, read it to the end and open the
 * next, for `seconds`; clients start spread over the first stream's length, so the server always holds
 * about `concurrency` open streams (as in production) rather than one burst of simultaneous starts.
 * Records time to first body byte and errors of streams started after the ramp. argv: url body-json
 * headers-json concurrency seconds [ramp-ms probe-url probe-body probe-headers probe-concurrency]: with a probe,
 * that many more clients stream straight from probe-url meanwhile (its p50 is printed as probeP50). Prints
 * JSON.
 */
const [
  url = '',
  body = '',
  headersJson = '{}',
  concurrencyArg = '1000',
  secondsArg = '6',
  rampArg = '1500',
  probeUrl,
  probeBody = '',
  probeHeadersJson = '{}',
  probeConcurrencyArg = '10',
] = process.argv.slice(2);
const concurrency = Number(concurrencyArg);
const seconds = Number(secondsArg);
const rampMs = Number(rampArg);
const headers = JSON.parse(headersJson) as Record<string, string>;

const started = performance.now();
const measureFrom = started + rampMs;
const stopAt = started + seconds * 1000;

/** Clients streaming from one target: time to first body byte (µs) of streams started after the ramp. */
class Load {
  readonly ttfb: number[] = [];
  errors = 0;
  streams = 0;
  firstError: string | undefined;
  readonly pool: Pool;
  readonly path: string;
  readonly body: string;
  readonly headers: Record<string, string>;

  constructor(url: string, body: string, headers: Record<string, string>, connections: number) {
    const target = new URL(url);
    this.pool = new Pool(target.origin, {
      connections,
      pipelining: 1,
      headersTimeout: 60_000,
      bodyTimeout: 60_000,
    });
    this.path = target.pathname;
    this.body = body;
    this.headers = headers;
  }

  async one(): Promise<void> {
    const t0 = performance.now();
    const measured = t0 >= measureFrom;
    try {
      const r = await this.pool.request({
        method: 'POST',
        path: this.path,
        headers: this.headers,
        body: this.body,
      });
      let first = -1;
      for await (const _chunk of r.body) if (first < 0) first = performance.now() - t0;
      if (r.statusCode !== 200) throw new Error(`status ${r.statusCode}`);
      if (measured) {
        this.ttfb.push(first * 1000);
        this.streams++;
      }
    } catch (err) {
      if (measured || !this.firstError) this.firstError ??= String(err);
      if (measured) this.errors++;
    }
  }

  run(clients: number): Promise<unknown> {
    const worker = async (delay: number) => {
      await new Promise((r) => setTimeout(r, delay));
      while (performance.now() < stopAt) await this.one();
    };
    return Promise.all(Array.from({ length: clients }, (_, i) => worker((i / clients) * rampMs)));
  }

  pct(p: number): number {
    const xs = [...this.ttfb].sort((a, b) => a - b);
    return xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
  }
}

const main = new Load(url, body, headers, concurrency);
// The probe: a few clients of the same process streaming straight from the upstream during the load, so
// that the upstream's own first byte is measured under the same machine load as the gateway's.
const probeConcurrency = Number(probeConcurrencyArg);
const probe = probeUrl
  ? new Load(probeUrl, probeBody, JSON.parse(probeHeadersJson) as Record<string, string>, probeConcurrency)
  : undefined;
await Promise.all([main.run(concurrency), probe?.run(probeConcurrency)]);
console.log(
  JSON.stringify({
    concurrency,
    streams: main.streams,
    errors: main.errors,
    firstError: main.firstError,
    ttfbP50: main.pct(50),
    ttfbP99: main.pct(99),
    ...(probe && { probeP50: probe.pct(50), probeStreams: probe.streams, probeErrors: probe.errors }),
  }),
);
await Promise.all([main.pool.close(), probe?.pool.close()]);
