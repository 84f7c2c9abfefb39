import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { createApp } from '../src/app.ts';
import { testConfig } from '../src/config.ts';
import { createKey } from '../src/core/api-keys.ts';
import type { Services } from '../src/core/context.ts';
import { UsageRecorder } from '../src/core/usage.ts';
import { createLogger } from '../src/log.ts';
import { createNativeServer } from '../src/server.ts';
import { closeServices, createServices } from '../src/services.ts';
import { type LoadSpec, sideBySide } from './lib/load.ts';
import { root, start } from './lib/processes.ts';

/**
 * The cost of usage recording on refine throughput (issue 17: must stay under 3%). Two personakit
 * servers in this process, each on its own SQLite file, identical but for one thing: one records a usage
 * row per refine (batched writes, as in production), the other's recorder drops them. Loaded one at a
 * time by autocannon from another process, round-robin (sideBySide), through a mock OpenAI upstream and
 * through the local engine; the figure is the throughput ratio. Before them, the recorder's own CPU cost
 * per call. Run: node bench/usage.ts (BENCH_USAGE_MICRO_ONLY=1: the recorder's cost alone)
 */

const work = mkdtempSync(join(tmpdir(), 'pk-bench-usage-'));

async function server(name: string, recording: boolean) {
  const config = testConfig({
    DATABASE_URL: `sqlite:${join(work, `${name}.db`)}`,
    PERSONAKIT_OPENAI_BASE_URL: `http://127.0.0.1:${mock.port}/v1`,
    PERSONAKIT_RATE_LIMIT: '0',
  });
  const services: Services = await createServices(config, createLogger(config));
  if (!recording) services.usage.record = () => {};
  const app = createApp(services);
  const s = serve({
    fetch: app.fetch,
    createServer: createNativeServer(services),
    port: 0,
    hostname: '127.0.0.1',
  });
  await new Promise<void>((resolve) => s.once('listening', () => resolve()));
  const base = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  const { key } = await createKey(services.db, 'bench');
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const r = await fetch(`${base}/v1/personas`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      name: 'Bench',
      attributes: { tone: 'warm', emoji: 'none', exclamations: 'light' },
    }),
  });
  const persona = ((await r.json()) as { id: string }).id;
  return {
    services,
    spec: (provider: 'openai' | 'local'): LoadSpec => ({
      url: `${base}/v1/refine`,
      method: 'POST',
      headers,
      connections: 32,
      pid: process.pid,
      body: JSON.stringify({
        provider,
        ...(provider === 'openai' ? { providerApiKey: 'sk-bench' } : {}),
        personaId: persona,
        content: 'Your order has shipped and will arrive in 3 days!! Thanks, customer.',
      }),
    }),
    close: async () => {
      s.close();
      await closeServices(services);
    },
  };
}

/**
 * The recorder's own cost per call, in one loop on this thread (less exposed to a busy machine than
 * two servers under load): record() a refine's usage 200,000 times, flushing to a SQLite file every
 * 9,000 calls (one second at the bench's refine rate), so the write is in the figure too.
 */
async function recorderCost(): Promise<{ usPerCall: number; rows: number }> {
  const config = testConfig({ DATABASE_URL: `sqlite:${join(work, 'micro.db')}` });
  const services = await createServices(config, createLogger(config));
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const recorder = new UsageRecorder(services.db, services.log, () => new Date(clock), 3_600_000);
  const event = (i: number) => ({
    accountId: 'acct_bench',
    keyId: `key_bench${i % 4}`,
    kind: 'refine' as const,
    personaId: `p_bench${i % 16}`,
    provider: 'openai',
    model: 'gpt-4o-mini',
    inputTokens: 42,
    outputTokens: 12,
    latencyMs: 0.4,
    outcome: 'ok',
  });
  for (let i = 0; i < 20_000; i++) recorder.record(event(i));
  await recorder.flush();
  const calls = 200_000;
  const t0 = process.cpuUsage();
  for (let i = 0; i < calls; i++) {
    recorder.record(event(i));
    if (i % 9000 === 8999) {
      clock += 1000;
      await recorder.flush();
    }
  }
  await recorder.flush();
  const used = process.cpuUsage(t0);
  const r = await services.db.kysely
    .selectFrom('usage_rollups')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  await closeServices(services);
  return { usPerCall: +((used.user + used.system) / calls).toFixed(3), rows: Number(r.n) };
}

const micro = await recorderCost();
console.log('recorder', JSON.stringify(micro));

if (process.env.BENCH_USAGE_MICRO_ONLY) {
  rmSync(work, { recursive: true, force: true });
  process.exit(0);
}
const mock = await start([`${root}bench/mock-upstream.ts`], {}, async (_p, out) => out().includes('port'));
const on = await server('recording', true);
const off = await server('not-recording', false);
const opts = { warmup: 2, seconds: 5, runs: 5 };
const out: Record<string, unknown> = { recorder: micro };
try {
  for (const provider of ['openai', 'local'] as const) {
    const t = await sideBySide({ recording: on.spec(provider), notRecording: off.spec(provider) }, opts);
    const rows = await on.services.db.kysely
      .selectFrom('usage_rollups')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('requests').as('calls')])
      .executeTakeFirstOrThrow();
    out[provider] = {
      recordingRps: Math.round(t.recording.rps),
      notRecordingRps: Math.round(t.notRecording.rps),
      ratio: +(t.recording.rps / t.notRecording.rps).toFixed(3),
      cpuUsPerReq: { recording: t.recording.cpuUsPerReq, notRecording: t.notRecording.cpuUsPerReq },
      non2xx: t.recording.non2xx + t.notRecording.non2xx,
      usageRowsWritten: Number(rows.n),
      callsCounted: Number(rows.calls),
    };
    console.log(provider, JSON.stringify(out[provider]));
  }
} finally {
  await on.close();
  await off.close();
  await mock.stop();
  rmSync(work, { recursive: true, force: true });
}
console.log(JSON.stringify(out));
