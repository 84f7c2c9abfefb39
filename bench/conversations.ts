import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import WebSocket from 'ws';
import { createKey } from '../src/core/api-keys.ts';
import { openDb } from '../src/storage/db.ts';
import { httpOk, type Proc, root, rssMb, start } from './lib/processes.ts';
import { replaceResultsSection } from './lib/report.ts';

/**
 * BENCH_CONVERSATIONS=1 (or `node bench/conversations.ts`): issue 15's load. N conversations (200) held
 * open at once, each a WebSocket client sending a `conversation.respond` every second for the run, the
 * answers streamed by the operator's default LLM pointed at the mock upstream (streaming, MOCK_CHUNKS
 * chunks MOCK_CHUNK_DELAY_MS apart). Measured from the clients:
 * - errors: a `system.error` event, a socket error or early close, a respond refused, or a turn with no
 *   final replica utterance by the end of the run;
 * - event delivery: the time from an event's `timestamp` (taken by the server as it appends the event)
 *   to its arrival at the client — all of it added by personakit (append, wake, read, send);
 * - respond → first `conversation.utterance.streaming` of that turn, side by side with the mock
 *   upstream's own time to first byte for the same streaming request: measured alone first (N clients,
 *   one request a second each), and again during the load by PROBES clients sending it straight to the
 *   mock from the same process as the conversation clients. The difference from the second is what
 *   personakit adds (the mock's and the clients' share of the busier machine is in both figures); the
 *   difference from the first is reported beside it;
 * - the server's RSS, sampled every 250 ms (peak and at the end).
 * BENCH_QUICK=1 runs 20 conversations for 5 s (a smoke run; not representative).
 */

const quick = process.env.BENCH_QUICK === '1';
const N = Number(process.env.BENCH_CONVERSATIONS_N ?? (quick ? 20 : 200));
const SECONDS = Number(process.env.BENCH_CONVERSATIONS_SECONDS ?? (quick ? 5 : 30));
const MOCK_CHUNKS = '20';
const MOCK_CHUNK_DELAY_MS = '5';
/** Clients probing the mock's first byte during the conversation load (one streaming request a second). */
const PROBES = Math.max(1, Math.round(N / 10));
export const SECTION = '## Conversations (issue 15)';

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `users` virtual users, each sending one streaming request a second straight to the mock: its TTFB in ms. */
async function mockFirstByte(
  mockUrl: string,
  seconds: number,
  users = N,
): Promise<{ ttfb: number[]; errors: number }> {
  const pool = new Pool(mockUrl, { connections: users, pipelining: 1 });
  const body = JSON.stringify({
    model: 'gpt-4o-mini',
    stream: true,
    messages: [
      { role: 'system', content: 'You are Friendly Support.' },
      { role: 'user', content: 'When does my parcel arrive?' },
    ],
  });
  const ttfb: number[] = [];
  let errors = 0;
  const user = async (offset: number) => {
    await sleep(offset);
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      const next = Date.now() + 1000;
      const t0 = performance.now();
      try {
        const res = await pool.request({
          path: '/v1/chat/completions',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        let first = true;
        for await (const _ of res.body) {
          if (first) ttfb.push(performance.now() - t0);
          first = false;
        }
        if (res.statusCode !== 200) errors++;
      } catch {
        errors++;
      }
      await sleep(Math.max(0, next - Date.now()));
    }
  };
  await Promise.all(Array.from({ length: users }, (_, i) => user((i * 1000) / users)));
  await pool.close();
  return { ttfb, errors };
}

interface Envelope {
  event_type: string;
  timestamp?: number;
  turn_idx?: number;
  properties?: Record<string, unknown>;
}

interface ConversationLoad {
  delivery: number[];
  firstStreamed: number[];
  responds: number;
  answered: number;
  errors: number;
  firstError?: string;
}

/** N sockets, one respond a second each; collects what the clients saw. */
async function conversationLoad(
  wsBase: string,
  key: string,
  ids: string[],
  seconds: number,
): Promise<ConversationLoad> {
  const out: ConversationLoad = { delivery: [], firstStreamed: [], responds: 0, answered: 0, errors: 0 };
  const fail = (why: string) => {
    out.errors++;
    out.firstError ??= why;
  };
  const client = async (id: string, offset: number) => {
    const ws = new WebSocket(`${wsBase}/v2/conversations/${id}/ws`, { headers: { 'x-api-key': key } });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const sentAt = new Map<number, number>();
    const streamedTurns = new Set<number>();
    const answeredTurns = new Set<number>();
    let turn = 0;
    let done = false;
    ws.on('message', (data) => {
      const now = Date.now();
      const perfNow = performance.now();
      const e = JSON.parse(String(data)) as Envelope;
      if (typeof e.timestamp === 'number') out.delivery.push(now - e.timestamp * 1000);
      const t = e.turn_idx ?? 0;
      if (e.event_type === 'conversation.utterance.streaming' && !streamedTurns.has(t)) {
        streamedTurns.add(t);
        const sent = sentAt.get(t);
        if (sent !== undefined) out.firstStreamed.push(perfNow - sent);
      }
      if (e.event_type === 'conversation.utterance' && e.properties?.role === 'replica' && t > 0) {
        answeredTurns.add(t);
      }
      if (e.event_type === 'system.error') fail(`system.error: ${String(e.properties?.message)}`);
    });
    ws.on('error', (err) => fail(`socket error: ${err.message}`));
    ws.on('close', (code) => {
      if (!done) fail(`socket closed early (${code})`);
    });
    await sleep(offset);
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      const next = Date.now() + 1000;
      turn++;
      sentAt.set(turn, performance.now());
      out.responds++;
      ws.send(
        JSON.stringify({
          message_type: 'conversation',
          event_type: 'conversation.respond',
          conversation_id: id,
          properties: { text: `Question ${turn}: when does my parcel arrive?` },
        }),
      );
      await sleep(Math.max(0, next - Date.now()));
    }
    // The last answer has a second to arrive.
    for (let i = 0; i < 100 && answeredTurns.size < turn; i++) await sleep(20);
    out.answered += answeredTurns.size;
    if (answeredTurns.size < turn) fail(`${turn - answeredTurns.size} turn(s) unanswered in ${id}`);
    done = true;
    ws.close();
  };
  await Promise.all(ids.map((id, i) => client(id, (i * 1000) / ids.length)));
  return out;
}

export async function conversationsBench(log: (s: string) => void): Promise<string> {
  const load = loadavg()[0] ?? 0;
  const work = mkdtempSync(join(tmpdir(), 'personakit-conv-bench-'));
  const procs: Proc[] = [];
  try {
    const file = join(work, 'conv.db');
    const db = await openDb(`sqlite:${file}`);
    const { key } = await createKey(db, 'bench');
    await db.close();
    const mock = await start(
      [`${root}bench/mock-upstream.ts`],
      { MOCK_CHUNKS, MOCK_CHUNK_DELAY_MS },
      async (_p, out) => out().includes('port'),
    );
    procs.push(mock);
    const mockUrl = `http://127.0.0.1:${mock.port}`;
    const pk = await start(
      [`${root}bin/personakit.js`, 'serve'],
      {
        HOST: '127.0.0.1',
        DATABASE_URL: `sqlite:${file}`,
        PERSONAKIT_BOOTSTRAP_KEY: 'off',
        PERSONAKIT_RATE_LIMIT: '1000000000',
        PERSONAKIT_MAX_ACTIVE_CONVERSATIONS: String(N * 2),
        PERSONAKIT_CHAT_PROVIDER: 'openai',
        PERSONAKIT_CHAT_MODEL: 'gpt-4o-mini',
        PERSONAKIT_OPENAI_BASE_URL: `${mockUrl}/v1`,
        PERSONAKIT_OPENAI_API_KEY: 'sk-bench',
        // PERSONAKIT_UTTERANCE_STREAM_INTERVAL_MS=0: one streamed partial per token (before ADR 0063).
        ...(process.env.PERSONAKIT_UTTERANCE_STREAM_INTERVAL_MS
          ? { PERSONAKIT_UTTERANCE_STREAM_INTERVAL_MS: process.env.PERSONAKIT_UTTERANCE_STREAM_INTERVAL_MS }
          : {}),
        // BENCH_SERVER_NODE_OPTIONS=--cpu-prof…: profile the server alone (not the load clients).
        ...(process.env.BENCH_SERVER_NODE_OPTIONS
          ? { NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS, PERSONAKIT_RUN_SOURCES: '1' }
          : {}),
      },
      (port) => httpOk(`http://127.0.0.1:${port}/readyz`),
    );
    procs.push(pk);
    const base = `http://127.0.0.1:${pk.port}`;
    const auth = { 'x-api-key': key, 'content-type': 'application/json' };
    const post = async (path: string, body: unknown) => {
      const r = await fetch(`${base}${path}`, { method: 'POST', headers: auth, body: JSON.stringify(body) });
      if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      return (await r.json()) as Record<string, string>;
    };
    const persona = await post('/v2/personas', {
      persona_name: 'Friendly Support',
      system_prompt: 'You are Friendly Support.',
    });
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      const c = await post('/v2/conversations', {
        persona_id: persona.persona_id,
        conversation_name: `bench ${i}`,
      });
      ids.push(String(c.conversation_id));
    }
    const rssBefore = rssMb(pk.child.pid);

    log(`conversations: mock upstream alone, ${N} clients x 1 streaming request/s for ${SECONDS} s`);
    const floor = await mockFirstByte(mockUrl, SECONDS);

    log(`conversations: ${N} WebSocket conversations x 1 respond/s for ${SECONDS} s`);
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, rssMb(pk.child.pid));
    }, 250);
    const [run, beside] = await Promise.all([
      conversationLoad(`ws://127.0.0.1:${pk.port}`, key, ids, SECONDS),
      mockFirstByte(mockUrl, SECONDS, PROBES),
    ]);
    clearInterval(sampler);
    const rssAfter = rssMb(pk.child.pid);

    const ms = (n: number) => `${n.toFixed(2)} ms`;
    const firstP50 = pct(run.firstStreamed, 50);
    const mockP50 = pct(floor.ttfb, 50);
    const besideP50 = pct(beside.ttfb, 50);
    const addedFirst = firstP50 - besideP50;
    const deliveryP99 = pct(run.delivery, 99);
    const errors = run.errors + floor.errors + beside.errors;
    const rows = [
      `| errors (system.error, refused or unanswered responds, socket failures) | ${run.errors} of ${run.responds} responds (${run.answered} answered) | mock alone: ${floor.errors} | 0 | ${run.errors === 0 ? 'yes' : `**no** (${run.firstError ?? ''})`} |`,
      `| event delivery (server timestamp → client), p50 / p99 | ${ms(pct(run.delivery, 50))} / ${ms(deliveryP99)} | ${run.delivery.length.toLocaleString('en-US')} events | p99 ≤ 20 ms | ${deliveryP99 <= 20 ? 'yes' : '**no**'} |`,
      `| respond → first streamed utterance, p50 / p99 | ${ms(firstP50)} / ${ms(pct(run.firstStreamed, 99))} | mock's own first byte p50 / p99: during the load ${ms(besideP50)} / ${ms(pct(beside.ttfb, 99))} (${beside.ttfb.length} probes, ${beside.errors} errors); alone before it ${ms(mockP50)} / ${ms(pct(floor.ttfb, 99))} |  |  |`,
      `| respond → first streamed utterance, added by personakit, p50 | ${ms(addedFirst)} | ${ms(firstP50 - mockP50)} over the mock measured alone | ≤ 2 ms | ${addedFirst <= 2 ? 'yes' : '**no**'} |`,
      `| server RSS: idle with ${N} conversations / peak under load / after | ${rssBefore.toFixed(0)} / ${rssPeak.toFixed(0)} / ${rssAfter.toFixed(0)} MiB | — | reported |  |`,
    ];
    if (errors > 0) log(`conversations: ${errors} error(s); first: ${run.firstError ?? 'in the mock run'}`);
    return [
      SECTION,
      '',
      `Run: ${new Date().toISOString()}${quick ? ' (QUICK smoke run, not representative)' : ''}, Node ${process.version}, SQLite store, ` +
        `machine load average at the start ${load.toFixed(1)} on ${cpus().length} cores. ` +
        `${N} conversations open at once, each a WebSocket client (\`ws\`) sending \`conversation.respond\` every second for ${SECONDS} s ` +
        `(starts spread over the first second); the operator's default LLM is the mock upstream, streaming ${MOCK_CHUNKS} chunks ${MOCK_CHUNK_DELAY_MS} ms apart. ` +
        `The mock's own first byte is measured alone first with the same pattern (${N} clients, one streaming request a second, undici pool), and during the load by ${PROBES} more such clients beside the conversations (same process, same machine): "added" is the first utterance's p50 less the mock's p50 during the load. ` +
        'Event delivery is measured from the `timestamp` the server gives each event as it appends it.',
      '',
      '| workload | figure | beside | target | met |',
      '| --- | ---: | --- | --- | --- |',
      ...rows,
      '',
    ].join('\n');
  } finally {
    for (const p of procs.reverse()) await p.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** Replaces (or appends) the conversations section of bench/RESULTS.md. */
export function writeConversationsSection(md: string): void {
  replaceResultsSection(SECTION, md);
}

if (import.meta.main) {
  const md = await conversationsBench((s) => process.stderr.write(`bench: ${s}\n`));
  process.stdout.write(`${md}\n`);
  if (!quick && process.env.BENCH_WRITE !== '0') writeConversationsSection(md);
}
