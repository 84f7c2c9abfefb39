import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { createKey } from '../src/core/api-keys.ts';
import { openDb } from '../src/storage/db.ts';
import { startFakeSunoUpstream } from './helpers/fake-suno-upstream.ts';
import { type Fake, startFake } from './helpers/fake-upstreams.ts';
import { PROBE_PREFIX } from './helpers/memory-probe.ts';
import { parseEvents } from './helpers/refine-fixtures.ts';
import { mb, recordFigures, rssOf } from './helpers/reliability.ts';
import { type ServerProcess, spawnServer } from './helpers/spawn-server.ts';
import { clipBody } from './helpers/suno.ts';

/**
 * Issue 7.8: a bounded soak. Mixed traffic over every surface from the test itself, at concurrency 16,
 * against a real server process on a SQLite file: zero errors, and the server's RSS comes back near where
 * it started. 20 s by default, so that npm test stays fast on two cores (the issue suggests 60 s: run
 * SOAK_SECONDS=60 for that); 20 s at this concurrency is some 15,000-20,000 requests, ample to show a
 * per-request leak, while a slow one needs the longer run.
 */

const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? 20);
const CONCURRENCY = 16;
const SETTLE_MS = 4000;
const MAX_RSS_GROWTH = 60 * 2 ** 20;
/** 16k+ requests in 20 s: a leak of 1 KB per request would exceed this. */
const MAX_HEAP_GROWTH = 16 * 2 ** 20;

const dir = mkdtempSync(join(tmpdir(), 'personakit-soak-'));
let fake: Fake;
let suno: Awaited<ReturnType<typeof startFakeSunoUpstream>>;
let server: ServerProcess | undefined;
const keys: string[] = [];

before(async () => {
  fake = await startFake('openai');
  suno = await startFakeSunoUpstream();
  const url = `sqlite:${join(dir, 'personakit.db')}`;
  const db = await openDb(url);
  for (let w = 0; w < CONCURRENCY; w++) keys.push((await createKey(db, `soak-${w}`)).key);
  await db.close();
  server = await spawnServer({
    DATABASE_URL: url,
    PERSONAKIT_BOOTSTRAP_KEY: 'off',
    PERSONAKIT_RATE_LIMIT: '0',
    PERSONAKIT_OPENAI_BASE_URL: `${fake.origin}/v1`,
    PERSONAKIT_SUNO_BASE_URL: suno.url,
    PERSONAKIT_SUNO_API_KEY: 'operator-key',
    // Test instrumentation only: a full GC and heap figures on SIGUSR2 (see the probe).
    NODE_OPTIONS: `--expose-gc --import ${fileURLToPath(new URL('./helpers/memory-probe.ts', import.meta.url))}`,
  });
});

after(async () => {
  if (server && server.child.exitCode === null && server.child.signalCode === null)
    await server.stop('SIGKILL');
  await fake?.close();
  await suno?.close();
  rmSync(dir, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
type Json = any;

interface Step {
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: (s: State) => string;
  json?: (s: State) => unknown;
  status: number;
  /** Checks the answer beyond its status and keeps what later steps need; returns a problem or nothing. */
  check?: (s: State, body: Json, text: string) => string | undefined;
}

interface State {
  n: number;
  persona: string;
  tavus: string;
  clip: string;
  music: string;
}

const refine = (s: State, provider: string, stream: boolean) => ({
  provider,
  personaId: s.persona,
  content: `soak ${s.n}: hello there, thanks for waiting`,
  ...(provider === 'openai' ? { providerApiKey: 'sk-soak', model: 'gpt-soak', stream } : {}),
});

/** One cycle creates, reads, lists, changes and deletes on every surface, so the store stays small. */
const cycle: Step[] = [
  {
    name: 'v1 create',
    method: 'POST',
    path: () => '/v1/personas',
    json: (s) => ({ name: `Soak ${s.n}`, attributes: { tone: 'warm', formality: 'casual', emoji: 'none' } }),
    status: 200,
    check: (s, b) => {
      s.persona = b.id;
      return undefined;
    },
  },
  {
    name: 'v1 get',
    method: 'GET',
    path: (s) => `/v1/personas/${s.persona}`,
    status: 200,
    check: (s, b) => (b.name === `Soak ${s.n}` ? undefined : `read ${b.name}`),
  },
  { name: 'v1 list', method: 'GET', path: () => '/v1/personas?limit=20', status: 200 },
  {
    name: 'v1 patch',
    method: 'PATCH',
    path: (s) => `/v1/personas/${s.persona}`,
    json: (s) => ({ attributes: { tone: 'calm', formality: 'formal', n: s.n } }),
    status: 200,
  },
  {
    name: 'refine local',
    method: 'POST',
    path: () => '/v1/refine',
    json: (s) => refine(s, 'local', false),
    status: 200,
  },
  {
    name: 'refine openai',
    method: 'POST',
    path: () => '/v1/refine',
    json: (s) => refine(s, 'openai', false),
    status: 200,
    check: (s, b) => (b.response?.includes(`soak ${s.n}:`) ? undefined : `response ${b.response}`),
  },
  {
    name: 'refine openai stream',
    method: 'POST',
    path: () => '/v1/refine',
    json: (s) => refine(s, 'openai', true),
    status: 200,
    check: (_s, _b, text) => {
      const last = parseEvents(text).at(-1);
      return last?.event === 'done' ? undefined : `stream ended with ${last?.event}`;
    },
  },
  { name: 'v1 delete', method: 'DELETE', path: (s) => `/v1/personas/${s.persona}`, status: 204 },
  {
    name: 'v2 create',
    method: 'POST',
    path: () => '/v2/personas',
    json: (s) => ({ persona_name: `Soak ${s.n}`, system_prompt: 'You are patient.', context: 'start' }),
    status: 200,
    check: (s, b) => {
      s.tavus = b.persona_id;
      return undefined;
    },
  },
  {
    name: 'v2 patch',
    method: 'PATCH',
    path: (s) => `/v2/personas/${s.tavus}`,
    json: (s) => [{ op: 'replace', path: '/context', value: `context ${s.n}` }],
    status: 200,
  },
  {
    name: 'v2 get',
    method: 'GET',
    path: (s) => `/v2/personas/${s.tavus}`,
    status: 200,
    check: (s, b) => (b.data?.[0]?.context === `context ${s.n}` ? undefined : `read ${JSON.stringify(b)}`),
  },
  { name: 'v2 list', method: 'GET', path: () => '/v2/personas?limit=20', status: 200 },
  { name: 'v2 delete', method: 'DELETE', path: (s) => `/v2/personas/${s.tavus}`, status: 204 },
  {
    name: 'suno clip',
    method: 'POST',
    path: () => '/suno/clips',
    json: (s) => clipBody({ title: `Soak ${s.n}` }),
    status: 200,
    check: (s, b) => {
      s.clip = b.id;
      return undefined;
    },
  },
  {
    name: 'suno persona',
    method: 'POST',
    path: () => '/suno/persona/create/',
    json: (s) => ({
      root_clip_id: s.clip,
      name: `Soak ${s.n}`,
      description: '',
      clips: [s.clip],
      is_public: false,
    }),
    status: 200,
    check: (s, b) => {
      s.music = b.id;
      return undefined;
    },
  },
  { name: 'suno persona get', method: 'GET', path: (s) => `/suno/persona/${s.music}/`, status: 200 },
  { name: 'suno feed', method: 'GET', path: (s) => `/suno/feed/${s.clip}`, status: 200 },
  {
    name: 'suno generate',
    method: 'POST',
    path: () => '/suno/generate',
    json: (s) => ({ persona_id: s.music, prompt: `[Verse] soak ${s.n}`, title: 'Soak' }),
    status: 200,
  },
  { name: 'suno persona delete', method: 'DELETE', path: (s) => `/suno/persona/${s.music}/`, status: 204 },
  { name: 'suno clip trash', method: 'DELETE', path: (s) => `/suno/clips/${s.clip}`, status: 200 },
];

/**
 * Memory of the server process: VmRSS from /proc, the rest from the probe (after a full GC). V8 grows its
 * young generation under a high allocation rate (here from 32 MB up to its 128 MB ceiling); the pages stay
 * resident after it shrinks again, so RSS is also given net of the young generation's largest growth so far.
 */
interface Memory {
  rss: number;
  heapUsed: number;
  newSpace: number;
  /** RSS minus (largest young generation seen so far - young generation at start). */
  netRss: number;
}

let youngAtStart = -1;
let youngPeak = 0;

async function measure(s: ServerProcess): Promise<Memory> {
  const seen = s.stderr().split(PROBE_PREFIX).length;
  s.child.kill('SIGUSR2');
  for (let i = 0; i < 200 && s.stderr().split(PROBE_PREFIX).length === seen; i++) await sleep(10);
  // Without a new answer the last one would be read again, and a growth check would compare it with itself.
  const line =
    s.stderr().split(PROBE_PREFIX).length > seen ? s.stderr().split(PROBE_PREFIX).at(-1)?.split('\n')[0] : '';
  if (!line)
    throw new Error(`no memory probe answer (server exit ${s.child.exitCode ?? s.child.signalCode})`);
  const probe = JSON.parse(line) as Omit<Memory, 'netRss'>;
  if (youngAtStart < 0) youngAtStart = probe.newSpace;
  youngPeak = Math.max(youngPeak, probe.newSpace);
  const rss = rssOf(s.child.pid ?? 0);
  return { ...probe, rss, netRss: rss - (youngPeak - youngAtStart) };
}

const show = (m: Memory) => ({
  rssMB: mb(m.rss),
  netRssMB: mb(m.netRss),
  heapUsedMB: mb(m.heapUsed),
  youngGenerationMB: mb(m.newSpace),
});

test(`soak: ${SOAK_SECONDS} s of mixed traffic at concurrency ${CONCURRENCY}: zero errors, RSS comes back`, async () => {
  const s = server;
  assert.ok(s);
  const pid = s.child.pid ?? 0;
  const pool = new Pool(s.url, { connections: CONCURRENCY });
  const counts = new Map<string, number>();
  const errors: string[] = [];
  let requests = 0;

  const start = await measure(s);
  const rssSamples: number[] = [];
  const sampler = setInterval(() => {
    if (s.child.exitCode === null && s.child.signalCode === null) rssSamples.push(rssOf(pid));
  }, 500);
  const began = Date.now();
  const deadline = began + SOAK_SECONDS * 1000;
  // Measured at each third of the run: a leak grows from one to the next.
  const thirds: Memory[] = [];
  const probes = [1, 2].map((k) =>
    sleep((SOAK_SECONDS * 1000 * k) / 3).then(async () => {
      thirds[k - 1] = await measure(s);
    }),
  );
  let cycles = 0;

  const worker = async (key: string) => {
    const headers = { authorization: `Bearer ${key}` };
    while (Date.now() < deadline) {
      const state: State = { n: cycles++, persona: '', tavus: '', clip: '', music: '' };
      for (const step of cycle) {
        const json = step.json?.(state);
        requests++;
        counts.set(step.name, (counts.get(step.name) ?? 0) + 1);
        try {
          const res = await pool.request({
            method: step.method,
            path: step.path(state),
            headers: json === undefined ? headers : { ...headers, 'content-type': 'application/json' },
            body: json === undefined ? undefined : JSON.stringify(json),
          });
          const text = await res.body.text();
          if (res.statusCode !== step.status) {
            errors.push(`${step.name}: ${res.statusCode} ${text.slice(0, 200)}`);
            break; // later steps of this cycle depend on this one
          }
          const problem = step.check?.(
            state,
            text && !text.startsWith('event:') ? JSON.parse(text) : {},
            text,
          );
          if (problem) errors.push(`${step.name}: ${problem}`);
        } catch (err) {
          errors.push(`${step.name}: ${(err as Error).message}`);
          break;
        }
      }
    }
  };
  try {
    await Promise.all(keys.map(worker));
    await Promise.all(probes);
    thirds[2] = await measure(s);
  } finally {
    // Also when the server died: no interval or socket may keep this file's process alive.
    clearInterval(sampler);
    await pool.destroy();
  }
  const seconds = (Date.now() - began) / 1000;
  assert.equal(
    s.child.exitCode ?? s.child.signalCode,
    null,
    `the server exited:\n${s.stderr().slice(-2000)}`,
  );

  // Idle: keep-alive sockets close and buffers are freed.
  await sleep(SETTLE_MS);
  const end = await measure(s);

  recordFigures('soak', {
    seconds: +seconds.toFixed(1),
    concurrency: CONCURRENCY,
    requests,
    cycles,
    requestsPerSecond: Math.round(requests / seconds),
    errors: errors.length,
    byStep: Object.fromEntries(counts),
    memory: {
      start: show(start),
      byThird: thirds.map(show),
      afterSettle: show(end),
      peakRssMB: mb(Math.max(...rssSamples)),
    },
  });

  assert.deepEqual(errors.slice(0, 10), [], `${errors.length} of ${requests} requests failed`);
  assert.ok(cycles >= CONCURRENCY, `only ${cycles} cycles ran`);
  // Back near the start once idle, net of the young generation V8 sized to its ceiling (bounded by V8,
  // not by traffic; the raw figures are recorded too).
  assert.ok(
    end.netRss < start.netRss + MAX_RSS_GROWTH,
    `RSS ${mb(start.rss)} MB at start, ${mb(end.rss)} MB after settling, ${mb(end.netRss)} MB net of ` +
      `${mb(youngPeak - youngAtStart)} MB young-generation growth (bound +${mb(MAX_RSS_GROWTH)} MB)`,
  );
  // What a leak leaves behind: live objects after a full GC, and memory growing from third to third.
  assert.ok(
    end.heapUsed < start.heapUsed + MAX_HEAP_GROWTH,
    `heap in use after GC: ${mb(start.heapUsed)} MB at start, ${mb(end.heapUsed)} MB after`,
  );
  const [, second, last] = thirds;
  assert.ok(second && last);
  assert.ok(
    last.heapUsed < second.heapUsed + MAX_HEAP_GROWTH / 2 && last.netRss < second.netRss + MAX_RSS_GROWTH / 2,
    `memory keeps growing from third to third: ${JSON.stringify(thirds.map(show))}`,
  );
  assert.equal(await s.stop('SIGTERM'), 0);
});
