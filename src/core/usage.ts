import type { Logger } from '../log.ts';
import type { Db } from '../storage/db.ts';
import type { Ctx } from './context.ts';
import { AppError } from './errors.ts';
import { newId } from './ids.ts';

/**
 * The usage log: every metered call (refine, chat, a conversation turn) is counted. Off the hot path:
 * record() adds the call to an in-memory sum per second and per (account, key, persona, provider, model,
 * kind, outcome); the sums reach the store as one multi-row INSERT on a timer (every second), when many
 * are pending, and on close (shutdown). So a server refining thousands of times a second writes a few
 * rows a second, not thousands (ADR 0042). A failed write keeps its rows for the next flush, up to a
 * bound, so a database blip loses nothing it can help.
 */

export type UsageKind = 'refine' | 'chat' | 'conversation';

export interface UsageEvent {
  accountId: string;
  keyId: string;
  kind: UsageKind;
  personaId: string | null;
  provider: string;
  model: string;
  /** From the provider's usage when it reported one; null asks for an estimate from the texts. */
  inputTokens: number | null;
  outputTokens: number | null;
  /** The texts the estimate is made from when the provider reported no usage. */
  inputText?: string | undefined;
  outputText?: string | undefined;
  latencyMs: number;
  /** ok, or the error code the call ended with. */
  outcome: string;
}

/** A pending sum, as it will be written. */
interface Sum {
  id: string;
  account_id: string;
  key_id: string;
  kind: string;
  persona_id: string | null;
  provider: string;
  model: string;
  outcome: string;
  day: string;
  created_at: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  estimated: number;
  latency_ms_total: number;
  /** Its key in the open sums (not written). */
  mapKey: string;
}

/** Rows per INSERT: 15 columns × 500 stays far below SQLite's bound-parameter limit. */
const MAX_BATCH = 500;
/** Pending sums that trigger a flush before the timer. */
const FLUSH_AT = 2000;
/** Sums held while the store refuses them; past this the oldest are dropped (and logged). */
const MAX_PENDING = 100_000;

/** About four characters per token for English text (the figure OpenAI documents); rounded up. */
export const estimateTokens = (text: string | undefined): number => (text ? Math.ceil(text.length / 4) : 0);

export interface UsageListener {
  /** Told of each call as it is recorded (the budget counters). */
  charged(keyId: string, day: string, tokens: number): void;
}

export class UsageRecorder {
  readonly #db: Db;
  readonly #log: Logger;
  readonly #now: () => Date;
  #open = new Map<string, Sum>();
  #last: Sum | undefined;
  #retry: Sum[] = [];
  #writing: Sum[] = [];
  #flushing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #intervalMs: number;
  listener: UsageListener | undefined;
  #secondStart = Number.NEGATIVE_INFINITY;
  #second = '';
  #day = '';

  constructor(db: Db, log: Logger, now: () => Date, intervalMs = 1000) {
    this.#db = db;
    this.#log = log;
    this.#now = now;
    this.#intervalMs = intervalMs;
  }

  record(e: UsageEvent): void {
    // One ISO string per second, not per call: toISOString was a third of record()'s cost.
    const ms = this.#now().getTime();
    if (ms < this.#secondStart || ms >= this.#secondStart + 1000) {
      this.#secondStart = ms - (((ms % 1000) + 1000) % 1000);
      this.#second = new Date(this.#secondStart).toISOString();
      this.#day = this.#second.slice(0, 10);
    }
    const second = this.#second;
    const day = this.#day;
    const estimated = e.inputTokens === null || e.outputTokens === null;
    const input = e.inputTokens ?? estimateTokens(e.inputText);
    const output = e.outputTokens ?? estimateTokens(e.outputText);
    // Calls in a row from one client usually share their sum: compared field by field, no key is built.
    let sum = this.#last;
    if (
      sum === undefined ||
      sum.created_at !== second ||
      sum.key_id !== e.keyId ||
      sum.persona_id !== e.personaId ||
      sum.provider !== e.provider ||
      sum.model !== e.model ||
      sum.kind !== e.kind ||
      sum.outcome !== e.outcome
    ) {
      const key = `${second}\u0000${e.keyId}\u0000${e.personaId}\u0000${e.provider}\u0000${e.model}\u0000${e.kind}\u0000${e.outcome}`;
      sum = this.#open.get(key);
    }
    if (!sum) {
      sum = {
        id: newId('use_'),
        account_id: e.accountId,
        key_id: e.keyId,
        kind: e.kind,
        persona_id: e.personaId,
        provider: e.provider,
        model: e.model,
        outcome: e.outcome,
        day,
        created_at: second,
        requests: 0,
        input_tokens: 0,
        output_tokens: 0,
        estimated: 0,
        latency_ms_total: 0,
        mapKey: `${second}\u0000${e.keyId}\u0000${e.personaId}\u0000${e.provider}\u0000${e.model}\u0000${e.kind}\u0000${e.outcome}`,
      };
      this.#open.set(sum.mapKey, sum);
    }
    this.#last = sum;
    sum.requests++;
    sum.input_tokens += input;
    sum.output_tokens += output;
    if (estimated) sum.estimated++;
    sum.latency_ms_total += Math.max(0, Math.round(e.latencyMs));
    this.listener?.charged(e.keyId, day, input + output);
    if (this.#open.size >= FLUSH_AT) void this.flush();
    else if (!this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.flush();
      }, this.#intervalMs);
      this.#timer.unref();
    }
  }

  /** Whether sums are on their way to the store right now (the budget counters wait for a quiet moment). */
  get writing(): boolean {
    return this.#writing.length > 0;
  }

  /** Calls of this key and day recorded but not yet in the store. */
  pending(keyId: string, day: string): { requests: number; tokens: number } {
    let requests = 0;
    let tokens = 0;
    for (const list of [this.#writing, this.#retry, this.#open.values()])
      for (const r of list)
        if (r.key_id === keyId && r.day === day) {
          requests += r.requests;
          tokens += r.input_tokens + r.output_tokens;
        }
    return { requests, tokens };
  }

  /** Writes everything recorded so far; resolves once it is in the store (or kept for a retry). */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    if (this.#open.size === 0 && this.#retry.length === 0) return;
    this.#flushing = this.#drain();
    try {
      await this.#flushing;
    } finally {
      this.#flushing = undefined;
    }
  }

  async #drain(): Promise<void> {
    // Sums still open take calls until here; from now on new calls start new sums.
    const queue = [...this.#retry, ...this.#open.values()];
    this.#retry = [];
    this.#open = new Map();
    this.#last = undefined;
    while (queue.length > 0) {
      this.#writing = queue.splice(0, MAX_BATCH);
      try {
        const rows = this.#writing.map(({ mapKey: _, ...row }) => row);
        await this.#db.kysely.insertInto('usage_rollups').values(rows).execute();
        this.#writing = [];
      } catch (err) {
        // Kept, in order, for the next flush (re-armed by the next record() or by close()).
        this.#retry = [...this.#writing, ...queue, ...this.#retry].slice(-MAX_PENDING);
        this.#writing = [];
        this.#log.error({ err }, 'usage sums could not be written; kept for the next flush');
        return;
      }
    }
  }

  /** At shutdown: stop the timer and write what is left. */
  async close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }
}

/**
 * Records one metered call of the request's key (refine here; chat and conversation turns call it the
 * same way). Returns at once: the row is written with the next batch.
 */
export function recordUsage(ctx: Ctx, e: Omit<UsageEvent, 'accountId' | 'keyId'>): void {
  ctx.usage.record({ accountId: ctx.accountId, keyId: ctx.keyId, ...e });
}

/** The outcome column for a call that threw: the AppError code, or `client_closed`, or `internal`. */
export function outcomeOf(err: unknown): string {
  // ClientGone (providers/upstream-errors.ts) is an AppError too: told apart by name, not code.
  if (err instanceof Error && err.name === 'ClientGone') return 'client_closed';
  if (err instanceof AppError) return err.code;
  return 'internal';
}
