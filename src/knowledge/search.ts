import { sql } from 'kysely';
import type { Db } from '../storage/db.ts';
import { bytesToVector, cosine, type Embedder } from './embeddings.ts';
import { knowledgeIndex } from './memory-index.ts';

export interface SearchInput {
  accountId: string;
  query: string;
  /** Only these documents are searched: the caller resolves which are ready and the account's. */
  documentIds: string[];
  limit?: number;
  strategy?: 'speed' | 'balanced' | 'quality';
  /** The operator's embeddings endpoint: makes `balanced` and `quality` hybrid. */
  embeddings?: Embedder | null;
}

export interface Passage {
  document_id: string;
  chunk_id: string;
  text: string;
  score: number;
  position: { ordinal: number; heading_path: string[]; page?: number; sheet?: string; url?: string };
}

export const DEFAULT_SEARCH_LIMIT = 10;
export const MAX_SEARCH_LIMIT = 100;
/** Query terms kept (after stop words): a 10,000-character query costs what a long question does. */
export const MAX_QUERY_TERMS = 64;
/** `quality` scores stored vectors of at most this many chunks per query (in-process cosine). */
export const VECTOR_SCAN_LIMIT = 50_000;
/**
 * How long a search waits for the query's vector; past it the search answers from full text. Ingestion
 * waits longer (the embedder's own 60 s): a search is someone waiting.
 */
export const QUERY_EMBED_TIMEOUT_MS = 5000;
/** After a query embedding timed out, searches skip the endpoint this long rather than each wait again. */
export const QUERY_EMBED_PAUSE_MS = 30_000;
const pausedUntil = new WeakMap<Embedder, number>();

/**
 * The query's vector, or undefined: the endpoint being down must not take search down with it (full text
 * alone answers). A refusal costs nothing and is retried at the next search; a timeout cost someone
 * QUERY_EMBED_TIMEOUT_MS, so the endpoint is left alone for QUERY_EMBED_PAUSE_MS.
 */
async function embedQuery(embedder: Embedder, query: string): Promise<Float32Array | undefined> {
  if ((pausedUntil.get(embedder) ?? 0) > Date.now()) return undefined;
  const signal = AbortSignal.timeout(QUERY_EMBED_TIMEOUT_MS);
  try {
    const [v] = await embedder.embed([query.slice(0, 8_000)], signal);
    return v;
  } catch {
    if (signal.aborted) pausedUntil.set(embedder, Date.now() + QUERY_EMBED_PAUSE_MS);
    return undefined;
  }
}
const RRF_K = 60;
// BM25 parameters of the PostgreSQL ranking: Anserini's defaults, the published BEIR BM25 baselines' own.
const K1 = 0.9;
const B = 0.4;

/**
 * Internal: which full-text ranking answers. `index` (the shipped one) is the in-memory index of ADR 0028
 * with the store's query as its fallback; `bm25` is the store's query alone (FTS5 bm25() on SQLite, BM25
 * from term statistics on PostgreSQL); `ts_rank_cd` is PostgreSQL's own (the bench compares them).
 */
export type PgRanking = 'index' | 'bm25' | 'ts_rank_cd';

/**
 * Ranked passages for a query over the given documents of one account. Full text: SQLite FTS5 bm25(),
 * PostgreSQL BM25 computed from per-document term statistics over the english tsvector. With an
 * embedder, `balanced` fuses BM25 and cosine ranks of the full-text candidates and `quality` also scores
 * every stored vector of the documents (up to VECTOR_SCAN_LIMIT chunks), by reciprocal rank fusion.
 * Query text is never passed to an FTS parser: it is reduced to letter/digit terms, quoted and OR-ed.
 */
export async function searchChunks(
  db: Db,
  input: SearchInput,
  pgRanking: PgRanking = 'index',
): Promise<Passage[]> {
  const limit = Math.min(MAX_SEARCH_LIMIT, Math.max(1, Math.floor(input.limit ?? DEFAULT_SEARCH_LIMIT)));
  if (input.documentIds.length === 0) return [];
  const strategy = input.strategy ?? 'balanced';
  const embedder = strategy === 'speed' ? null : (input.embeddings ?? null);
  const depth = !embedder
    ? limit
    : strategy === 'quality'
      ? Math.max(200, limit * 10)
      : Math.max(50, limit * 3);
  const terms = queryTerms(input.query);
  const ids = uniqueIds(input.documentIds);
  const fullText =
    terms.length === 0 ? [] : await fullTextSearch(db, input.accountId, ids, terms, depth, pgRanking);
  if (!embedder) return fullText.slice(0, limit).map(toPassage);

  // balanced only re-ranks full-text candidates: with none carrying a vector of this model, no call.
  if (strategy !== 'quality' && !fullText.some((r) => r.embedding && r.embedding_model === embedder.model)) {
    return fullText.slice(0, limit).map(toPassage);
  }
  const queryVector = await embedQuery(embedder, input.query);
  if (!queryVector) return fullText.slice(0, limit).map(toPassage);
  const vectorRanked =
    strategy === 'quality'
      ? await vectorScan(db, input.accountId, ids, queryVector, depth, embedder.model)
      : fullText
          .filter((r) => r.embedding && r.embedding_model === embedder.model)
          .map((r) => ({ row: r, sim: cosine(queryVector, bytesToVector(r.embedding as Uint8Array)) }))
          .sort((a, b) => b.sim - a.sim)
          .map((x) => x.row);
  return fuse([fullText, vectorRanked], limit).map(toPassage);
}

/** Arrays already found free of duplicates: passed on as they are, so the index can reuse its filter. */
const uniqueArrays = new WeakSet<readonly string[]>();

function uniqueIds(ids: string[]): string[] {
  if (uniqueArrays.has(ids)) return ids;
  const unique = [...new Set(ids)];
  if (unique.length !== ids.length) return unique;
  uniqueArrays.add(ids);
  return ids;
}

export interface ChunkHit {
  id: string;
  document_id: string;
  text: string;
  ordinal: number;
  heading_path: string;
  page: number | null;
  sheet: string | null;
  url: string | null;
  embedding: Uint8Array | null;
  embedding_model: string | null;
  score: number;
}

/** Reciprocal rank fusion: score = Σ 1/(60 + rank) over the lists a chunk appears in. */
function fuse(lists: ChunkHit[][], limit: number): ChunkHit[] {
  const byId = new Map<string, { hit: ChunkHit; score: number }>();
  for (const list of lists) {
    list.forEach((hit, rank) => {
      const entry = byId.get(hit.id) ?? { hit, score: 0 };
      entry.score += 1 / (RRF_K + rank + 1);
      byId.set(hit.id, entry);
    });
  }
  return [...byId.values()]
    .sort((a, b) => b.score - a.score)
    .slice(0, limit)
    .map((e) => ({ ...e.hit, score: e.score }));
}

function toPassage(hit: ChunkHit): Passage {
  const position: Passage['position'] = {
    ordinal: Number(hit.ordinal),
    heading_path: parseHeadings(hit.heading_path),
  };
  if (hit.page !== null) position.page = Number(hit.page);
  if (hit.sheet !== null) position.sheet = hit.sheet;
  if (hit.url !== null) position.url = hit.url;
  return {
    document_id: hit.document_id,
    chunk_id: hit.id,
    text: hit.text,
    score: Number(hit.score),
    position,
  };
}

function parseHeadings(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

const TERM = /[\p{L}\p{N}\p{M}]+/gu;

/**
 * The query's search terms: runs of letters, digits and combining marks (a single character class, so
 * matching is linear), lower-cased, deduplicated, English stop words dropped unless nothing else is
 * left, at most MAX_QUERY_TERMS. FTS operators (AND, OR, NOT, NEAR, quotes, `*`, `:`) are thereby either
 * gone or plain words.
 */
export function queryTerms(query: string): string[] {
  const seen = new Set<string>();
  const stop: string[] = [];
  const terms: string[] = [];
  for (const m of query.slice(0, 20_000).matchAll(TERM)) {
    const t = m[0].toLowerCase();
    if (t.length > 64 || seen.has(t)) continue;
    seen.add(t);
    if (STOP_WORDS.has(t)) stop.push(t);
    else terms.push(t);
    if (terms.length >= MAX_QUERY_TERMS) break;
  }
  return terms.length > 0 ? terms : stop.slice(0, MAX_QUERY_TERMS);
}

async function fullTextSearch(
  db: Db,
  accountId: string,
  ids: string[],
  terms: string[],
  depth: number,
  pgRanking: PgRanking,
): Promise<ChunkHit[]> {
  if (pgRanking === 'index') {
    const hits = await knowledgeIndex(db).search(accountId, ids, terms, depth);
    if (hits) return hitRows(db, accountId, hits);
  }
  if (db.dialect === 'sqlite') {
    // Each term a quoted FTS5 string (terms hold no quotes), OR-ed: no operator of the user's survives.
    const match = terms.map((t) => `"${t}"`).join(' OR ');
    const json = JSON.stringify(ids);
    // Fast path: FTS5's best matches over the whole index first, then the account/document filter on
    // those few rows. The filter keeps the global order, so when `depth` rows survive they are exactly
    // the filtered top `depth`. Joining every match to the chunk table first cost ~4x more at 100k chunks.
    const fast = await sqliteFullText(db, match, accountId, json, depth, SQLITE_PREFILTER);
    if (fast.rows.length >= depth || !fast.truncated) return fast.rows;
    return (await sqliteFullText(db, match, accountId, json, depth, null)).rows;
  }
  // The terms are letters and digits only, so the english parser turns them into plain lexemes, and a
  // tsquery built from those lexemes with `|` needs no quoting.
  const { rows: lex } = await sql<{ lexemes: string[] | null }>`
    SELECT tsvector_to_array(to_tsvector('english', ${terms.join(' ')})) AS lexemes`.execute(db.kysely);
  const lexemes = lex[0]?.lexemes ?? [];
  if (lexemes.length === 0) return [];
  const tsquery = lexemes.join(' | ');
  if (pgRanking === 'ts_rank_cd') {
    const { rows } = await sql<ChunkHit>`
      SELECT c.id, c.document_id, c.text, c.ordinal, c.heading_path, c.page, c.sheet, c.url, c.embedding,
             c.embedding_model, ts_rank_cd(c.tsv, q.tsq, 1) AS score
      FROM knowledge_chunks c, (SELECT to_tsquery('simple', ${tsquery}) AS tsq) q
      WHERE c.account_id = ${accountId} AND c.document_id = ANY(${ids}::text[]) AND c.tsv @@ q.tsq
      ORDER BY score DESC LIMIT ${depth}`.execute(db.kysely);
    return rows;
  }
  const { rows } = await sql<ChunkHit>`
    WITH stats AS (
      SELECT sum(chunks)::float8 AS n, greatest(sum(total_len)::float8 / greatest(sum(chunks), 1), 1) AS avgdl
      FROM knowledge_doc_stats WHERE document_id = ANY(${ids}::text[])
    ), terms AS (
      SELECT t.lexeme, ln(1 + (s.n - sum(t.df) + 0.5) / (sum(t.df) + 0.5)) AS idf
      FROM knowledge_terms t, stats s
      WHERE t.lexeme = ANY(${lexemes}::text[]) AND t.document_id = ANY(${ids}::text[])
      GROUP BY t.lexeme, s.n
    ), scored AS (
      SELECT c.id, sum(t.idf * (tf.n * ${sql.lit(K1 + 1)}) / (tf.n + ${sql.lit(K1)} * (1 - ${sql.lit(B)} + ${sql.lit(B)} * c.dl / s.avgdl))) AS score
      FROM knowledge_chunks c
      CROSS JOIN stats s
      CROSS JOIN LATERAL (SELECT u.lexeme, coalesce(array_length(u.positions, 1), 1)::float8 AS n FROM unnest(c.tsv) u) tf
      JOIN terms t ON t.lexeme = tf.lexeme
      WHERE c.account_id = ${accountId} AND c.document_id = ANY(${ids}::text[])
        AND c.tsv @@ to_tsquery('simple', ${tsquery})
      GROUP BY c.id
      ORDER BY score DESC LIMIT ${depth}
    )
    SELECT c.id, c.document_id, c.text, c.ordinal, c.heading_path, c.page, c.sheet, c.url, c.embedding,
           c.embedding_model, s.score
    FROM scored s JOIN knowledge_chunks c ON c.id = s.id
    ORDER BY s.score DESC, c.id`.execute(db.kysely);
  return rows.map((r) => ({ ...r, embedding: r.embedding ? new Uint8Array(r.embedding) : null }));
}

/** The stored rows of the index's hits, in the hits' order (a chunk deleted meanwhile is left out). */
async function hitRows(
  db: Db,
  accountId: string,
  hits: { id: string; score: number }[],
): Promise<ChunkHit[]> {
  if (hits.length === 0) return [];
  // By id alone (its unique index): with the account in the WHERE clause SQLite's planner may pick the
  // account index and walk every chunk of the account. The account is checked on the rows instead.
  const rows = await db.kysely
    .selectFrom('knowledge_chunks')
    .select([
      'id',
      'account_id',
      'document_id',
      'text',
      'ordinal',
      'heading_path',
      'page',
      'sheet',
      'url',
      'embedding',
      'embedding_model',
    ])
    .where(
      'id',
      'in',
      hits.map((h) => h.id),
    )
    .execute();
  const byId = new Map(rows.filter((r) => r.account_id === accountId).map((r) => [r.id, r]));
  const out: ChunkHit[] = [];
  for (const h of hits) {
    const r = byId.get(h.id);
    if (!r) continue;
    const { account_id: _a, ...row } = r;
    out.push({ ...row, embedding: row.embedding ? new Uint8Array(row.embedding) : null, score: h.score });
  }
  return out;
}

/** Best FTS5 matches taken before the account/document filter on the fast path. */
const SQLITE_PREFILTER = 1000;

async function sqliteFullText(
  db: Db,
  match: string,
  accountId: string,
  idsJson: string,
  depth: number,
  prefilter: number | null,
): Promise<{ rows: ChunkHit[]; truncated: boolean }> {
  const candidates =
    prefilter === null
      ? sql`SELECT rowid AS r, rank AS s FROM knowledge_chunks_fts WHERE knowledge_chunks_fts MATCH ${match}`
      : sql`SELECT rowid AS r, rank AS s FROM knowledge_chunks_fts WHERE knowledge_chunks_fts MATCH ${match} ORDER BY rank LIMIT ${prefilter}`;
  const { rows } = await sql<ChunkHit & { n: number }>`
    WITH f AS MATERIALIZED (${candidates})
    SELECT c.id, c.document_id, c.text, c.ordinal, c.heading_path, c.page, c.sheet, c.url, c.embedding,
           c.embedding_model, -f.s AS score, (SELECT count(*) FROM f) AS n
    FROM f JOIN knowledge_chunks c ON c.seq = f.r
    WHERE c.account_id = ${accountId} AND c.document_id IN (SELECT value FROM json_each(${idsJson}))
    ORDER BY f.s LIMIT ${depth}`.execute(db.kysely);
  const truncated =
    prefilter !== null &&
    (rows.length === 0 ? await anyBeyond(db, match, prefilter) : (rows[0]?.n ?? 0) >= prefilter);
  return { rows: rows.map(({ n: _n, ...r }) => r), truncated };
}

async function anyBeyond(db: Db, match: string, prefilter: number): Promise<boolean> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*) AS n FROM (SELECT rowid FROM knowledge_chunks_fts WHERE knowledge_chunks_fts MATCH ${match} LIMIT ${prefilter})`.execute(
    db.kysely,
  );
  return Number(rows[0]?.n ?? 0) >= prefilter;
}

/** `quality`: cosine over every stored vector of the documents (bounded), best first. */
async function vectorScan(
  db: Db,
  accountId: string,
  ids: string[],
  query: Float32Array,
  depth: number,
  model: string,
): Promise<ChunkHit[]> {
  const idList =
    db.dialect === 'sqlite'
      ? sql`(SELECT value FROM json_each(${JSON.stringify(ids)}))`
      : sql`(SELECT unnest(${ids}::text[]))`;
  const { rows } = await sql<ChunkHit>`
    SELECT c.id, c.document_id, c.text, c.ordinal, c.heading_path, c.page, c.sheet, c.url, c.embedding,
           c.embedding_model, 0 AS score
    FROM knowledge_chunks c
    WHERE c.account_id = ${accountId} AND c.document_id IN ${idList} AND c.embedding_model = ${model}
    LIMIT ${VECTOR_SCAN_LIMIT}`.execute(db.kysely);
  return rows
    .map((r) => ({
      ...r,
      score: r.embedding ? cosine(query, bytesToVector(new Uint8Array(r.embedding))) : -1,
    }))
    .sort((a, b) => b.score - a.score)
    .slice(0, depth);
}

// English stop words (PostgreSQL's english list, which its side drops by itself): dropped from SQLite
// queries too, so a question's "the" and "of" cost nothing and both backends see the same terms.
const STOP_WORDS = new Set(
  (
    'i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers ' +
    'herself it its itself they them their theirs themselves what which who whom this that these those am is ' +
    'are was were be been being have has had having do does did doing a an the and but if or because as until ' +
    'while of at by for with about against between into through during before after above below to from up ' +
    'down in out on off over under again further then once here there when where why how all any both each ' +
    'few more most other some such no nor not only own same so than too very s t can will just don should now'
  ).split(' '),
);
