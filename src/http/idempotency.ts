import { createHash, randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Ctx } from '../core/context.ts';
import { AppError } from '../core/errors.ts';
import type { Db } from '../storage/db.ts';
import type { AppEnv } from './env.ts';
import { header } from './request-context.ts';

/** How long a stored answer is replayed; older rows are purged. */
export const TTL_MS = 24 * 60 * 60 * 1000;
/**
 * Claims written before leases existed (migration 0005) carry none: they count as abandoned after this
 * long, as they did then (no request runs longer: the upstream timeout is at most 10 min).
 */
const LEGACY_ABANDONED_MS = 11 * 60 * 1000;
/**
 * Answers up to this size are stored for replay. A larger one (a persona with a long context) is not:
 * its key still refuses a different request (422) and answers a retry of the same one with a 409 that
 * says it already succeeded, instead of a second create.
 */
export const MAX_REPLAY_BYTES = 256 * 1024;
/** Expired rows are deleted at most this often per process, in the background of a claim. */
const PURGE_EVERY_MS = 10 * 60 * 1000;
const MAX_KEY_LENGTH = 255;

const inProgress = () => new AppError('conflict', 'A request with this Idempotency-Key is still in progress');

/**
 * `Idempotency-Key` on POST: the first request with a key runs and its answer is stored; a retry with
 * the same key and the same request gets the stored answer (header `idempotent-replayed: true`) instead
 * of a second create. The same key with a different request is refused (422); while the first is still
 * running, a retry gets 409. Only successes are stored: a failed request (4xx or 5xx) created nothing, so
 * it leaves no trace in the store and can be retried, fixed, under the same key (as Stripe does for
 * requests that fail validation). Streams are not stored either.
 *
 * The running request holds a lease on its claim (PERSONAKIT_IDEMPOTENCY_LEASE_MS) and renews it every
 * third of that while it runs. If its process dies, the lease lapses and a retry takes the key over: a
 * crash blocks retries for one lease, not for the longest possible request. The small risk is a
 * duplicate when the dead request had committed just before dying.
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
    const leaseMs = ctx.config.PERSONAKIT_IDEMPOTENCY_LEASE_MS;
    const owner = randomUUID();
    const scope = { account_id: ctx.accountId, key };
    // Two attempts: the second runs only after an expired (or concurrently released) entry was cleared.
    for (let attempt = 0; ; attempt++) {
      const now = ctx.now();
      const inserted = await db
        .insertInto('idempotency_keys')
        .values({
          ...scope,
          fingerprint,
          status: 0,
          content_type: null,
          body: null,
          created_at: now.toISOString(),
          lease_owner: owner,
          lease_until: new Date(now.getTime() + leaseMs).toISOString(),
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
      const expired = row && (Date.parse(row.created_at) + TTL_MS < now.getTime() || lapsed(row, now));
      if ((!row || expired) && attempt === 0) {
        if (row) await forgetClaim(ctx, key, row);
        continue;
      }
      if (!row || expired) throw inProgress();
      if (row.fingerprint !== fingerprint) {
        throw new AppError('unprocessable', 'Idempotency-Key was already used with a different request', {
          field: 'Idempotency-Key',
        });
      }
      if (row.status === 0) throw inProgress();
      if (row.body_omitted) {
        throw new AppError(
          'conflict',
          `A request with this Idempotency-Key already succeeded (HTTP ${row.status}); its answer was larger ` +
            `than ${MAX_REPLAY_BYTES} bytes or held a secret shown once, so it is not replayed: read the ` +
            'result instead of retrying',
        );
      }
      c.header('idempotent-replayed', 'true');
      if (row.content_type) c.header('content-type', row.content_type);
      return row.body === null ? c.body(null, row.status as 200) : c.body(row.body, row.status as 200);
    }
    purgeInBackground(ctx);

    const renew = setInterval(() => {
      const until = new Date(ctx.now().getTime() + leaseMs).toISOString();
      db.updateTable('idempotency_keys')
        .set({ lease_until: until })
        .where('account_id', '=', ctx.accountId)
        .where('key', '=', key)
        .where('lease_owner', '=', owner)
        .execute()
        .catch((err: unknown) => ctx.log.warn({ err }, 'Idempotency-Key lease renewal failed'));
    }, leaseMs / 3);
    renew.unref();
    try {
      await next();
    } finally {
      clearInterval(renew);
    }

    const res = c.res;
    const type = res.headers.get('content-type');
    // A stored 4xx would be the only change a failed request made to the store (found by the fuzzer).
    // Streams are not stored: neither one answered through Hono nor one written straight to the socket.
    const unstored =
      res.status >= 400 ||
      (type?.startsWith('text/event-stream') ?? false) ||
      res.headers.has('x-hono-already-sent');
    if (unstored) {
      await ctx.db.kysely
        .deleteFrom('idempotency_keys')
        .where('account_id', '=', ctx.accountId)
        .where('key', '=', key)
        .where('lease_owner', '=', owner)
        .execute();
      return;
    }
    // `cache-control: no-store` marks an answer carrying a secret shown once (a new API key): it must not
    // sit in the store in clear, so only its fingerprint is kept, as for an answer too large to replay.
    const secret = res.headers.get('cache-control')?.includes('no-store') ?? false;
    const body = res.status === 204 || secret ? null : await res.clone().text();
    const omitted =
      secret ||
      (body !== null && body.length > MAX_REPLAY_BYTES / 3 && Buffer.byteLength(body) > MAX_REPLAY_BYTES);
    await db
      .updateTable('idempotency_keys')
      .set({
        status: res.status,
        content_type: omitted ? null : type,
        body: omitted ? null : body,
        body_omitted: omitted ? 1 : 0,
        lease_owner: null,
        lease_until: null,
      })
      .where('account_id', '=', ctx.accountId)
      .where('key', '=', key)
      .where('lease_owner', '=', owner)
      .execute();
  };
}

interface ClaimRow {
  status: number;
  created_at: string;
  lease_owner: string | null;
  lease_until: string | null;
}

/** An in-flight claim whose lease ran out: its process died (or stalled past a whole lease). */
function lapsed(row: ClaimRow, now: Date): boolean {
  if (row.status !== 0) return false;
  const until =
    row.lease_until === null ? Date.parse(row.created_at) + LEGACY_ABANDONED_MS : Date.parse(row.lease_until);
  return until < now.getTime();
}

/**
 * Deletes the expired row that was read, and only it: two retries racing to take over a lapsed claim
 * must not delete the claim the faster one just made.
 */
async function forgetClaim(ctx: Ctx, key: string, row: ClaimRow): Promise<void> {
  let q = ctx.db.kysely
    .deleteFrom('idempotency_keys')
    .where('account_id', '=', ctx.accountId)
    .where('key', '=', key)
    .where('created_at', '=', row.created_at);
  q =
    row.lease_owner === null
      ? q.where('lease_owner', 'is', null)
      : q.where('lease_owner', '=', row.lease_owner);
  await q.execute();
}

const lastPurge = new WeakMap<Db, number>();

/** Starts the 24-hour purge if this process has not run it recently; never awaited by the request. */
function purgeInBackground(ctx: Ctx): void {
  const now = ctx.now().getTime();
  const last = lastPurge.get(ctx.db);
  if (last !== undefined && now - last < PURGE_EVERY_MS) return;
  lastPurge.set(ctx.db, now);
  setImmediate(() => {
    purgeIdempotencyKeys(ctx.db, new Date(now)).catch((err: unknown) =>
      ctx.log.warn({ err }, 'Idempotency-Key purge failed'),
    );
  });
}

/** Deletes every key older than the replay window (answers and abandoned claims alike). */
export async function purgeIdempotencyKeys(db: Db, now: Date): Promise<number> {
  const r = await db.kysely
    .deleteFrom('idempotency_keys')
    .where('created_at', '<', new Date(now.getTime() - TTL_MS).toISOString())
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
