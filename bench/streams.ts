import { Pool } from 'undici';

/**
 * Steady-state streaming load: `concurrency` clients each open a stream, read it to the end and open the
 * next, for `seconds`; clients start spread over the first stream's length, so the server always holds
 * about `concurrency` open streams (as in production) rather than one burst of simultaneous starts.
 * Records time to first body byte and errors of streams started after the ramp. argv: url body-json
 * headers-json concurrency seconds. Prints JSON.
 */
const [url = '', body = '', headersJson = '{}', concurrencyArg = '1000', secondsArg = '6', rampArg = '1500'] =
  process.argv.slice(2);
const target = new URL(url);
const concurrency = Number(concurrencyArg);
const seconds = Number(secondsArg);
const rampMs = Number(rampArg);
const pool = new Pool(target.origin, {
  connections: concurrency,
  pipelining: 1,
  headersTimeout: 60_000,
  bodyTimeout: 60_000,
});
const headers = JSON.parse(headersJson) as Record<string, string>;

const ttfb: number[] = [];
let errors = 0;
let streams = 0;
let firstError: string | undefined;
const started = performance.now();
const measureFrom = started + rampMs;
const stopAt = started + seconds * 1000;

async function one(): Promise<void> {
  const t0 = performance.now();
  const measured = t0 >= measureFrom;
  try {
    const r = await pool.request({ method: 'POST', path: target.pathname, headers, body });
    let first = -1;
    for await (const _chunk of r.body) if (first < 0) first = performance.now() - t0;
    if (r.statusCode !== 200) throw new Error(`status ${r.statusCode}`);
    if (measured) {
      ttfb.push(first * 1000);
      streams++;
    }
  } catch (err) {
    if (measured || !firstError) firstError ??= String(err);
    if (measured) errors++;
  }
}

async function worker(delay: number): Promise<void> {
  await new Promise((r) => setTimeout(r, delay));
  while (performance.now() < stopAt) await one();
}

await Promise.all(Array.from({ length: concurrency }, (_, i) => worker((i / concurrency) * rampMs)));
ttfb.sort((a, b) => a - b);
const pct = (p: number) => ttfb[Math.min(ttfb.length - 1, Math.floor((p / 100) * ttfb.length))] ?? 0;
console.log(JSON.stringify({ concurrency, streams, errors, firstError, ttfbP50: pct(50), ttfbP99: pct(99) }));
await pool.close();
