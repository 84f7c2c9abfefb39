import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { sideBySide, type Throughput } from './lib/load.ts';
import { httpOk, type Proc, root, start } from './lib/processes.ts';

/**
 * Issue 16's performance check, before and after persona versions, side by side on one machine:
 * BENCH_BASELINE_DIR is a built checkout of the commit before (e.g. `git archive <commit> | tar -x -C
 * DIR`, node_modules linked, `node scripts/build.mjs`); this checkout is "after". Both servers run at
 * once and the load alternates between them (lib/load.ts sideBySide), so a slow spell of a shared machine
 * falls on both alike. Workloads: GET /v1/personas/{id}, refine with the local engine (unpinned, and
 * pinned to an older version after), POST /v1/personas on SQLite and on PostgreSQL (the version row goes
 * into the insert batch's transaction).
 *
 *   BENCH_BASELINE_DIR=/tmp/pk-base node bench/versions.ts
 */
const baseline = process.env.BENCH_BASELINE_DIR;
if (!baseline) throw new Error('set BENCH_BASELINE_DIR to a built checkout of the commit before');
const quick = process.env.BENCH_QUICK === '1';
const runOpts = quick
  ? { warmup: 1, seconds: 1, runs: 1 }
  : { warmup: 2, seconds: Number(process.env.BENCH_SECONDS ?? 4), runs: Number(process.env.BENCH_RUNS ?? 5) };
const pgUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const work = mkdtempSync(join(tmpdir(), 'personakit-bench-versions-'));
const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

type Server = Proc & { key: string; base: string };

async function serve(checkout: string, env: Record<string, string>): Promise<Server> {
  const p = await start(
    [join(checkout, 'bin/personakit.js'), 'serve'],
    { HOST: '127.0.0.1', PERSONAKIT_RATE_LIMIT: '1000000000', LOG_LEVEL: 'warn', ...env },
    (port) => httpOk(`http://127.0.0.1:${port}/readyz`),
  );
  const key = /pk_[A-Za-z0-9_-]{32}/.exec(p.stderr())?.[0] ?? '';
  return { ...p, key, base: `http://127.0.0.1:${p.port}` };
}

const headers = (s: Server) => ({ authorization: `Bearer ${s.key}`, 'content-type': 'application/json' });

async function call(s: Server, method: string, path: string, body: unknown) {
  const r = await fetch(`${s.base}${path}`, { method, headers: headers(s), body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return (await r.json()) as { id: string };
}

const attributes = { tone: 'warm', formality: 'casual', emoji: 'none', exclamations: 'none' };
const content =
  'Thanks for reaching out! We are going to look into your order right away and we will let you know. '
    .repeat(21)
    .slice(0, 2048);
const createBody = JSON.stringify({ name: 'Bench', attributes: { tone: 'warm', formality: 'casual' } });

const fmt = (t: Throughput) => `${Math.round(t.rps).toLocaleString('en-US')} req/s`;
const cpu = (t: Throughput) => (t.cpuUsPerReq === undefined ? '?' : `${t.cpuUsPerReq.toFixed(1)} µs`);
const ratio = (a: Throughput, b: Throughput) => (a.rps / b.rps).toFixed(3);

async function reads(): Promise<string[]> {
  const servers = {
    before: await serve(baseline as string, { DATABASE_URL: `sqlite:${join(work, 'before.db')}` }),
    after: await serve(root, { DATABASE_URL: `sqlite:${join(work, 'after.db')}` }),
  };
  try {
    const ids: Record<string, string> = {};
    for (const [k, s] of Object.entries(servers)) {
      ids[k] = (await call(s, 'POST', '/v1/personas', { name: 'Bench', attributes })).id;
      // A history on both (the "after" persona is at version 3), so pinned and unpinned read the same store.
      for (const tone of ['dry', 'warm'])
        await call(s, 'PATCH', `/v1/personas/${ids[k]}`, { attributes: { ...attributes, tone } });
    }
    const get = (k: 'before' | 'after') => ({
      url: `${servers[k].base}/v1/personas/${ids[k]}`,
      headers: headers(servers[k]),
      connections: 32,
      pid: servers[k].child.pid,
    });
    const refine = (k: 'before' | 'after', personaVersion?: number) => ({
      url: `${servers[k].base}/v1/refine`,
      method: 'POST' as const,
      body: JSON.stringify({ provider: 'local', personaId: ids[k], content, personaVersion }),
      headers: headers(servers[k]),
      connections: 32,
      pid: servers[k].child.pid,
    });
    log('GET and refine, before and after');
    const t = await sideBySide(
      {
        getBefore: get('before'),
        getAfter: get('after'),
        refineBefore: refine('before'),
        refineAfter: refine('after'),
        refinePinned: refine('after', 1),
      },
      runOpts,
    );
    for (const [k, v] of Object.entries(t)) if (v.errors || v.non2xx) throw new Error(`${k}: errors`);
    return [
      `| GET /v1/personas/{id} x32 | ${fmt(t.getBefore)} | ${fmt(t.getAfter)} | ${ratio(t.getAfter, t.getBefore)} | ${cpu(t.getBefore)} → ${cpu(t.getAfter)} |`,
      `| refine local 2 KB x32 | ${fmt(t.refineBefore)} | ${fmt(t.refineAfter)} | ${ratio(t.refineAfter, t.refineBefore)} | ${cpu(t.refineBefore)} → ${cpu(t.refineAfter)} |`,
      `| refine local 2 KB x32, pinned to version 1 of 3 (after only) | ${fmt(t.refineBefore)} (unpinned) | ${fmt(t.refinePinned)} | ${ratio(t.refinePinned, t.refineBefore)} | ${cpu(t.refineBefore)} → ${cpu(t.refinePinned)} |`,
    ];
  } finally {
    await servers.before.stop();
    await servers.after.stop();
  }
}

async function creates(backend: 'sqlite' | 'postgres'): Promise<string | null> {
  const schemas = { before: `bench_vb_${process.pid}`, after: `bench_va_${process.pid}` };
  const urlFor = (k: 'before' | 'after') => {
    if (backend === 'sqlite') return `sqlite:${join(work, `create-${k}.db`)}`;
    const url = new URL(pgUrl);
    url.searchParams.set('options', `-c search_path=${schemas[k]}`);
    return url.toString();
  };
  const admin = backend === 'postgres' ? new pg.Client({ connectionString: pgUrl }) : null;
  if (admin) {
    try {
      await admin.connect();
      for (const s of Object.values(schemas)) await admin.query(`CREATE SCHEMA ${s}`);
    } catch {
      log('PostgreSQL not reachable: its figures not reported');
      return null;
    }
  }
  const servers = {
    before: await serve(baseline as string, { DATABASE_URL: urlFor('before') }),
    after: await serve(root, { DATABASE_URL: urlFor('after') }),
  };
  try {
    log(`POST personas on ${backend}, before and after`);
    const spec = (k: 'before' | 'after') => ({
      url: `${servers[k].base}/v1/personas`,
      method: 'POST' as const,
      body: createBody,
      headers: headers(servers[k]),
      connections: 32,
      pid: servers[k].child.pid,
    });
    const t = await sideBySide({ before: spec('before'), after: spec('after') }, runOpts);
    for (const [k, v] of Object.entries(t)) if (v.errors || v.non2xx) throw new Error(`${k}: errors`);
    return `| POST /v1/personas x32, ${backend === 'sqlite' ? 'SQLite' : 'PostgreSQL'} | ${fmt(t.before)} | ${fmt(t.after)} | ${ratio(t.after, t.before)} | ${cpu(t.before)} → ${cpu(t.after)} |`;
  } finally {
    await servers.before.stop();
    await servers.after.stop();
    if (admin) {
      for (const s of Object.values(schemas)) await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      await admin.end();
    }
  }
}

async function main() {
  const rows = [
    '| workload | before | after | after / before | server CPU per request |',
    '| --- | ---: | ---: | ---: | --- |',
    ...(await reads()),
  ];
  for (const backend of ['sqlite', 'postgres'] as const) {
    const row = await creates(backend);
    if (row) rows.push(row);
  }
  process.stdout.write(`${rows.join('\n')}\n`);
  rmSync(work, { recursive: true, force: true });
}

await main();
