import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';

/**
 * The standing guard's observer (issue 11), run as its own process (child_process.fork) so that the
 * attacking test process, busy writing 16 MiB answers, cannot delay or hide a slow `/healthz`.
 *
 * Open loop: one GET /healthz every INTERVAL_MS whatever the previous ones are doing, and each latency is
 * counted from when the request was due. A server whose event loop is blocked for 8 s so gets ~800 slow
 * samples instead of one (a closed loop would wait politely and report a single outlier). It also samples
 * the server's VmRSS from /proc.
 *
 * A control: the same requests go, at the same moments, to a bare node:http server in a process of its
 * own. On a loaded machine both wait for a CPU alike; the control's p99 in the same window is that noise,
 * which the suite adds to its bound (docs/security-and-reliability.md), so a busy machine does not fail a sound server
 * while a frozen event loop (seconds) still fails by far.
 *
 * Messages (IPC): {type: 'target', url, pid} points it at a (re)started server; {type: 'begin'} opens a
 * window; {type: 'end'} closes it and answers {type: 'window', ...figures}. {type: 'hold'} (answered
 * {type: 'held'}) and {type: 'resume'} bracket the suite's own instrumentation of the server (a forced
 * full GC to read its heap): a request whose wait overlaps that span is not counted.
 */

export interface WindowFigures {
  /** /healthz requests due in the window. */
  count: number;
  p50: number;
  p99: number;
  max: number;
  /** Requests that failed (connection refused or reset, non-200). */
  failed: number;
  /** p99 of the control server over the same window: the machine's own scheduling noise. */
  controlP99: number;
  rssStart: number;
  rssPeak: number;
  rssEnd: number;
}

export type ProbeMessage =
  | { type: 'target'; url: string; pid: number }
  | { type: 'begin' }
  | { type: 'end' }
  | { type: 'hold' }
  | { type: 'resume' };

const INTERVAL_MS = 10;
const RSS_EVERY_MS = 25;

let pool: Pool | undefined;
let control: Pool | undefined;
let controlLatencies: number[] = [];
let pid = 0;
let windowOpen = false;
let latencies: number[] = [];
let failed = 0;
/** Due time of each request still waiting for its answer. */
const outstanding = new Set<number>();
/** Spans of the suite's own instrumentation in the window: [start, end], end Infinity while it lasts. */
let holds: [number, number][] = [];
const held = (due: number, answered: number) => holds.some(([s, e]) => due <= e && answered >= s);
let rssStart = 0;
let rssPeak = 0;

function rss(): number {
  if (!pid) return 0;
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0; // the server is gone (restarted by the suite)
  }
}

function tickControl() {
  const c = control;
  if (!c || !windowOpen) return;
  const due = performance.now();
  c.request({ method: 'GET', path: '/', headersTimeout: 120_000, bodyTimeout: 120_000 })
    .then((res) => res.body.dump())
    .catch(() => {})
    .then(() => {
      if (windowOpen) controlLatencies.push(performance.now() - due);
    });
}

function tick() {
  tickControl();
  const p = pool;
  if (!p) return;
  const due = performance.now();
  const counted = windowOpen;
  outstanding.add(due);
  p.request({ method: 'GET', path: '/healthz', headersTimeout: 120_000, bodyTimeout: 120_000 })
    .then(async (res) => {
      await res.body.dump();
      return res.statusCode === 200;
    })
    .catch(() => false)
    .then((ok) => {
      if (!outstanding.delete(due) || !counted || !windowOpen) return;
      const answered = performance.now();
      if (held(due, answered)) return;
      latencies.push(answered - due);
      if (!ok) failed++;
    });
}

function sampleRss() {
  const r = rss();
  if (r > rssPeak) rssPeak = r;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;
}

function closeWindow(): WindowFigures {
  const now = performance.now();
  // Requests still unanswered count with what they have waited so far: a frozen server must not
  // look fast because its answers never came.
  const waiting = [...outstanding].filter((due) => !held(due, now)).map((due) => now - due);
  const all = [...latencies, ...waiting].sort((a, b) => a - b);
  windowOpen = false;
  const r = rss();
  const controlSorted = controlLatencies.sort((a, b) => a - b);
  return {
    count: all.length,
    p50: +percentile(all, 0.5).toFixed(1),
    p99: +percentile(all, 0.99).toFixed(1),
    max: +(all.at(-1) ?? 0).toFixed(1),
    failed,
    controlP99: +percentile(controlSorted, 0.99).toFixed(1),
    rssStart,
    rssPeak: Math.max(rssPeak, r),
    rssEnd: r,
  };
}

process.on('message', (m: ProbeMessage) => {
  if (m.type === 'target') {
    const old = pool;
    pool = new Pool(m.url, { connections: 8, keepAliveTimeout: 30_000 });
    pid = m.pid;
    outstanding.clear();
    void old?.destroy();
  } else if (m.type === 'begin') {
    latencies = [];
    controlLatencies = [];
    failed = 0;
    outstanding.clear();
    holds = [];
    rssStart = rss();
    rssPeak = rssStart;
    windowOpen = true;
  } else if (m.type === 'end') {
    process.send?.({ type: 'window', ...closeWindow() });
  } else if (m.type === 'hold') {
    holds.push([performance.now(), Number.POSITIVE_INFINITY]);
    process.send?.({ type: 'held' });
  } else if (m.type === 'resume') {
    const open = holds.at(-1);
    if (open) open[1] = performance.now();
  }
});

// The control: a bare HTTP server in its own process, answering at once.
const controlServer = spawn(
  process.execPath,
  [
    '-e',
    "const s = require('node:http').createServer((q, r) => r.end('ok'));" +
      "s.listen(0, '127.0.0.1', () => console.log(s.address().port));",
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
controlServer.stdout.setEncoding('utf8').once('data', (port: string) => {
  control = new Pool(`http://127.0.0.1:${port.trim()}`, { connections: 8, keepAliveTimeout: 30_000 });
});
process.on('exit', () => controlServer.kill('SIGKILL'));

setInterval(tick, INTERVAL_MS);
setInterval(sampleRss, RSS_EVERY_MS);
process.on('disconnect', () => {
  controlServer.kill('SIGKILL');
  process.exit(0);
});
