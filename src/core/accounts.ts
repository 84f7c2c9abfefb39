import type { Db } from '../storage/db.ts';
import type { AccountRow } from '../storage/schema.ts';
import { AppError, notFound } from './errors.ts';
import { newId } from './ids.ts';
import { decodeCursor, encodeCursor } from './keyset-cursor.ts';

/** Accounts as the operator manages them (HTTP /v1/accounts and the CLI). */

export interface AccountInfo {
  id: string;
  name: string;
  created_at: string;
  disabled_at: string | null;
}

const info = (r: AccountRow): AccountInfo => ({
  id: r.id,
  name: r.name,
  created_at: r.created_at,
  disabled_at: r.disabled_at ?? null,
});

/** A new account; a name already taken is a conflict (the CLI's ensureAccount reuses it instead). */
export async function createAccount(db: Db, name: string, now: Date): Promise<AccountInfo> {
  const row = { id: newId('acct_'), name, created_at: now.toISOString() };
  const inserted = await db.kysely
    .insertInto('accounts')
    .values(row)
    .onConflict((oc) => oc.column('name').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) throw new AppError('conflict', `An account named "${name}" already exists`);
  return { ...row, disabled_at: null };
}

export async function getAccount(db: Db, id: string): Promise<AccountInfo> {
  const row = await db.kysely.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Account');
  return info(row);
}

export async function listAccounts(
  db: Db,
  q: { limit: number; cursor?: string | undefined },
): Promise<{ items: AccountInfo[]; nextCursor: string | null }> {
  let query = db.kysely
    .selectFrom('accounts')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(q.limit + 1);
  if (q.cursor) {
    const at = decodeCursor(q.cursor);
    if (!at) throw new AppError('invalid', 'cursor: not a cursor returned by this API', { field: 'cursor' });
    query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(at[0], at[1])));
  }
  const rows = await query.execute();
  const items = rows.slice(0, q.limit).map(info);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > q.limit && last ? encodeCursor(last.created_at, last.id) : null };
}

/**
 * Disables (or enables again) an account: every key of a disabled account stops working at once, on
 * every instance (the key caches drop their entries on the store's change signal).
 */
export async function setAccountDisabled(
  db: Db,
  id: string,
  disabled: boolean,
  now: Date,
): Promise<AccountInfo> {
  const row = await db.kysely.transaction().execute(async (tx) => {
    const current = await tx.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    if (!current) return undefined;
    const disabledAt = disabled ? (current.disabled_at ?? now.toISOString()) : null;
    if (disabledAt !== (current.disabled_at ?? null)) {
      await tx.updateTable('accounts').set({ disabled_at: disabledAt }).where('id', '=', id).execute();
      await db.announceChange(tx, 'api_keys');
    }
    return { ...current, disabled_at: disabledAt };
  });
  if (!row) throw notFound('Account');
  db.localChange();
  return info(row);
}
