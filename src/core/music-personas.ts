import type { Db, Tx } from '../storage/db.ts';
import { type Clip, checkOwnClipIds, loadClips, type Owner, ownerFromAccount } from './clips.ts';
import type { Ctx } from './context.ts';
import { AppError, notFound } from './errors.ts';
import { newId } from './ids.ts';
import { mergeClipTags, styleAttributes } from './music-style.ts';
import { emptyFields, fieldsToRow, type Persona, rowToPersona } from './persona.ts';
import { firstVersionRow } from './persona-version-rows.ts';
import { deletePersona } from './personas.ts';
import type { SunoUpstream } from './suno-upstream.ts';

/**
 * Suno music personas. A music persona IS a row of `personas` (name, description, and its style in
 * `attributes`), so /v1 and /v2 read it too; its Suno side (root clip, ordered clips, is_public) lives
 * in suno_personas and persona_clips. A public persona is readable by every account but only its own
 * account may use or change it.
 */

export interface MusicPersonaInput {
  rootClipId: string;
  name: string;
  description: string;
  clips: string[];
  isPublic: boolean;
  /** Only an upstream id personakit created for this account (another of its personas has it). */
  upstreamPersonaId?: string | undefined;
}

export interface MusicPersona {
  persona: Persona;
  rootClipId: string;
  rootClip: Clip;
  /** In order; `position` (1-based) is the persona_clips[].id on the wire. */
  clips: { position: number; clip: Clip }[];
  isPublic: boolean;
  /** The same persona at the operator's upstream, created there by personakit; null for other accounts. */
  upstreamPersonaId: string | null;
  owner: Owner;
}

/** What the caller wants to do with a persona: others may read a public persona, nothing more. */
export type Access = 'read' | 'use' | 'change';

export const MAX_PERSONA_CLIPS = 50;

/**
 * Creates the persona; with an upstream configured, first at the upstream (the seed's call, with the
 * operator's key), keeping the upstream's id, so generation can name it there. An upstream failure
 * creates nothing.
 */
export async function createMusicPersona(
  ctx: Ctx,
  input: MusicPersonaInput,
  upstream?: SunoUpstream,
): Promise<MusicPersona> {
  // The root clip is always one of the persona's clips; it leads when the request did not list it.
  const ids = [
    ...new Set(input.clips.includes(input.rootClipId) ? input.clips : [input.rootClipId, ...input.clips]),
  ];
  if (ids.length > MAX_PERSONA_CLIPS) {
    throw new AppError('invalid', `clips: at most ${MAX_PERSONA_CLIPS} clips`, { field: 'clips' });
  }
  checkUsable(await loadClips(ctx.db.kysely, ctx.accountId, ids), input);
  let upstreamPersonaId: string | null = null;
  if (input.upstreamPersonaId !== undefined) {
    upstreamPersonaId = await ownUpstreamPersonaId(ctx, input.upstreamPersonaId);
  } else if (upstream?.configured) {
    upstreamPersonaId = await createUpstream(ctx, upstream, {
      rootClipId: input.rootClipId,
      name: input.name,
      description: input.description,
      clipIds: ids,
      isPublic: input.isPublic,
    });
  }
  const now = ctx.now().toISOString();
  const id = await ctx.db.kysely.transaction().execute(async (tx) => {
    const clips = await loadClips(tx, ctx.accountId, ids);
    checkUsable(clips, input);
    const fields = {
      ...emptyFields(input.name),
      description: input.description,
      attributes: styleAttributes(mergeClipTags(clips.map((c) => c.tags))),
    };
    const personaId = newId('p');
    const row = {
      id: personaId,
      account_id: ctx.accountId,
      persona_type: 'user',
      ...fieldsToRow(fields),
      created_at: now,
      updated_at: now,
      version: 1,
    };
    await tx.insertInto('personas').values(row).execute();
    await tx.insertInto('persona_versions').values(firstVersionRow(row, ctx.keyId)).execute();
    await tx
      .insertInto('suno_personas')
      .values({
        persona_id: personaId,
        account_id: ctx.accountId,
        root_clip_id: input.rootClipId,
        is_public: input.isPublic ? 1 : 0,
        upstream_persona_id: upstreamPersonaId,
      })
      .execute();
    await tx
      .insertInto('persona_clips')
      .values(
        clips.map((c, i) => ({
          persona_id: personaId,
          position: i + 1,
          account_id: ctx.accountId,
          clip_id: c.id,
        })),
      )
      .execute();
    await ctx.db.announceChange(tx, 'personas');
    return personaId;
  });
  return getMusicPersona(ctx, id, 'change');
}

/**
 * The seed's rules: every clip exists in the caller's account (another account's clip is "not found",
 * exactly like a missing one), was generated rather than uploaded, and is not in the trash.
 */
function checkUsable(found: Clip[], input: MusicPersonaInput): void {
  const byId = new Map(found.map((c) => [c.id, c]));
  const checks: [string, string][] = [
    ['root_clip_id', input.rootClipId],
    ...input.clips.map((id, i): [string, string] => [`clips.${i}`, id]),
  ];
  for (const [field, id] of checks) {
    const clip = byId.get(id);
    if (!clip) throw new AppError('not_found', `${field}: clip ${id} not found`, { field });
    if (clip.type === 'upload') {
      throw new AppError('invalid', `${field}: clip ${id} is an upload; personas need generated clips`, {
        field,
      });
    }
    if (clip.isTrashed) throw new AppError('invalid', `${field}: clip ${id} is in the trash`, { field });
  }
}

export async function getMusicPersona(ctx: Ctx, id: string, access: Access): Promise<MusicPersona> {
  const row = await personaRows(ctx.db.kysely).where('personas.id', '=', id).executeTakeFirst();
  const own = row?.account_id === ctx.accountId;
  if (!row || (!own && Number(row.is_public) !== 1)) throw notFound('Persona');
  if (row.root_clip_id === null) {
    // Only the owner gets here (a persona without a Suno side is never public), so this tells nothing.
    throw new AppError(
      'not_found',
      `Persona ${id} has no clips: music personas are made with /suno/persona/create/`,
    );
  }
  if (!own && access !== 'read') {
    // A public persona is visible, so refusing it openly leaks nothing.
    throw new AppError(
      'forbidden',
      `Persona ${id} belongs to another account: it can be read, not ${verb[access]}`,
    );
  }
  const [persona] = await hydrate(ctx.db.kysely, [row]);
  if (!persona) throw notFound('Persona');
  // The upstream id is the owner's handle on the operator's upstream: a public read does not show it.
  return own ? persona : { ...persona, upstreamPersonaId: null };
}

/**
 * A caller-given upstream id is accepted only when personakit created it upstream for this account (one
 * of its personas has it): copying another account's id would let a tenant generate with that persona.
 */
async function ownUpstreamPersonaId(ctx: Ctx, id: string): Promise<string> {
  const row = await ctx.db.kysely
    .selectFrom('suno_personas')
    .select('upstream_persona_id')
    .where('account_id', '=', ctx.accountId)
    .where('upstream_persona_id', '=', id)
    .executeTakeFirst();
  if (!row) {
    throw new AppError(
      'not_found',
      `upstream_persona_id: upstream persona ${id} not found among this account's personas (personakit creates it upstream)`,
      { field: 'upstream_persona_id' },
    );
  }
  return id;
}

interface UpstreamPersonaRequest {
  rootClipId: string;
  name: string;
  description: string;
  clipIds: string[];
  isPublic: boolean;
}

/** POST /suno/persona/create/ upstream (the seed's body); answers the upstream's persona id. */
async function createUpstream(ctx: Ctx, upstream: SunoUpstream, p: UpstreamPersonaRequest): Promise<string> {
  // Every clip sent with the operator's key must be the caller's and no other account's.
  await checkOwnClipIds(ctx, [
    ['root_clip_id', p.rootClipId],
    ...p.clipIds.map((id, i): [string, string] => [`clips.${i}`, id]),
  ]);
  const reply = await upstream.postJson('/suno/persona/create/', {
    root_clip_id: p.rootClipId,
    name: p.name,
    description: p.description,
    clips: p.clipIds,
    is_public: p.isPublic,
  });
  const body = reply.body as Record<string, unknown>;
  const data =
    body.data !== null && typeof body.data === 'object' ? (body.data as Record<string, unknown>) : {};
  const id = [body.id, data.id].find((v) => typeof v === 'string' && v.length > 0 && v.length <= 200);
  if (typeof id !== 'string') {
    throw new AppError('upstream_failed', 'The Suno upstream created the persona without answering its id');
  }
  return id;
}

/**
 * The persona's upstream id, creating the persona upstream first when it has none (made before an
 * upstream was configured, or before personakit created personas upstream). Generation never sends
 * personakit's own id: the upstream would not know it.
 */
export async function ensureUpstreamPersona(
  ctx: Ctx,
  upstream: SunoUpstream,
  mp: MusicPersona,
): Promise<string> {
  if (mp.upstreamPersonaId !== null) return mp.upstreamPersonaId;
  const id = await createUpstream(ctx, upstream, {
    rootClipId: mp.rootClipId,
    name: mp.persona.name,
    description: mp.persona.description,
    clipIds: mp.clips.map((c) => c.clip.id),
    isPublic: mp.isPublic,
  });
  // Two first generations at once: the first id stored wins, and both send it.
  await ctx.db.kysely
    .updateTable('suno_personas')
    .set({ upstream_persona_id: id })
    .where('persona_id', '=', mp.persona.id)
    .where('account_id', '=', ctx.accountId)
    .where('upstream_persona_id', 'is', null)
    .execute();
  const row = await ctx.db.kysely
    .selectFrom('suno_personas')
    .select('upstream_persona_id')
    .where('persona_id', '=', mp.persona.id)
    .executeTakeFirst();
  return row?.upstream_persona_id ?? id;
}

const verb: Record<Access, string> = { read: 'read', use: 'used', change: 'changed' };

export interface MusicPersonaPage {
  items: MusicPersona[];
  total: number;
}

/** The caller's music personas, newest first, page-numbered (1-based) like Suno's own listing. */
export async function listMusicPersonas(
  ctx: Ctx,
  q: { page: number; limit: number },
): Promise<MusicPersonaPage> {
  const [rows, count] = await Promise.all([
    personaRows(ctx.db.kysely)
      .where('personas.account_id', '=', ctx.accountId)
      .where('suno_personas.persona_id', 'is not', null)
      .orderBy('personas.created_at', 'desc')
      .orderBy('personas.id', 'desc')
      .limit(q.limit)
      .offset((q.page - 1) * q.limit)
      .execute(),
    ctx.db.kysely
      .selectFrom('suno_personas')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('account_id', '=', ctx.accountId)
      .executeTakeFirstOrThrow(),
  ]);
  return { items: await hydrate(ctx.db.kysely, rows), total: Number(count.n) };
}

/** Deletes the persona everywhere (its Suno side goes with it by cascade); clips stay. */
export async function deleteMusicPersona(ctx: Ctx, id: string): Promise<void> {
  await getMusicPersona(ctx, id, 'change');
  await deletePersona(ctx, id);
}

function personaRows(db: Db['kysely'] | Tx) {
  return db
    .selectFrom('personas')
    .innerJoin('accounts', 'accounts.id', 'personas.account_id')
    .leftJoin('suno_personas', 'suno_personas.persona_id', 'personas.id')
    .selectAll('personas')
    .select([
      'accounts.name as account_name',
      'suno_personas.root_clip_id',
      'suno_personas.is_public',
      'suno_personas.upstream_persona_id',
    ]);
}

type PersonaRowWithSuno = Awaited<ReturnType<ReturnType<typeof personaRows>['executeTakeFirstOrThrow']>>;

/** Adds clips to persona rows with one query for all clip links and one per owning account for clips. */
async function hydrate(db: Db['kysely'], rows: PersonaRowWithSuno[]): Promise<MusicPersona[]> {
  if (rows.length === 0) return [];
  const links = await db
    .selectFrom('persona_clips')
    .selectAll()
    .where(
      'persona_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('persona_id')
    .orderBy('position')
    .execute();
  const clips = new Map<string, Clip>();
  for (const accountId of new Set(rows.map((r) => r.account_id))) {
    const ids = [
      ...rows
        .filter((r) => r.account_id === accountId)
        .flatMap((r) => (r.root_clip_id ? [r.root_clip_id] : [])),
      ...links.filter((l) => l.account_id === accountId).map((l) => l.clip_id),
    ];
    for (const c of await loadClips(db, accountId, ids)) clips.set(`${accountId}/${c.id}`, c);
  }
  return rows.flatMap((row) => {
    const rootClip = clips.get(`${row.account_id}/${row.root_clip_id}`);
    if (!rootClip || row.root_clip_id === null) return [];
    return [
      {
        persona: rowToPersona(row),
        rootClipId: row.root_clip_id,
        rootClip,
        clips: links
          .filter((l) => l.persona_id === row.id)
          .flatMap((l) => {
            const clip = clips.get(`${l.account_id}/${l.clip_id}`);
            return clip ? [{ position: Number(l.position), clip }] : [];
          }),
        isPublic: Number(row.is_public) === 1,
        upstreamPersonaId: row.upstream_persona_id,
        owner: ownerFromAccount(row.account_id, row.account_name),
      },
    ];
  });
}
