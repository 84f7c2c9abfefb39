import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Pool } from 'undici';

/**
 * Measuring helpers for the reliability suites (issue 7, points 5-9): handles, memory and the figures of
 * the last run, which docs/reliability-figures.md quotes.
 */

// node:test runs each file in its own process with no per-file flags, so --expose-gc is set at run time:
// a fresh context created after the flag sees the `gc` global.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Full collections until the heap stops shrinking (weak refs and finalizers need a few passes). */
export function collectGarbage(): void {
  for (let i = 0; i < 4; i++) gc();
}

/** Live handles of this process by type (TCPSocketWrap, Timeout, ...). */
export function handleCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** Resident set size of another process, in bytes (Linux /proc). */
export function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m?.[1]) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

export const mb = (bytes: number) => +(bytes / 2 ** 20).toFixed(1);

const figuresDir = new URL('../../.tmp/reliability-figures/', import.meta.url);

/** Keeps a suite's figures of this run in .tmp/reliability-figures/NAME.json (git-ignored). */
export function recordFigures(name: string, figures: Record<string, unknown>): void {
  mkdirSync(figuresDir, { recursive: true });
  const at = new Date().toISOString();
  writeFileSync(new URL(`${name}.json`, figuresDir), `${JSON.stringify({ at, ...figures }, null, 2)}\n`);
}

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies
export type Json = any;

/** A keyed JSON client over an undici pool, for tests that talk to spawned server processes. */
export function keyedClient(url: string, connections = 32) {
  const pool = new Pool(url, { connections });
  return {
    pool,
    async send(key: string, method: string, path: string, json?: unknown) {
      const res = await pool.request({
        method: method as 'GET',
        path,
        headers: { authorization: `Bearer ${key}`, ...(json ? { 'content-type': 'application/json' } : {}) },
        body: json === undefined ? undefined : JSON.stringify(json),
      });
      const text = await res.body.text();
      let body: Json;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      return { status: res.statusCode, headers: res.headers, body, text };
    },
  };
}
