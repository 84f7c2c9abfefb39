import { join } from 'node:path';
import { median } from './lib/load.ts';
import { root } from './lib/processes.ts';

/**
 * The versions A/B (issue 16) in one process, for a machine too loaded for the HTTP figures of
 * bench/versions.ts to resolve 5%: the app of the commit before (BENCH_BASELINE_DIR, its sources) and
 * this checkout's are both loaded here, each over its own in-memory SQLite store, and driven through
 * app.request (the Hono path, no sockets) in alternating short rounds, so a slow spell of the machine
 * falls on both alike. Each figure is the median round's µs per request.
 *
 *   BENCH_BASELINE_DIR=/tmp/pk-base node bench/versions-inprocess.ts
 */
const baseline = process.env.BENCH_BASELINE_DIR;
if (!baseline) throw new Error('set BENCH_BASELINE_DIR to a checkout of the commit before');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21);
const PER_ROUND = Number(process.env.BENCH_PER_ROUND ?? 2000);
const CONCURRENCY = 32;

type App = { request(path: string, init?: RequestInit): Promise<Response> | Response };

async function load(dir: string) {
  const { testConfig } = await import(join(dir, 'src/config.ts'));
  const { createServices } = await import(join(dir, 'src/services.ts'));
  const { createLogger } = await import(join(dir, 'src/log.ts'));
  const { createApp } = await import(join(dir, 'src/app.ts'));
  const { createKey } = await import(join(dir, 'src/core/api-keys.ts'));
  const config = testConfig({ PERSONAKIT_RATE_LIMIT: '0' });
  const services = await createServices(config, createLogger(config));
  const app = createApp(services) as App;
  const { key } = await createKey(services.db, 'bench');
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  return { app, headers };
}

const attributes = { tone: 'warm', formality: 'casual', emoji: 'none', exclamations: 'none' };
const content =
  'Thanks for reaching out! We are going to look into your order right away and we will let you know. '
    .repeat(21)
    .slice(0, 2048);

async function json(app: App, headers: Record<string, string>, method: string, path: string, body?: unknown) {
  const r = await app.request(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return (await r.json()) as { id: string };
}

interface Target {
  name: string;
  run: () => Promise<unknown>;
}

/** µs per request of one round: PER_ROUND requests, CONCURRENCY at a time. */
async function round(t: Target): Promise<number> {
  const t0 = performance.now();
  for (let done = 0; done < PER_ROUND; done += CONCURRENCY) {
    await Promise.all(Array.from({ length: CONCURRENCY }, () => t.run()));
  }
  return ((performance.now() - t0) * 1000) / PER_ROUND;
}

async function compare(targets: Target[]): Promise<Map<string, number>> {
  for (const t of targets) await round(t); // warm-up
  const runs = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  // The order flips every round, so neither side always runs right after the other.
  for (let i = 0; i < ROUNDS; i++) {
    const order = i % 2 === 0 ? targets : [...targets].reverse();
    for (const t of order) runs.get(t.name)?.push(await round(t));
  }
  return new Map([...runs].map(([k, v]) => [k, median(v)]));
}

async function main() {
  // BENCH_LOAD_AFTER_FIRST=1 loads this checkout first: a check that the order of loading biases nothing.
  const afterFirst = process.env.BENCH_LOAD_AFTER_FIRST === '1';
  const first = await load(afterFirst ? root : (baseline as string));
  const second = await load(afterFirst ? (baseline as string) : root);
  const [before, after] = afterFirst ? [second, first] : [first, second];
  const ids: Record<string, string> = {};
  for (const [k, s] of Object.entries({ before, after })) {
    ids[k] = (await json(s.app, s.headers, 'POST', '/v1/personas', { name: 'Bench', attributes })).id;
    for (const tone of ['dry', 'warm'])
      await json(s.app, s.headers, 'PATCH', `/v1/personas/${ids[k]}`, {
        attributes: { ...attributes, tone },
      });
  }
  const ok = async (p: Promise<Response> | Response) => {
    const r = await p;
    if (!r.ok) throw new Error(`${r.status} ${await r.text()}`);
    await r.arrayBuffer();
  };
  const get = (k: 'before' | 'after', s: typeof before): Target => ({
    name: `get ${k}`,
    run: () => ok(s.app.request(`/v1/personas/${ids[k]}`, { headers: s.headers })),
  });
  const refine = (k: 'before' | 'after', s: typeof before, personaVersion?: number): Target => {
    const body = JSON.stringify({ provider: 'local', personaId: ids[k], content, personaVersion });
    return {
      name: `refine ${k}${personaVersion ? ' pinned' : ''}`,
      run: () => ok(s.app.request('/v1/refine', { method: 'POST', headers: s.headers, body })),
    };
  };
  const createBody = JSON.stringify({ name: 'Bench', attributes: { tone: 'warm', formality: 'casual' } });
  const create = (k: 'before' | 'after', s: typeof before): Target => ({
    name: `create ${k}`,
    run: () => ok(s.app.request('/v1/personas', { method: 'POST', headers: s.headers, body: createBody })),
  });
  const part = process.env.BENCH_PART ?? 'all'; // 'reads' | 'writes' | 'all'
  const reads =
    part === 'writes'
      ? new Map<string, number>()
      : await compare([
          get('before', before),
          get('after', after),
          refine('before', before),
          refine('after', after),
          refine('after', after, 1),
        ]);
  const writes =
    part === 'reads'
      ? new Map<string, number>()
      : await compare([create('before', before), create('after', after)]);
  const m = new Map([...reads, ...writes]);
  const us = (k: string) => m.get(k) ?? Number.NaN;
  const row = (label: string, b: string, a: string) =>
    `| ${label} | ${us(b).toFixed(1)} µs | ${us(a).toFixed(1)} µs | ${(us(a) / us(b)).toFixed(3)} |`;
  process.stdout.write(
    `${[
      `In process (app.request, in-memory SQLite), ${ROUNDS} alternating rounds of ${PER_ROUND} requests, ${CONCURRENCY} at a time; median round.`,
      '',
      '| workload | before | after | after / before (time per request) |',
      '| --- | ---: | ---: | ---: |',
      row('GET /v1/personas/{id}', 'get before', 'get after'),
      row('refine local 2 KB', 'refine before', 'refine after'),
      row(
        'refine local 2 KB, pinned to version 1 of 3 (vs unpinned before)',
        'refine before',
        'refine after pinned',
      ),
      row('refine local 2 KB, pinned vs unpinned (both after)', 'refine after', 'refine after pinned'),
      row('POST /v1/personas (with its version row, after)', 'create before', 'create after'),
    ].join('\n')}\n`,
  );
  process.exit(0);
}

await main();
