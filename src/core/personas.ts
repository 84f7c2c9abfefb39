import type { CompiledQuery } from 'kysely';
import type { Db, Tx } from '../storage/db.ts';
import { PersonaInsertBatcher } from '../storage/insert-batcher.ts';
import type { PersonaRow } from '../storage/schema.ts';
import type { Ctx } from './context.ts';
import { AppError, notFound } from './errors.ts';
import { idPattern, newId } from './ids.ts';
import { fieldsOf, fieldsToRow, type Persona, type PersonaFields, rowToPersona } from './persona.ts';
import { forgetVersions } from './persona-version-cache.ts';
import { firstVersionRow, pruneVersions, recordIfMissing, versionRow } from './persona-version-rows.ts';

/**
 * Persona store: the core operations every surface maps onto. All reads and writes are scoped to the
 * caller's account; another account's persona is "not found", never "forbidden". System personas
 * (persona_type 'system') are readable by every account and writable by none.
 */

export const SYSTEM_ACCOUNT = 'system';

export async function createPersona(ctx: Ctx, fields: PersonaFields): Promise<Persona> {
  const now = ctx.now().toISOString();
  const row = {
    id: newId('p'),
    account_id: ctx.accountId,
    persona_type: 'user',
    ...fieldsToRow(fields),
    created_at: now,
    updated_at: now,
    version: 1,
  };
  await batcherFor(ctx.db).insert({ row, version: firstVersionRow(row, ctx.keyId) });
  ctx.personas.invalidate(row.id);
  return rowToPersona(row);
}

const batchers = new WeakMap<Db, PersonaInsertBatcher>();

/** Concurrent creates share one transaction (group commit; see PersonaInsertBatcher). */
function batcherFor(db: Db): PersonaInsertBatcher {
  let b = batchers.get(db);
  if (!b) {
    b = new PersonaInsertBatcher(db);
    batchers.set(db, b);
  }
  return b;
}

export interface GetOptions {
  /** Also find system personas (they belong to no account). Default true: they are usable by everyone. */
  includeSystem?: boolean;
}

const byIdQueries = new WeakMap<Db, CompiledQuery<PersonaRow>>();

/**
 * The hottest read (every refine and GET that misses the cache), compiled once per database and run with
 * the id as its one parameter: building and compiling the Kysely query each time cost more than the
 * SQLite lookup itself.
 */
function byIdQuery(db: Db, id: string): CompiledQuery<PersonaRow> {
  let q = byIdQueries.get(db);
  if (!q) {
    q = db.kysely.selectFrom('personas').selectAll().where('id', '=', '').compile();
    byIdQueries.set(db, q);
  }
  return { ...q, parameters: [id] };
}

/** The persona if the caller may read it; NotFound otherwise (missing, or another account's). */
export async function getPersona(ctx: Ctx, id: string, options: GetOptions = {}): Promise<Persona> {
  // No stored id holds a NUL or is this long; PostgreSQL refuses NUL in text (a 500), so ask nothing.
  if (id.length > 256 || id.includes('\u0000')) throw notFound('Persona');
  let p = ctx.personas.get(id);
  if (p === undefined) {
    const row = (await ctx.db.kysely.executeQuery(byIdQuery(ctx.db, id))).rows[0];
    p = row ? rowToPersona(row) : null;
    if (p) ctx.personas.set(p);
    else ctx.personas.setMissing(id);
  }
  if (!p || !canRead(ctx, p, options)) throw notFound('Persona');
  return p;
}

function canRead(ctx: Ctx, p: Persona, options: GetOptions): boolean {
  if (p.accountId === ctx.accountId) return true;
  return p.personaType === 'system' && options.includeSystem !== false;
}

export interface ListQuery {
  limit: number;
  cursor?: string | undefined;
}

export interface ListPage {
  items: Persona[];
  nextCursor: string | null;
}

/** Newest first, keyset-paginated on (created_at, id): every page costs the same at any store size. */
export async function listPersonas(ctx: Ctx, q: ListQuery): Promise<ListPage> {
  let query = ctx.db.kysely
    .selectFrom('personas')
    .selectAll()
    .where('account_id', '=', ctx.accountId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(q.limit + 1);
  if (q.cursor) {
    const [createdAt, id] = decodeCursor(q.cursor);
    // A row-value comparison is one range seek on the (account_id, created_at, id) index on both
    // backends; the equivalent OR of two conditions made SQLite scan from the start of the account.
    query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(createdAt, id)));
  }
  const rows = await query.execute();
  const items = rows.slice(0, q.limit).map(rowToPersona);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null };
}

export interface OffsetQuery {
  limit: number;
  offset: number;
  type: 'user' | 'system';
}

/** Page-numbered listing (Tavus' shape): newest first with a total count. */
export async function listPersonasByOffset(
  ctx: Ctx,
  q: OffsetQuery,
): Promise<{ items: Persona[]; total: number }> {
  const owner = q.type === 'system' ? SYSTEM_ACCOUNT : ctx.accountId;
  const base = ctx.db.kysely
    .selectFrom('personas')
    .where('account_id', '=', owner)
    .where('persona_type', '=', q.type);
  const [rows, count] = await Promise.all([
    base
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(q.limit)
      .offset(q.offset)
      .execute(),
    base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(rowToPersona), total: Number(count.n) };
}

export type Mutation = (current: Readonly<Persona>) => PersonaFields | Promise<PersonaFields>;

export interface UpdateOptions {
  /** Write a new version even if the fields are unchanged (a restore always makes one). */
  force?: boolean;
  /** Recorded on the new version: the version a restore copies. */
  restoredFrom?: number;
}

export interface UpdateResult {
  persona: Persona;
  changed: boolean;
}

/**
 * Read-modify-write in one transaction with the row locked (PostgreSQL FOR UPDATE; SQLite serializes
 * writers), so concurrent updates never lose one another. The mutation may throw to refuse the change;
 * then nothing is written. A mutation that changes nothing writes nothing and keeps the version.
 *
 * Each change writes its immutable version row in the same transaction, numbered as the persona's
 * `version` (the row lock makes the numbers strictly increasing with no gap or duplicate), then applies
 * the retention setting.
 */
export async function updatePersona(
  ctx: Ctx,
  id: string,
  mutate: Mutation,
  options: UpdateOptions = {},
): Promise<UpdateResult> {
  let pruned: number[] = [];
  const result = await ctx.db.kysely.transaction().execute(async (tx) => {
    const current = await lockOwned(ctx, tx, id);
    const next = await mutate(current);
    if (!options.force && sameFields(fieldsOf(current), next)) return { persona: current, changed: false };
    const written = await writeChange(ctx, tx, current, next, options);
    pruned = written.pruned;
    await ctx.db.announceChange(tx, 'personas');
    return { persona: written.persona, changed: true };
  });
  ctx.personas.invalidate(id);
  if (pruned.length > 0) forgetVersions(ctx.db, id, pruned);
  return result;
}

/**
 * Writes a change to a persona locked in `tx` (lockOwned, or FOR UPDATE by the caller): the row, at the
 * next version, and that version's immutable row, then applies retention. Every path that changes a
 * persona goes through here, so none can change one without a version (issue 16). The caller announces
 * the change, invalidates the cache and forgets the pruned versions after the commit.
 */
export async function writeChange(
  ctx: Ctx,
  tx: Tx,
  current: Persona,
  next: PersonaFields,
  options: UpdateOptions = {},
): Promise<{ persona: Persona; pruned: number[] }> {
  const updated: Persona = {
    ...current,
    ...next,
    updatedAt: laterIso(ctx.now(), current.updatedAt),
    version: current.version + 1,
  };
  await tx
    .updateTable('personas')
    .set({ ...fieldsToRow(next), updated_at: updated.updatedAt, version: updated.version })
    .where('id', '=', current.id)
    .where('version', '=', current.version)
    .execute();
  // The state being replaced may predate versions (or come from a path that records none): keep it.
  await recordIfMissing(tx, current);
  await tx
    .insertInto('persona_versions')
    .values(versionRow(updated, { keyId: ctx.keyId, restoredFrom: options.restoredFrom ?? null }))
    .execute();
  const pruned = await pruneVersions(tx, current.id, ctx.config.PERSONAKIT_PERSONA_VERSIONS_KEEP);
  return { persona: updated, pruned };
}

/** Its versions go with it (persona_versions rows cascade in the same transaction). */
export async function deletePersona(ctx: Ctx, id: string): Promise<void> {
  await ctx.db.kysely.transaction().execute(async (tx) => {
    await lockOwned(ctx, tx, id);
    await tx.deleteFrom('personas').where('id', '=', id).execute();
    await ctx.db.announceChange(tx, 'personas');
  });
  ctx.personas.invalidate(id);
}

async function lockOwned(ctx: Ctx, tx: Tx, id: string): Promise<Persona> {
  let q = tx.selectFrom('personas').selectAll().where('id', '=', id);
  if (ctx.db.dialect === 'postgres') q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw notFound('Persona');
  const p = rowToPersona(row);
  if (p.accountId !== ctx.accountId) {
    // A system persona is visible to everyone, so refusing it is not an information leak.
    if (p.personaType === 'system') throw new AppError('forbidden', 'System personas cannot be modified');
    throw notFound('Persona');
  }
  return p;
}

function sameFields(a: PersonaFields, b: PersonaFields): boolean {
  return JSON.stringify(fieldsToRow(a)) === JSON.stringify(fieldsToRow(b));
}

/** updated_at strictly increases even when two writes land in the same millisecond. */
function laterIso(now: Date, previous: string): string {
  const t = Math.max(now.getTime(), Date.parse(previous) + 1);
  return new Date(t).toISOString();
}

function encodeCursor(p: Persona): string {
  return Buffer.from(JSON.stringify([p.createdAt, p.id])).toString('base64url');
}

/**
 * A cursor is client input: its fields reach the query, so each must be what encodeCursor() writes. A
 * forged one with NUL made PostgreSQL fail (a 500); any other string would have paged from nowhere.
 */
function decodeCursor(cursor: string): [string, string] {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      isIsoTime(v[0]) &&
      typeof v[1] === 'string' &&
      idPattern.test(v[1])
    ) {
      return [v[0], v[1]];
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError('invalid', 'cursor: not a cursor returned by this API', { field: 'cursor' });
}

/** Exactly the form Date.toISOString() writes (created_at is stored that way). */
function isIsoTime(v: unknown): v is string {
  if (typeof v !== 'string' || v.length !== 24) return false;
  const t = Date.parse(v);
  return Number.isFinite(t) && new Date(t).toISOString() === v;
}
