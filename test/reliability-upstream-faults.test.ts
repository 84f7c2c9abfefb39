import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { testConfig } from '../src/config.ts';
import { createKey } from '../src/core/api-keys.ts';
import { createLogger } from '../src/log.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { createServices } from '../src/services.ts';
import { startFakeSunoUpstream } from './helpers/fake-suno-upstream.ts';
import { type Fake, startFake } from './helpers/fake-upstreams.ts';
import { parseEvents } from './helpers/refine-fixtures.ts';
import { collectGarbage, handleCounts, recordFigures } from './helpers/reliability.ts';
import { clipBody } from './helpers/suno.ts';

/**
 * Issue 7.5: every upstream fault (hang, reset, malformed JSON, stream cut halfway, 5xx, 429, slow answer)
 * gets its documented status within PERSONAKIT_UPSTREAM_TIMEOUT_MS, through the real listener, for
 * /v1/refine (JSON and stream) and /suno/generate; and 1,000 such requests leak no socket, timer or memory.
 * Storage plays no part here, so one in-memory SQLite store is enough.
 */

// 600 ms: ten times the `slow` scenario's 60 ms, so a loaded CI machine cannot turn "slow" into "timed out".
const TIMEOUT_MS = 600;
/** "Within the timeout": the budget plus generous slack for a loaded 2-core machine. */
const ANSWERED_WITHIN_MS = TIMEOUT_MS + 1500;
const CONCURRENCY = 16;
const STORM = 1000;

type Expect =
  | { status: number; retryAfter?: string; message?: RegExp }
  /** A stream that started (200) and ended with one `error` event carrying this status. */
  | { status: 200; errorEvent: number; message: RegExp }
  /** A stream that completed with a `done` event. */
  | { status: 200; done: true };

interface Fault {
  name: string;
  path: '/v1/refine' | '/suno/generate';
  /** Picks the fake's behaviour: the refine model, or the Suno title. */
  scenario: string;
  stream?: boolean;
  expect: Expect;
}

const refineFaults: Fault[] = [
  {
    scenario: 'hang',
    expect: { status: 504, message: new RegExp(`^openai did not answer within ${TIMEOUT_MS} ms$`) },
  },
  { scenario: 'reset', expect: { status: 502, message: /^openai could not be reached$/ } },
  { scenario: 'malformed', expect: { status: 502, message: /^openai returned a malformed response/ } },
  { scenario: 'cut', expect: { status: 502, message: /^openai answer broke off before the end$/ } },
  { scenario: '500', expect: { status: 502, message: /^openai failed with HTTP 500/ } },
  { scenario: '429', expect: { status: 429, retryAfter: '7', message: /^openai rate limit reached/ } },
  { scenario: 'slow', expect: { status: 200 } },
  // Headers and part of the answer, then silence: the deadline covers the body too.
  {
    scenario: 'drip',
    expect: { status: 504, message: new RegExp(`^openai did not answer within ${TIMEOUT_MS} ms$`) },
  },
].map((f) => ({ ...f, name: `refine ${f.scenario}`, path: '/v1/refine' as const }));

const streamFaults: Fault[] = [
  {
    scenario: 'hang',
    expect: { status: 504, message: new RegExp(`^openai did not answer within ${TIMEOUT_MS} ms$`) },
  },
  { scenario: 'reset', expect: { status: 502, message: /^openai could not be reached$/ } },
  {
    scenario: 'malformed',
    expect: { status: 200, errorEvent: 502, message: /^openai returned a malformed response/ },
  },
  {
    scenario: 'cut',
    expect: { status: 200, errorEvent: 502, message: /^openai stream broke off before the end$/ },
  },
  { scenario: '500', expect: { status: 502, message: /^openai failed with HTTP 500/ } },
  { scenario: '429', expect: { status: 429, retryAfter: '7', message: /^openai rate limit reached/ } },
  { scenario: 'slow', expect: { status: 200, done: true } },
  {
    scenario: 'drip',
    expect: {
      status: 200,
      errorEvent: 504,
      message: new RegExp(`^openai did not answer within ${TIMEOUT_MS} ms$`),
    },
  },
].map((f) => ({ ...f, name: `refine stream ${f.scenario}`, path: '/v1/refine' as const, stream: true }));

const sunoFaults: Fault[] = [
  {
    scenario: 'hang',
    expect: { status: 504, message: new RegExp(`did not answer within ${TIMEOUT_MS} ms$`) },
  },
  { scenario: 'reset', expect: { status: 502, message: /could not be reached$/ } },
  { scenario: 'bad-json', expect: { status: 502, message: /without a JSON body$/ } },
  { scenario: 'fail-500', expect: { status: 502, message: /failed \(HTTP 500\)$/ } },
  { scenario: 'rate-429', expect: { status: 429, retryAfter: '7', message: /HTTP 429/ } },
  { scenario: 'slow', expect: { status: 200 } },
].map((f) => ({ ...f, name: `suno generate ${f.scenario}`, path: '/suno/generate' as const }));

const faults = [...refineFaults, ...streamFaults, ...sunoFaults];

let fake: Fake;
let suno: Awaited<ReturnType<typeof startFakeSunoUpstream>>;
let server: RunningServer;
let client: Pool;
let auth: Record<string, string>;
let personaId = '';
let musicPersonaId = '';

/** One request; a request with no answer at all fails after twice the bound instead of hanging the suite. */
async function call(method: string, path: string, json: unknown) {
  const started = performance.now();
  try {
    const res = await client.request({
      method: method as 'POST',
      path,
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(json),
      signal: AbortSignal.timeout(2 * ANSWERED_WITHIN_MS),
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text, ms: performance.now() - started };
  } catch (err) {
    if ((err as Error).name !== 'TimeoutError') throw err;
    return { status: 0, headers: {}, text: 'no answer', ms: performance.now() - started };
  }
}

function bodyOf(f: Fault, n: number) {
  if (f.path === '/suno/generate') return { persona_id: musicPersonaId, title: f.scenario, prompt: `p${n}` };
  return {
    provider: 'openai',
    providerApiKey: 'sk-fault',
    personaId,
    content: `fault ${n}`,
    model: `scenario:${f.scenario}`,
    stream: f.stream === true,
  };
}

/**
 * Sends one fault and returns what differs from its documented outcome (empty when all is as documented).
 * `timed`: also require the answer within ANSWERED_WITHIN_MS. The storm leaves it off: 16 requests at a
 * time share one process with the fakes, and on a starved machine (CPU steal passed 40% on this project's
 * VM) queueing, not the server, decides how long each waits; there a request that waited past the
 * deadline is rightly a 504, whatever its upstream did after.
 */
const UNDER_LOAD = 'waited past the deadline under load: 504';

async function check(f: Fault, n: number, timed = true): Promise<string[]> {
  const r = await call('POST', f.path, bodyOf(f, n));
  const problems: string[] = [];
  const e = f.expect;
  const timedOut = !timed && r.ms >= TIMEOUT_MS && (r.status === 504 || /"error":504/.test(r.text));
  if (timedOut && e.status !== 504) return [UNDER_LOAD];
  if (r.status !== e.status) {
    problems.push(`status ${r.status}, expected ${e.status}: ${r.text.slice(0, 200)}`);
    return problems;
  }
  if (timed && r.ms > ANSWERED_WITHIN_MS) problems.push(`answered after ${Math.round(r.ms)} ms`);
  if ('errorEvent' in e || 'done' in e) {
    const events = parseEvents(r.text);
    const last = events.at(-1);
    if ('done' in e && last?.event !== 'done') problems.push(`stream ended with ${last?.event}`);
    if ('errorEvent' in e) {
      // One error event, last, in the /v1 error shape.
      if (last?.event !== 'error' || events.filter((x) => x.event === 'error').length !== 1)
        problems.push(`stream events ${events.map((x) => x.event).join(',')}`);
      if (last?.data.error !== e.errorEvent) problems.push(`error event ${JSON.stringify(last?.data)}`);
      if (!e.message.test(String(last?.data.message))) problems.push(`message ${last?.data.message}`);
    }
    return problems;
  }
  if (e.status === 200) return problems;
  // biome-ignore lint/suspicious/noExplicitAny: error bodies are read by shape
  const body: any = JSON.parse(r.text);
  const message = f.path === '/suno/generate' ? body.msg : body.message;
  const shape = f.path === '/suno/generate' ? ['code', 'error', 'msg'] : ['error', 'message'];
  if (JSON.stringify(Object.keys(body).sort()) !== JSON.stringify(shape))
    problems.push(`error body ${r.text}`);
  if (e.message && !e.message.test(String(message))) problems.push(`message ${message}`);
  if (e.retryAfter !== undefined && r.headers['retry-after'] !== e.retryAfter)
    problems.push(`retry-after ${r.headers['retry-after']}`);
  return problems;
}

/** Runs `count` faults, cycling through the list, CONCURRENCY at a time; returns outcomes per fault. */
async function storm(count: number, offset: number) {
  const outcomes = new Map<
    string,
    { sent: number; asDocumented: number; timedOutUnderLoad: number; problems: string[] }
  >();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      const f = faults[n % faults.length] as Fault;
      const o = outcomes.get(f.name) ?? { sent: 0, asDocumented: 0, timedOutUnderLoad: 0, problems: [] };
      outcomes.set(f.name, o);
      o.sent++;
      const problems = await check(f, offset + n, false);
      if (problems.length === 0) o.asDocumented++;
      else if (problems[0] === UNDER_LOAD) o.timedOutUnderLoad++;
      else o.problems.push(...problems);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return outcomes;
}

/**
 * Closes every keep-alive connection the test made (client -> server, server -> fakes), then waits until
 * the handle counts stop changing, so before/after compare leaks and not connection-pool noise.
 */
async function quiesce() {
  await client.close();
  fake.requests.length = 0;
  suno.received.length = 0;
  // A fake keeps a socket half-open for a moment after we abandon a request it never answered.
  let last = '';
  let stableFor = 0;
  for (let i = 0; i < 100 && stableFor < 6; i++) {
    fake.closeIdle();
    suno.closeIdle();
    await sleep(50);
    const now = JSON.stringify(handleCounts());
    stableFor = now === last ? stableFor + 1 : 0;
    last = now;
  }
  client = new Pool(server.url, { connections: CONCURRENCY });
  collectGarbage();
  return { handles: handleCounts(), ...process.memoryUsage() };
}

before(async () => {
  fake = await startFake('openai');
  suno = await startFakeSunoUpstream();
  const config = testConfig({
    PORT: '0',
    PERSONAKIT_UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
    PERSONAKIT_OPENAI_BASE_URL: `${fake.origin}/v1`,
    PERSONAKIT_SUNO_BASE_URL: suno.url,
    PERSONAKIT_SUNO_API_KEY: 'operator-key',
    PERSONAKIT_RATE_LIMIT: '0',
  });
  const services = await createServices(config, createLogger(config));
  server = await startServer(services);
  client = new Pool(server.url, { connections: CONCURRENCY });
  auth = { authorization: `Bearer ${(await createKey(services.db, 'faults')).key}` };
  const persona = await call('POST', '/v1/personas', { name: 'Faults', attributes: { tone: 'calm' } });
  personaId = JSON.parse(persona.text).id;
  const clip = await call('POST', '/suno/clips', clipBody());
  const clipId = JSON.parse(clip.text).id;
  const mp = await call('POST', '/suno/persona/create/', {
    root_clip_id: clipId,
    name: 'Faults',
    description: '',
    clips: [clipId],
    is_public: false,
  });
  musicPersonaId = JSON.parse(mp.text).id;
  assert.ok(personaId && musicPersonaId, 'fixtures created');
});

after(async () => {
  await client?.close();
  await server?.close();
  await fake?.close();
  await suno?.close();
});

describe('upstream faults get their documented status within the timeout', () => {
  for (const [i, f] of faults.entries()) {
    test(`${f.name} -> ${f.expect.status}${'errorEvent' in f.expect ? ` + error event ${f.expect.errorEvent}` : ''}`, async () => {
      assert.deepEqual(await check(f, i), []);
    });
  }
});

describe('no socket, timer or memory leak across 1,000 faults', () => {
  test(`${STORM} mixed faults at concurrency ${CONCURRENCY}`, async () => {
    // Warm-up: JIT, pools and caches reach their steady size before the baseline is taken.
    await storm(faults.length * 4, 100_000);
    const before = await quiesce();
    const started = performance.now();
    const outcomes = await storm(STORM, 200_000);
    const seconds = (performance.now() - started) / 1000;
    const afterwards = await quiesce();

    const problems = [...outcomes].flatMap(([name, o]) => o.problems.map((p) => `${name}: ${p}`));
    assert.deepEqual(problems.slice(0, 10), [], `${problems.length} faults were not answered as documented`);
    // Sockets: the upstream pools keep a few idle keep-alive connections whose number depends on how
    // requests overlapped (bounded by the concurrency); a leak grows with the request count instead (the
    // storm holds ~45 of each of the 22 faults, 5 of which abandon a silent upstream). Every other handle
    // (deadline timers above all) must be back to its count.
    const { TCPSocketWrap: socketsBefore = 0, ...othersBefore } = before.handles;
    const { TCPSocketWrap: socketsAfter = 0, ...othersAfter } = afterwards.handles;
    assert.ok(
      socketsAfter <= socketsBefore + CONCURRENCY,
      `sockets: ${socketsBefore} before, ${socketsAfter} after`,
    );
    assert.deepEqual(othersAfter, othersBefore);
    const heapGrowth = afterwards.heapUsed - before.heapUsed;
    const rssGrowth = afterwards.rss - before.rss;
    assert.ok(heapGrowth < 8 * 2 ** 20, `heapUsed grew by ${(heapGrowth / 2 ** 20).toFixed(1)} MB`);
    assert.ok(rssGrowth < 48 * 2 ** 20, `RSS grew by ${(rssGrowth / 2 ** 20).toFixed(1)} MB`);

    recordFigures('upstream-faults', {
      timeoutMs: TIMEOUT_MS,
      requests: STORM,
      concurrency: CONCURRENCY,
      seconds: +seconds.toFixed(1),
      outcomes: Object.fromEntries(
        [...outcomes].map(([name, o]) => [
          name,
          `${o.asDocumented}/${o.sent} as documented${o.timedOutUnderLoad ? `, ${o.timedOutUnderLoad} timed out under load` : ''}`,
        ]),
      ),
      handlesBefore: before.handles,
      handlesAfter: afterwards.handles,
      heapUsedMB: [before.heapUsed, afterwards.heapUsed].map((b) => +(b / 2 ** 20).toFixed(1)),
      rssMB: [before.rss, afterwards.rss].map((b) => +(b / 2 ** 20).toFixed(1)),
    });
  });
});
