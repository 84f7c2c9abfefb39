import type { Logger } from '../log.ts';
import type { Db } from '../storage/db.ts';
import type { UsageEventsTable } from '../storage/schema.ts';
import type { Ctx } from './context.ts';
import { AppError } from './errors.ts';
import { newId } from './ids.ts';

/**
 * The usage log: every metered call (refine, chat, a conversation turn) appends one row. Off the hot
 * path: record() only pushes onto an array; rows reach the store as one multi-row INSERT per batch, on a
 * timer, when a batch is full, and on close (shutdown). A failed write keeps its rows for the next
 * flush, up to a bound, so a database blip loses nothing it can help.
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

type Row = UsageEventsTable;

/** Rows per INSERT: 14 columns × 500 stays far below SQLite's bound-parameter limit. */
const MAX_BATCH = 500;
/** Rows held while the store refuses them; past this the oldest are dropped (and logged). */
const MAX_PENDING = 100_000;

/** About four characters per token for English text (the figure OpenAI documents); rounded up. */
export const estimateTokens = (text: string | undefined): number => (text ? Math.ceil(text.length / 4) : 0);

export interface UsageListener {
  /** Told of each row as it is recorded (the budget counters). */
  charged(row: Row): void;
}

export class UsageRecorder {
  readonly #db: Db;
  readonly #log: Logger;
  readonly #now: () => Date;
  #queue: Row[] = [];
  #writing: Row[] = [];
  #flushing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #intervalMs: number;
  listener: UsageListener | undefined;

  constructor(db: Db, log: Logger, now: () => Date, intervalMs = 1000) {
    this.#db = db;
    this.#log = log;
    this.#now = now;
    this.#intervalMs = intervalMs;
  }

  record(e: UsageEvent): void {
    const at = this.#now();
    const created = at.toISOString();
    const estimated = e.inputTokens === null || e.outputTokens === null;
    const row: Row = {
      id: newId('use_'),
      account_id: e.accountId,
      key_id: e.keyId,
      kind: e.kind,
      persona_id: e.personaId,
      provider: e.provider,
      model: e.model,
      input_tokens: e.inputTokens ?? estimateTokens(e.inputText),
      output_tokens: e.outputTokens ?? estimateTokens(e.outputText),
      estimated: estimated ? 1 : 0,
      latency_ms: Math.max(0, Math.round(e.latencyMs)),
      outcome: e.outcome,
      day: created.slice(0, 10),
      created_at: created,
    };
    this.#queue.push(row);
    this.listener?.charged(row);
    if (this.#queue.length > MAX_PENDING) {
      this.#queue.splice(0, this.#queue.length - MAX_PENDING);
      this.#log.error({ dropped: true }, 'usage rows dropped: the store refused writes for too long');
    }
    if (this.#queue.length >= MAX_BATCH) void this.flush();
    else if (!this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.flush();
      }, this.#intervalMs);
      this.#timer.unref();
    }
  }

  /** Whether rows are on their way to the store right now (the budget counters wait for a quiet moment). */
  get writing(): boolean {
    return this.#writing.length > 0;
  }

  /** Rows of this key and day recorded but not yet in the store. */
  pending(keyId: string, day: string): { requests: number; tokens: number } {
    let requests = 0;
    let tokens = 0;
    for (const list of [this.#writing, this.#queue])
      for (const r of list)
        if (r.key_id === keyId && r.day === day) {
          requests++;
          tokens += r.input_tokens + r.output_tokens;
        }
    return { requests, tokens };
  }

  /** Writes everything recorded so far; resolves once it is in the store (or kept for a retry). */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    if (this.#queue.length === 0) return;
    this.#flushing = this.#drain();
    try {
      await this.#flushing;
    } finally {
      this.#flushing = undefined;
    }
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      this.#writing = this.#queue.splice(0, MAX_BATCH);
      try {
        await this.#db.kysely.insertInto('usage_events').values(this.#writing).execute();
        this.#writing = [];
      } catch (err) {
        // Kept, in order, for the next flush: the timer is re-armed by the next record() or close().
        this.#queue.unshift(...this.#writing);
        this.#writing = [];
        this.#log.error({ err }, 'usage rows could not be written; kept for the next flush');
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
