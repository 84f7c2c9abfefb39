import jsonpatch, { type Operation } from 'fast-json-patch';
import type { PersonaVersionRow } from '../storage/schema.ts';
import type { Ctx } from './context.ts';
import { AppError, notFound } from './errors.ts';
import { fieldsOf, type Persona } from './persona.ts';
import { cachedVersion, cacheVersion } from './persona-version-cache.ts';
import { recordIfMissing, versionToPersona } from './persona-version-rows.ts';
import { getPersona, updatePersona } from './personas.ts';

/**
 * Immutable persona versions (issue 16; docs/versions.md): every change to a persona, through any
 * surface, writes a numbered row in its own transaction (personas.ts, music-personas.ts). These are the
 * reads: a version as a persona (pinned refine and chat), the history, diffs, and restore.
 *
 * Access is always the persona's: whoever may read the persona may read its versions, and another
 * account's persona or version is "not found".
 */

const versionNotFound = () => notFound('Persona version');

/**
 * The persona as it was at version `n`: the latest is the persona itself (from the persona cache), an
 * older one comes from the version cache or one primary-key read. NotFound for a persona the caller may
 * not read, and for a version that does not exist (or was pruned by retention).
 */
export async function getPersonaVersion(ctx: Ctx, id: string, n: number): Promise<Persona> {
  const current = await getPersona(ctx, id);
  if (!Number.isSafeInteger(n) || n < 1 || n > current.version) throw versionNotFound();
  if (n === current.version) return current;
  const hit = cachedVersion(ctx.db, id, n);
  if (hit) return hit;
  const row = await selectVersion(ctx, id, n);
  if (!row) throw versionNotFound();
  return cacheVersion(ctx.db, versionToPersona(current, row));
}

/** A persona reference as chat model ids write it: `<persona_id>` or `<persona_id>@<n>` (a pinned version). */
export interface PersonaRef {
  id: string;
  /** The pinned version; undefined for the latest. */
  version?: number;
}

const pinnedRef = /^([a-z][a-z0-9_]{1,63})@([1-9][0-9]{0,14})$/;

/**
 * Splits `<persona_id>@<n>`; anything else is returned whole as an id (which then is "not found" if it is
 * not one). One anchored pattern with no nested repetition: linear on any input.
 */
export function parsePersonaRef(ref: string): PersonaRef {
  const m = pinnedRef.exec(ref);
  if (!m?.[1] || !m[2]) return { id: ref };
  return { id: m[1], version: Number(m[2]) };
}

/** One version with what is known about it, for the history API. */
export interface PersonaVersion {
  personaId: string;
  version: number;
  createdAt: string;
  keyId: string | null;
  restoredFrom: number | null;
  persona: Persona;
}

export type VersionSummary = Omit<PersonaVersion, 'persona'>;

export async function getPersonaVersionRecord(ctx: Ctx, id: string, n: number): Promise<PersonaVersion> {
  const current = await getPersona(ctx, id);
  if (!Number.isSafeInteger(n) || n < 1 || n > current.version) throw versionNotFound();
  let row = await selectVersion(ctx, id, n);
  if (!row && n === current.version) {
    await recordIfMissing(ctx.db.kysely, current);
    row = await selectVersion(ctx, id, n);
  }
  if (!row) throw versionNotFound();
  return { ...summaryOf(row), persona: versionToPersona(current, row) };
}

export interface VersionPage {
  items: VersionSummary[];
  nextCursor: string | null;
}

/** Newest first, keyset-paginated on the version number (one range read of the primary key a page). */
export async function listPersonaVersions(
  ctx: Ctx,
  id: string,
  q: { limit: number; cursor?: string | undefined },
): Promise<VersionPage> {
  const current = await getPersona(ctx, id);
  const before = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  let rows = await selectPage(ctx, id, q.limit + 1, before);
  // The state the persona is in may not be recorded yet (see recordIfMissing): the first page shows it.
  if (before === undefined && Number(rows[0]?.version ?? 0) < current.version) {
    await recordIfMissing(ctx.db.kysely, current);
    rows = await selectPage(ctx, id, q.limit + 1, before);
  }
  const items = rows.slice(0, q.limit).map(summaryOf);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > q.limit && last ? encodeCursor(last.version) : null };
}

/**
 * The fields a version shows, with the names of the persona's columns. Sealed secrets are left out: they
 * stay encrypted in the version and are never returned (a restore brings them back).
 */
export function versionFields(p: Persona) {
  return {
    name: p.name,
    description: p.description,
    attributes: p.attributes,
    system_prompt: p.systemPrompt,
    context: p.context,
    pipeline_mode: p.pipelineMode,
    default_replica_id: p.defaultReplicaId,
    document_ids: p.documentIds,
    document_tags: p.documentTags,
    layers: p.layers,
    card: p.card,
  };
}

/**
 * An RFC 6902 patch that turns version `from` into version `to` (paths as in versionFields). `from` 0 is
 * the nothing before version 1: the patch adds every field.
 */
export async function diffPersonaVersions(
  ctx: Ctx,
  id: string,
  from: number,
  to: number,
): Promise<Operation[]> {
  const b = await getPersonaVersion(ctx, id, to);
  const a = from === 0 ? {} : versionFields(await getPersonaVersion(ctx, id, from));
  return jsonpatch.compare(a, versionFields(b));
}

/**
 * A new version whose fields are those of version `n` (sealed secrets included). Always a new version,
 * even when the persona already equals n: the history shows that a restore happened, by which key.
 */
export async function restorePersonaVersion(ctx: Ctx, id: string, n: number): Promise<PersonaVersion> {
  const target = await getPersonaVersion(ctx, id, n);
  const { persona } = await updatePersona(ctx, id, () => fieldsOf(target), { force: true, restoredFrom: n });
  return {
    personaId: id,
    version: persona.version,
    createdAt: persona.updatedAt,
    keyId: ctx.keyId,
    restoredFrom: n,
    persona,
  };
}

function selectVersion(ctx: Ctx, id: string, n: number): Promise<PersonaVersionRow | undefined> {
  return ctx.db.kysely
    .selectFrom('persona_versions')
    .selectAll()
    .where('persona_id', '=', id)
    .where('version', '=', n)
    .executeTakeFirst();
}

function selectPage(ctx: Ctx, id: string, limit: number, before: number | undefined) {
  let q = ctx.db.kysely
    .selectFrom('persona_versions')
    .select(['persona_id', 'version', 'created_at', 'key_id', 'restored_from'])
    .where('persona_id', '=', id)
    .orderBy('version', 'desc')
    .limit(limit);
  if (before !== undefined) q = q.where('version', '<', before);
  return q.execute();
}

function summaryOf(row: Omit<PersonaVersionRow, 'fields' | 'account_id'>): VersionSummary {
  return {
    personaId: row.persona_id,
    version: Number(row.version),
    createdAt: row.created_at,
    keyId: row.key_id,
    restoredFrom: row.restored_from === null ? null : Number(row.restored_from),
  };
}

const encodeCursor = (version: number) => Buffer.from(JSON.stringify(['v', version])).toString('base64url');

/** A cursor is client input: only what encodeCursor() writes is accepted. */
function decodeCursor(cursor: string): number {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && v[0] === 'v' && Number.isSafeInteger(v[1]) && v[1] > 0) {
      return v[1] as number;
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError('invalid', 'cursor: not a cursor returned by this API', { field: 'cursor' });
}
