import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type Transferable, Worker } from 'node:worker_threads';
import type { JsonObject } from '../core/persona.ts';
import { checkStyle, type StyleCheck } from './checks.ts';
import { applyLocalStyle } from './engine.ts';

/**
 * The engine is linear (ADR 0013), but a provider's answer may be 16 MiB: seconds of work that would stall
 * every other request. Texts above OFF_THREAD_CHARS go to a small pool of worker threads (at most two,
 * started on first use and unref'd, so an idle pool holds no process open); smaller ones run inline, where
 * a thread hop would cost more than the work. A pool that cannot start (no worker file) runs inline.
 *
 * A thread that did a very large job (HEAVY_JOB, e.g. a 16 MiB answer) exits once idle for IDLE_EXIT_MS:
 * the heap it grew (a hundred MiB and more) would otherwise stay resident, since an idle thread allocates
 * nothing that would make V8 collect it (the RSS of the adversarial suite ratcheted up attack after
 * attack). Threads that only did ordinary large texts stay: starting one costs the event loop a few ms
 * (~100 on a loaded machine), worth paying only after megabytes of work.
 */
export const OFF_THREAD_CHARS = 64 * 1024;
const POOL_SIZE = Math.max(1, Math.min(2, availableParallelism() - 1));
const IDLE_EXIT_MS = 2000;
/** Characters or bytes of one job past which its thread exits when idle. */
const HEAVY_JOB = 4 * 1024 * 1024;

export interface Styled {
  text: string;
  checks: StyleCheck[];
}

interface Pending {
  resolve: (m: WorkerAnswer) => void;
  reject: (e: Error) => void;
}

/** What a worker sends back: the job's id and its result fields, or an error message. */
export interface WorkerAnswer {
  id: number;
  error?: string;
  [field: string]: unknown;
}

interface Slot {
  worker: Worker;
  busy: number;
  jobs: Set<number>;
  idle: NodeJS.Timeout | undefined;
  /** It ran a job of HEAVY_JOB or more since it was last busy. */
  heavy: boolean;
}

/** Threads the pool has running (for tests and diagnostics). */
export const poolThreads = (): number => slots.length;

function retire(slot: Slot): void {
  const i = slots.indexOf(slot);
  if (i >= 0) slots.splice(i, 1);
}

const slots: Slot[] = [];
const pending = new Map<number, Pending>();
let nextId = 1;
let unavailable = false;

/** The worker entry: beside this file from sources; dist/style-worker.mjs in the bundle (any chunk). */
function workerUrl(): URL | undefined {
  if (import.meta.url.endsWith('.ts')) return new URL('./style-worker.ts', import.meta.url);
  for (const rel of ['./style-worker.mjs', '../style-worker.mjs']) {
    const url = new URL(rel, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url;
  }
  return undefined;
}

function startSlot(): Slot | undefined {
  const url = workerUrl();
  if (!url) {
    unavailable = true;
    return undefined;
  }
  const worker = new Worker(url);
  const slot: Slot = { worker, busy: 0, jobs: new Set(), idle: undefined, heavy: false };
  worker.unref();
  worker.on('message', (m: WorkerAnswer) => {
    const job = pending.get(m.id);
    pending.delete(m.id);
    slot.jobs.delete(m.id);
    if (--slot.busy === 0) {
      worker.unref();
      if (slot.heavy) {
        slot.idle = setTimeout(() => {
          retire(slot);
          void worker.terminate();
        }, IDLE_EXIT_MS);
        slot.idle.unref();
      }
    }
    if (!job) return;
    if (m.error !== undefined) job.reject(new Error(m.error));
    else job.resolve(m);
  });
  worker.on('error', (err) => {
    // its jobs fail over to inline work (the callers' fallback); the slot is replaced on next use
    retire(slot);
    for (const id of slot.jobs) pending.get(id)?.reject(err);
    slot.jobs.clear();
  });
  slots.push(slot);
  return slot;
}

/**
 * Runs one job on the pool (the same threads for every kind of large work, so that it never takes more
 * than the pool's cores): the worker's answer, or undefined when no worker can start (the caller then
 * does the work inline). `transfer` moves buffers to the worker instead of copying them on this thread.
 * Rejects with the worker's error message when the job itself failed. `size` (characters or bytes)
 * says how much the job weighs: a heavy one makes its thread exit once idle.
 */
export function inWorker(
  job: Record<string, unknown>,
  size: number,
  transfer: Transferable[] = [],
): Promise<WorkerAnswer> | undefined {
  if (unavailable) return undefined;
  const free = slots.find((s) => s.busy === 0);
  const slot =
    free ?? (slots.length < POOL_SIZE ? startSlot() : slots.reduce((a, b) => (a.busy <= b.busy ? a : b)));
  if (!slot) return undefined;
  const id = nextId++;
  const result = new Promise<WorkerAnswer>((resolve, reject) => pending.set(id, { resolve, reject }));
  slot.jobs.add(id);
  clearTimeout(slot.idle);
  if (size >= HEAVY_JOB) slot.heavy = true;
  if (slot.busy++ === 0) slot.worker.ref();
  slot.worker.postMessage({ ...job, id }, transfer);
  return result;
}

function inline(text: string, attributes: JsonObject, apply: boolean, check: boolean): Styled {
  const out = apply ? applyLocalStyle(text, attributes) : text;
  return { text: out, checks: check ? checkStyle(out, attributes) : [] };
}

/**
 * The engine's output (when `apply`) and the checks on it (when `check`), off the event loop for a large
 * text. The same result as running them inline.
 */
export async function styleText(
  text: string,
  attributes: JsonObject,
  { apply, check }: { apply: boolean; check: boolean },
): Promise<Styled> {
  if (text.length < OFF_THREAD_CHARS || (!apply && !check)) return inline(text, attributes, apply, check);
  const job = inWorker({ kind: 'style', text, attributes, apply, check }, text.length);
  if (!job) return inline(text, attributes, apply, check);
  try {
    const m = await job;
    return { text: typeof m.text === 'string' ? m.text : text, checks: m.checks as StyleCheck[] };
  } catch {
    return inline(text, attributes, apply, check);
  }
}
