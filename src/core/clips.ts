import { randomUUID } from 'node:crypto';
import type { Db, Tx } from '../storage/db.ts';
import type { ClipRow } from '../storage/schema.ts';
import type { Ctx } from './context.ts';
import { AppError, notFound } from './errors.ts';

/**
 * Music clips. personakit does not synthesize music: clips enter the store by registration, either as
 * generated elsewhere ('gen') or uploaded ('upload'). The difference matters because Suno personas can
 * only be made from generated clips. Clips are per account: another account's clip is "not found".
 */

export type ClipType = 'gen' | 'upload';

/** Suno clip ids are UUIDs; anything URL- and shell-safe up to 64 characters is accepted. */
export const clipIdPattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export interface ClipInput {
  /** The clip's id at the upstream, when the client has one; a new UUID otherwise. */
  id?: string | undefined;
  title: string;
  audioUrl: string;
  videoUrl: string;
  imageUrl: string;
  imageLargeUrl: string;
  majorModelVersion: string;
  modelName: string;
  tags: string;
  prompt: string;
  duration: number | null;
  status: string;
  isPublic: boolean;
  createdAt?: string | undefined;
}

/** The public profile of the account that owns a clip or persona, as Suno shows a user. */
export interface Owner {
  accountId: string;
  displayName: string;
  handle: string;
  imageUrl: string;
}

export interface Clip extends Required<Omit<ClipInput, 'id' | 'createdAt'>> {
  id: string;
  type: ClipType;
  isTrashed: boolean;
  createdAt: string;
  owner: Owner;
}

/** Suno handles are lowercase alphanumerics; the account name is the only profile personakit has. */
export function ownerFromAccount(accountId: string, name: string): Owner {
  const handle = name.toLowerCase().replace(/[^a-z0-9_]+/g, '');
  return { accountId, displayName: name, handle: handle || accountId, imageUrl: '' };
}

/**
 * A clip id is the upstream's id, and generation forwards it with the operator's key: an id another
 * account holds is refused exactly like one this account holds (409 either way, so the answer does not
 * say which), or a tenant could make another's upstream clip its own (ADR 0016).
 */
export async function registerClip(ctx: Ctx, type: ClipType, input: ClipInput): Promise<Clip> {
  const id = input.id ?? randomUUID();
  const taken = await ctx.db.kysely.selectFrom('clips').select('id').where('id', '=', id).executeTakeFirst();
  if (taken) throw new AppError('conflict', `Clip ${id} is already registered`, { field: 'id' });
  const result = await ctx.db.kysely
    .insertInto('clips')
    .values({
      account_id: ctx.accountId,
      id,
      clip_type: type,
      title: input.title,
      audio_url: input.audioUrl,
      video_url: input.videoUrl,
      image_url: input.imageUrl,
      image_large_url: input.imageLargeUrl,
      major_model_version: input.majorModelVersion,
      model_name: input.modelName,
      tags: input.tags,
      prompt: input.prompt,
      duration: input.duration,
      status: input.status,
      is_public: input.isPublic ? 1 : 0,
      is_trashed: 0,
      created_at: input.createdAt ?? ctx.now().toISOString(),
    })
    .onConflict((oc) => oc.columns(['account_id', 'id']).doNothing())
    .executeTakeFirst();
  if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) {
    throw new AppError('conflict', `Clip ${id} is already registered`, { field: 'id' });
  }
  const [clip] = await loadClips(ctx.db.kysely, ctx.accountId, [id]);
  if (!clip) throw notFound('Clip');
  return clip;
}

/**
 * The caller's clips among `ids`, in the order asked, each once. Unknown ids and other accounts' clips
 * are simply absent, as in Suno's feed.
 */
export async function feedClips(ctx: Ctx, ids: string[]): Promise<Clip[]> {
  return loadClips(ctx.db.kysely, ctx.accountId, ids);
}

/**
 * Checks that every clip id a request would send upstream (with the operator's key) is the caller's and
 * no other account's: `[field, id]` pairs; the first failing one is a 404 naming its field, exactly like a
 * missing clip. An id held by two accounts (registered before ids were exclusive, or by a race between two
 * registrations) is forwarded for neither.
 */
export async function checkOwnClipIds(
  ctx: Ctx,
  named: readonly (readonly [string, string])[],
): Promise<void> {
  const ids = [...new Set(named.map(([, id]) => id))];
  if (ids.length === 0) return;
  const rows = await ctx.db.kysely
    .selectFrom('clips')
    .select(['id', 'account_id'])
    .where('id', 'in', ids)
    .execute();
  const owners = new Map<string, Set<string>>();
  for (const r of rows) owners.set(r.id, (owners.get(r.id) ?? new Set()).add(r.account_id));
  for (const [field, id] of named) {
    const who = owners.get(id);
    if (who?.size !== 1 || !who.has(ctx.accountId)) {
      throw new AppError('not_found', `${field}: clip ${id} not found`, { field });
    }
  }
}

/** A clip as the upstream reported it for one of the caller's tasks. */
export interface UpstreamClip extends Omit<ClipInput, 'id'> {
  id: string;
}

/**
 * Records (or brings up to date) clips the upstream generated for the caller's task `taskId`. The trash
 * flag, type and creation time of a clip already recorded are kept.
 */
export async function recordUpstreamClips(ctx: Ctx, taskId: string, clips: UpstreamClip[]): Promise<void> {
  for (const c of clips) {
    const fields = {
      title: c.title,
      audio_url: c.audioUrl,
      video_url: c.videoUrl,
      image_url: c.imageUrl,
      image_large_url: c.imageLargeUrl,
      major_model_version: c.majorModelVersion,
      model_name: c.modelName,
      tags: c.tags,
      prompt: c.prompt,
      duration: c.duration,
      status: c.status,
      task_id: taskId,
    };
    await ctx.db.kysely
      .insertInto('clips')
      .values({
        account_id: ctx.accountId,
        id: c.id,
        clip_type: 'gen',
        ...fields,
        is_public: c.isPublic ? 1 : 0,
        is_trashed: 0,
        created_at: c.createdAt ?? ctx.now().toISOString(),
      })
      .onConflict((oc) => oc.columns(['account_id', 'id']).doUpdateSet(fields))
      .execute();
  }
}

/** The caller's clips among `ids` that came from an upstream task and are not final yet, with that task. */
export async function pendingUpstreamClips(
  ctx: Ctx,
  ids: string[],
): Promise<{ id: string; taskId: string }[]> {
  if (ids.length === 0) return [];
  const rows = await ctx.db.kysely
    .selectFrom('clips')
    .select(['id', 'task_id'])
    .where('account_id', '=', ctx.accountId)
    .where('id', 'in', [...new Set(ids)])
    .where('task_id', 'is not', null)
    .where('status', 'not in', FINAL_STATUSES)
    .execute();
  return rows.flatMap((r) => (r.task_id === null ? [] : [{ id: r.id, taskId: r.task_id }]));
}

/** Statuses after which a clip no longer changes upstream. */
export const FINAL_STATUSES = ['complete', 'error'];

/** Moves a clip to the trash (idempotent). Trashed clips stay readable but cannot join a persona. */
export async function trashClip(ctx: Ctx, id: string): Promise<Clip> {
  const r = await ctx.db.kysely
    .updateTable('clips')
    .set({ is_trashed: 1 })
    .where('account_id', '=', ctx.accountId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) throw notFound(`Clip ${id}`);
  const [clip] = await loadClips(ctx.db.kysely, ctx.accountId, [id]);
  if (!clip) throw notFound(`Clip ${id}`);
  return clip;
}

/** One account's clips by id, in the order of `ids` (duplicates dropped), missing ones left out. */
export async function loadClips(db: Db['kysely'] | Tx, accountId: string, ids: string[]): Promise<Clip[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const rows = await db
    .selectFrom('clips')
    .innerJoin('accounts', 'accounts.id', 'clips.account_id')
    .selectAll('clips')
    .select('accounts.name as account_name')
    .where('clips.account_id', '=', accountId)
    .where('clips.id', 'in', unique)
    .execute();
  const byId = new Map(rows.map((r) => [r.id, rowToClip(r, r.account_name)]));
  return unique.flatMap((id) => byId.get(id) ?? []);
}

function rowToClip(row: ClipRow, accountName: string): Clip {
  return {
    id: row.id,
    type: row.clip_type === 'upload' ? 'upload' : 'gen',
    title: row.title,
    audioUrl: row.audio_url,
    videoUrl: row.video_url,
    imageUrl: row.image_url,
    imageLargeUrl: row.image_large_url,
    majorModelVersion: row.major_model_version,
    modelName: row.model_name,
    tags: row.tags,
    prompt: row.prompt,
    duration: row.duration === null ? null : Number(row.duration),
    status: row.status,
    isPublic: Number(row.is_public) === 1,
    isTrashed: Number(row.is_trashed) === 1,
    createdAt: row.created_at,
    owner: ownerFromAccount(row.account_id, accountName),
  };
}
