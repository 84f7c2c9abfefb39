import { sql } from 'kysely';
import type { Db } from '../storage/db.ts';
import type { Ctx } from './context.ts';
import { AppError } from './errors.ts';

/** Usage sums from the store (both backends), grouped by key, persona, model or UTC day. */

export type UsageGroup = 'key' | 'persona' | 'model' | 'day';

export interface UsageQuery {
  /** null: every account (operator keys only). */
  accountId: string | null;
  /** ISO-8601 instants, from inclusive, to exclusive. */
  from: string;
  to: string;
  groupBy: UsageGroup;
}

export interface UsageSums {
  requests: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  /** Calls whose tokens are estimates (the local engine, providers that report none). */
  estimated_requests: number;
  /** Calls that ended with an error. */
  errors: number;
  avg_latency_ms: number;
}

export interface UsageRow extends UsageSums {
  key_id?: string;
  persona_id?: string | null;
  provider?: string;
  model?: string;
  day?: string;
}

/** Groups returned at most; more sets `truncated` (narrow the range or group coarser). */
export const MAX_GROUPS = 1000;

const groupColumns: Record<UsageGroup, ('key_id' | 'persona_id' | 'provider' | 'model' | 'day')[]> = {
  key: ['key_id'],
  persona: ['persona_id'],
  model: ['provider', 'model'],
  day: ['day'],
};

export async function usageReport(
  db: Db,
  q: UsageQuery,
): Promise<{ data: UsageRow[]; totals: UsageSums; truncated: boolean }> {
  const cols = groupColumns[q.groupBy];
  let base = db.kysely
    .selectFrom('usage_rollups')
    .where('created_at', '>=', q.from)
    .where('created_at', '<', q.to);
  if (q.accountId !== null) base = base.where('account_id', '=', q.accountId);
  const sums = base.select((eb) => [
    eb.fn.sum<number | string | null>('requests').as('requests'),
    eb.fn.sum<number | string | null>('input_tokens').as('input_tokens'),
    eb.fn.sum<number | string | null>('output_tokens').as('output_tokens'),
    eb.fn.sum<number | string | null>('estimated').as('estimated_requests'),
    eb.fn.sum<number | string | null>(sql<number>`CASE WHEN outcome = 'ok' THEN 0 ELSE 1 END`).as('errors'),
    eb.fn.sum<number | string | null>('latency_ms_total').as('latency_ms_total'),
  ]);
  let grouped = sums.select(cols).limit(MAX_GROUPS + 1);
  for (const c of cols) grouped = grouped.groupBy(c).orderBy(c);
  const [rows, total] = await Promise.all([grouped.execute(), sums.executeTakeFirstOrThrow()]);
  const data = rows.slice(0, MAX_GROUPS).map((r) => {
    const group = Object.fromEntries(cols.map((c) => [c, (r as Record<string, unknown>)[c] ?? null]));
    return { ...group, ...toSums(r) } as UsageRow;
  });
  return { data, totals: toSums(total), truncated: rows.length > MAX_GROUPS };
}

type Raw = Record<
  'requests' | 'input_tokens' | 'output_tokens' | 'estimated_requests' | 'errors' | 'latency_ms_total',
  number | string | null
>;

function toSums(r: Raw): UsageSums {
  const input = Number(r.input_tokens ?? 0);
  const output = Number(r.output_tokens ?? 0);
  const requests = Number(r.requests ?? 0);
  return {
    requests,
    input_tokens: input,
    output_tokens: output,
    total_tokens: input + output,
    estimated_requests: Number(r.estimated_requests ?? 0),
    errors: Number(r.errors ?? 0),
    avg_latency_ms: requests === 0 ? 0 : Math.round((Number(r.latency_ms_total ?? 0) / requests) * 10) / 10,
  };
}

/** The report a key may see: its own account's, or (operator) one account's or every account's. */
export async function usageAs(
  ctx: Ctx,
  q: { accountId?: string | undefined; from: string; to: string; groupBy: UsageGroup },
) {
  const p = ctx.principal;
  let accountId: string | null = ctx.accountId;
  if (q.accountId !== undefined && q.accountId !== ctx.accountId) {
    if (!p?.operator)
      throw new AppError('forbidden', 'account_id: only an operator key reads other accounts');
    accountId = q.accountId;
  } else if (q.accountId === undefined && p?.operator) accountId = p.accountId === '' ? null : p.accountId;
  if (q.from >= q.to) throw new AppError('invalid', 'from: must be before to', { field: 'from' });
  // What this instance recorded but has not written yet belongs in the answer.
  await ctx.usage.flush();
  return usageReport(ctx.db, { accountId, from: q.from, to: q.to, groupBy: q.groupBy });
}
