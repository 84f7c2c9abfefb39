import { Pool } from 'undici';

/**
 * N concurrent streaming requests at once; measures time to first body byte and whole-stream time per
 * request, and errors. argv: url body-json headers-json concurrency. Prints JSON.
 */
const [url = '', body = '', headersJson = '{}', concurrencyArg = '1000'] = process.argv.slice(2);
const target = new URL(url);
const concurrency = Number(concurrencyArg);
const pool = new Pool(target.origin, {
  connections: concurrency,
  pipelining: 1,
  headersTimeout: 60_000,
  bodyTimeout: 60_000,
});
const headers = JSON.parse(headersJson) as Record<string, string>;

async function one(): Promise<{ ttfb: number; total: number; bytes: number }> {
  const t0 = process.hrtime.bigint();
  const r = await pool.request({ method: 'POST', path: target.pathname, headers, body });
  let ttfb = -1;
  let bytes = 0;
  for await (const chunk of r.body) {
    if (ttfb < 0) ttfb = Number(process.hrtime.bigint() - t0) / 1000;
    bytes += (chunk as Buffer).length;
  }
  if (r.statusCode !== 200) throw new Error(`status ${r.statusCode}`);
  return { ttfb, total: Number(process.hrtime.bigint() - t0) / 1000, bytes };
}

async function round() {
  const results = await Promise.allSettled(Array.from({ length: concurrency }, one));
  const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  return { ok, errors: results.length - ok.length, firstError: results.find((r) => r.status === 'rejected') };
}

await round(); // warm-up: connections open, JIT warm
const { ok, errors, firstError } = await round();
const ttfb = ok.map((r) => r.ttfb).sort((a, b) => a - b);
const total = ok.map((r) => r.total).sort((a, b) => a - b);
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
console.log(
  JSON.stringify({
    streams: concurrency,
    errors,
    firstError: firstError && firstError.status === 'rejected' ? String(firstError.reason) : undefined,
    ttfbP50: pct(ttfb, 50),
    ttfbP99: pct(ttfb, 99),
    totalP50: pct(total, 50),
    bytesP50: pct(
      ok.map((r) => r.bytes).sort((a, b) => a - b),
      50,
    ),
  }),
);
await pool.close();
