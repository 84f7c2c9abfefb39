import type { Db } from '../storage/db.ts';
import { AppError } from './errors.ts';
import type { Principal } from './scopes.ts';
import type { UsageRecorder } from './usage.ts';

/**
 * Per-key daily budgets (requests and/or tokens per UTC day), checked before every metered call.
 *
 * The usage log in the store is the source of truth; each instance keeps a counter per budgeted key and
 * day, loaded from the store (plus its own rows not yet written) and re-read every few seconds, so the
 * other instances' spending shows within that interval. Between reads a check is a comparison in
 * memory: nothing on the hot path waits for the store unless the counter is stale. Calls already under
 * way when a budget runs out finish (their tokens are not known in advance): a budget can be overshot
 * by the calls in flight, never by new ones.
 */

const REFRESH_MS = 2000;

interface Counter {
  day: string;
  requests: number;
  tokens: number;
  readAt: number;
}

export class BudgetGuard {
  readonly #db: Db;
  readonly #usage: UsageRecorder;
  readonly #now: () => Date;
  readonly #counters = new Map<string, Counter>();

  constructor(db: Db, usage: UsageRecorder, now: () => Date) {
    this.#db = db;
    this.#usage = usage;
    this.#now = now;
    usage.listener = { charged: (keyId, day, tokens) => this.#charge(keyId, day, tokens) };
  }

  /** Throws 429 when the key's budget for today is spent. */
  async check(p: Principal): Promise<void> {
    const budget = p.budget;
    if (!budget) return;
    const now = this.#now();
    const day = now.toISOString().slice(0, 10);
    let c = this.#counters.get(p.keyId);
    const stale = !c || c.day !== day || (performance.now() - c.readAt > REFRESH_MS && !this.#usage.writing);
    if (stale) c = await this.#read(p.keyId, day);
    if (!c) return;
    const retryAfter = String(Math.max(1, Math.ceil((nextDay(now) - now.getTime()) / 1000)));
    if (budget.requests !== null && c.requests >= budget.requests) {
      throw new AppError(
        'rate_limited',
        `This API key's daily budget of ${budget.requests} requests is spent; it resets at 00:00 UTC`,
        { retryAfter },
      );
    }
    if (budget.tokens !== null && c.tokens >= budget.tokens) {
      throw new AppError(
        'rate_limited',
        `This API key's daily budget of ${budget.tokens} tokens is spent; it resets at 00:00 UTC`,
        { retryAfter },
      );
    }
  }

  async #read(keyId: string, day: string): Promise<Counter> {
    const r = await this.#db.kysely
      .selectFrom('usage_rollups')
      .select((eb) => [
        eb.fn.sum<number | string | null>('requests').as('requests'),
        eb.fn.sum<number | string | null>(eb('input_tokens', '+', eb.ref('output_tokens'))).as('tokens'),
      ])
      .where('key_id', '=', keyId)
      .where('day', '=', day)
      .executeTakeFirstOrThrow();
    const pending = this.#usage.pending(keyId, day);
    const c: Counter = {
      day,
      requests: Number(r.requests ?? 0) + pending.requests,
      tokens: Number(r.tokens ?? 0) + pending.tokens,
      readAt: performance.now(),
    };
    this.#counters.set(keyId, c);
    return c;
  }

  #charge(keyId: string, day: string, tokens: number): void {
    const c = this.#counters.get(keyId);
    if (!c || c.day !== day) return;
    c.requests++;
    c.tokens += tokens;
  }
}

const nextDay = (now: Date) => Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
