import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));
const node = process.execPath;

export interface Proc {
  child: ChildProcess;
  port: number;
  stderr: () => string;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = a && typeof a === 'object' ? a.port : 0;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Starts `node script` with env PORT and waits until `ready(port)` resolves true. */
export async function start(
  argv: string[] | ((port: number) => string[]),
  env: Record<string, string>,
  ready: (port: number, stdout: () => string) => Promise<boolean>,
): Promise<Proc> {
  const port = await freePort();
  const args = typeof argv === 'function' ? argv(port) : argv;
  const child = spawn(node, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    // Keep only the head: servers logging per request would otherwise grow this without bound.
    if (out.length < 65_536) out += d;
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    if (err.length < 65_536) err += d;
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited: ${err}`);
    if (await ready(port, () => out).catch(() => false)) break;
    if (Date.now() > deadline) throw new Error(`${args.join(' ')} did not become ready: ${out}\n${err}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    child,
    port,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
      children.delete(child);
    },
  };
}

export async function httpOk(url: string): Promise<boolean> {
  const r = await fetch(url).catch(() => undefined);
  return r?.ok ?? false;
}

/** Resident set size of a process in MiB (2^20 bytes), from /proc. */
export function rssMb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system) a process has used so far, in ms; 0 if unknown. Linux clock ticks are 10 ms. */
export function cpuMs(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    // Fields after the command name (which may hold spaces) start at field 3: utime is 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** Runs a node script to completion and parses the last stdout line as JSON. */
export async function runJson<T>(args: string[], env: Record<string, string> = {}): Promise<T> {
  const child = spawn(node, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  const last = out.trim().split('\n').at(-1) ?? '';
  if (code !== 0) throw new Error(`${args.join(' ')} failed (${code}): ${err.slice(0, 2000)}`);
  return JSON.parse(last) as T;
}
