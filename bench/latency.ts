import { readFileSync } from 'node:fs';
import { Client } from 'undici';

/**
 * One connection, requests one after another, each timed with hrtime (µs resolution, which autocannon's
 * millisecond histogram lacks). argv: url method body-json headers-json count warmup. Prints JSON.
 */
const [url = '', method = 'GET', body = '', headersJson = '{}', countArg = '3000', warmArg = '500', idsFile] =
  process.argv.slice(2);
// With an ids file, each request replaces {id} in the path with the next id of a shuffled walk through it:
// no id is asked twice until all were, so while the file holds more ids than the run asks for (and than the
// persona cache holds), every read goes to the store.
const ids = idsFile ? shuffled(readFileSync(idsFile, 'utf8').split('\n').filter(Boolean)) : [];
let nextId = 0;

function shuffled(xs: string[]): string[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j] as string, xs[i] as string];
  }
  return xs;
}
const target = new URL(url);
const client = new Client(target.origin, { pipelining: 1 });
const headers = JSON.parse(headersJson) as Record<string, string>;
const count = Number(countArg);
const warmup = Number(warmArg);

async function once(): Promise<number> {
  const t0 = process.hrtime.bigint();
  const path = ids.length
    ? decodeURI(target.pathname).replace('{id}', ids[nextId++ % ids.length] ?? '')
    : target.pathname + target.search;
  const r = await client.request({ method: method as 'GET', path, headers, body: body || undefined });
  await r.body.arrayBuffer();
  if (r.statusCode >= 400) throw new Error(`status ${r.statusCode}`);
  return Number(process.hrtime.bigint() - t0) / 1000;
}

for (let i = 0; i < warmup; i++) await once();
const samples: number[] = [];
let errors = 0;
for (let i = 0; i < count; i++) {
  try {
    samples.push(await once());
  } catch {
    errors++;
  }
}
samples.sort((a, b) => a - b);
const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))] ?? 0;
console.log(JSON.stringify({ p50: pct(50), p90: pct(90), p99: pct(99), count: samples.length, errors }));
await client.close();
