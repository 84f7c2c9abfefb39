import { sql } from 'kysely';
import type { Ctx } from './context.ts';
import { AppError } from './errors.ts';
import { decodeCursor, encodeCursor } from './keyset-cursor.ts';

/**
 * One list of every persona of the account, whichever surface made it, for people browsing them (the
 * web console): a name search and, per persona, the surface it looks made by. The store keeps no
 * "made by" column (one record behind every surface), so the source is read from what the persona holds,
 * in this order: a Suno side (suno_personas) → `suno`; card fields → `card` (imported character card);
 * Tavus fields (system prompt, context, layers, replica) → `tavus`; else `opengiant`.
 */

export const PERSONA_SOURCES = ['opengiant', 'tavus', 'suno', 'card'] as const;
export type PersonaSource = (typeof PERSONA_SOURCES)[number];

export interface CatalogQuery {
  limit: number;
  cursor?: string | undefined;
  /** Case-insensitive substring of the name. */
  q?: string | undefined;
  source?: PersonaSource | undefined;
}

export interface CatalogItem {
  id: string;
  name: string;
  description: string;
  source: PersonaSource;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** Longest description returned in a list (the persona itself has the rest). */
const DESCRIPTION_CHARS = 280;

/** `%`, `_` and `\` stand for themselves in the search (LIKE … ESCAPE '\'). */
const likePattern = (q: string) => `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export async function listPersonaCatalog(
  ctx: Ctx,
  query: CatalogQuery,
): Promise<{ items: CatalogItem[]; nextCursor: string | null }> {
  const db = ctx.db.kysely;
  const isSuno = sql<boolean>`exists (select 1 from suno_personas s where s.persona_id = personas.id)`;
  const isCard = sql<boolean>`personas.card is not null`;
  const isTavus = sql<boolean>`(personas.system_prompt is not null or personas.context is not null or personas.default_replica_id is not null or personas.layers <> '{}')`;
  const source = sql<string>`case when ${isSuno} then 'suno' when ${isCard} then 'card' when ${isTavus} then 'tavus' else 'opengiant' end`;
  let q = db
    .selectFrom('personas')
    .select(['id', 'name', 'description', 'version', 'created_at', 'updated_at', source.as('source')])
    .where('account_id', '=', ctx.accountId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(query.limit + 1);
  if (query.q) q = q.where(sql<boolean>`lower(personas.name) like ${likePattern(query.q)} escape '\\'`);
  if (query.source) q = q.where(sql<boolean>`${source} = ${query.source}`);
  if (query.cursor) {
    const at = decodeCursor(query.cursor);
    if (!at) throw new AppError('invalid', 'cursor: not a cursor returned by this API', { field: 'cursor' });
    q = q.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(at[0], at[1])));
  }
  const rows = await q.execute();
  const items = rows.slice(0, query.limit).map((r) => ({
    id: r.id,
    name: r.name,
    description:
      r.description.length > DESCRIPTION_CHARS
        ? `${r.description.slice(0, DESCRIPTION_CHARS)}…`
        : r.description,
    source: (PERSONA_SOURCES as readonly string[]).includes(r.source)
      ? (r.source as PersonaSource)
      : 'opengiant',
    version: Number(r.version),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }));
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.createdAt, last.id) : null,
  };
}
