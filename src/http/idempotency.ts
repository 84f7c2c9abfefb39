import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Ctx } from '../core/context.ts';
import { AppError } from '../core/errors.ts';
import type { AppEnv } from './env.ts';
import { header } from './request-context.ts';

/** How long a stored answer is replayed. */
const TTL_MS = 24 * 60 * 60 * 1000;
/**
 * A claim still "in progress" after this long belongs to a request whose process died (no request runs
 * longer: the upstream timeout is at most 10 min). Treating it as expired lets the client retry instead of
 * getting 409 for a day; the small risk is a duplicate if that request had committed just before dying.
 */
const ABANDONED_MS = 11 * 60 * 1000;
const MAX_KEY_LENGTH = 255;

/**
 * `Idempotency-Key` on POST: the first request with a key runs and its answer is stored; a retry with
 * the same key and the same request gets the stored answer (header `idempotent-replayed: true`) instead
 * of a second create. The same key with a different request is refused (422); while the first is still
 * running, a retry gets 409. Only successes are stored: a failed request (4xx or 5xx) created nothing, so
 * it leaves no trace in the store and can be retried, fixed, under the same key (as Stripe does for
 * requests that fail validation). Streams are not stored either.
 * Runs after auth and body checks: keys are per account, and malformed requests are never stored.
 */
export function idempotency(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = header(c, 'idempotency-key');
    if (c.req.method !== 'POST' || key === undefined) return next();
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw new AppError('invalid', `Idempotency-Key: must be 1-${MAX_KEY_LENGTH} characters`, {
        field: 'Idempotency-Key',
      });
    }
    const ctx = c.get('ctx');
    const db = ctx.db.kysely;
    const fingerprint = createHash('sha256')
      .update(`${c.req.method} ${c.req.path}\n`)
      .update(await c.req.text())
      .digest('hex');
    const now = ctx.now();
    const scope = { account_id: ctx.accountId, key };
    // Two attempts: the second runs only after an expired (or concurrently released) entry was cleared.
    for (let attempt = 0; ; attempt++) {
      const inserted = await db
        .insertInto('idempotency_keys')
        .values({
          ...scope,
          fingerprint,
          status: 0,
          content_type: null,
          body: null,
          created_at: now.toISOString(),
        })
        .onConflict((oc) => oc.columns(['account_id', 'key']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) break;
      const row = await db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('account_id', '=', scope.account_id)
        .where('key', '=', key)
        .executeTakeFirst();
      const age = row ? now.getTime() - Date.parse(row.created_at) : 0;
      const expired = row && (age > TTL_MS || (row.status === 0 && age > ABANDONED_MS));
      if ((!row || expired) && attempt === 0) {
        if (expired) await forget(c.get('ctx'), key);
        continue;
      }
      if (!row || expired)
        throw new AppError('conflict', 'A request with this Idempotency-Key is still in progress');
      if (row.fingerprint !== fingerprint) {
        throw new AppError('unprocessable', 'Idempotency-Key was already used with a different request', {
          field: 'Idempotency-Key',
        });
      }
      if (row.status === 0)
        throw new AppError('conflict', 'A request with this Idempotency-Key is still in progress');
      c.header('idempotent-replayed', 'true');
      if (row.content_type) c.header('content-type', row.content_type);
      return row.body === null ? c.body(null, row.status as 200) : c.body(row.body, row.status as 200);
    }

    await next();

    const res = c.res;
    const type = res.headers.get('content-type');
    // A stored 4xx would be the only change a failed request made to the store (found by the fuzzer).
    // Streams are not stored: neither one answered through Hono nor one written straight to the socket.
    const unstored =
      res.status >= 400 ||
      (type?.startsWith('text/event-stream') ?? false) ||
      res.headers.has('x-hono-already-sent');
    if (unstored) {
      await forget(ctx, key);
      return;
    }
    const body = res.status === 204 ? null : await res.clone().text();
    await db
      .updateTable('idempotency_keys')
      .set({ status: res.status, content_type: type, body })
      .where('account_id', '=', ctx.accountId)
      .where('key', '=', key)
      .execute();
  };
}

async function forget(ctx: Ctx, key: string): Promise<void> {
  await ctx.db.kysely
    .deleteFrom('idempotency_keys')
    .where('account_id', '=', ctx.accountId)
    .where('key', '=', key)
    .execute();
}
