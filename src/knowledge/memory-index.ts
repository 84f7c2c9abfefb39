import { sql } from 'kysely';
import type { Db } from '../storage/db.ts';
import { tokenize } from './analyzer.ts';
import {
  type Bm25,
  type Hit,
  type QueryTerm,
  type Segment,
  SegmentBuilder,
  type SegmentScope,
  topK,
} from './postings.ts';
import { TermTable } from './term-table.ts';

/**
 * Per-account in-memory BM25 indexes over the store's chunks (ADR 0028), the hot path of
 * POST /v2/knowledge/search; the store's own full-text query stays the source of truth and the fallback.
 *
 * An account's index is a base segment (all its chunks when it was loaded) plus one small segment per
 * document written since, which hides that document's part of the base. Loaded lazily on the account's
 * first search; a write stamps the document with the account's next version in the store (index-store.ts),
 * and a search reloads the documents stamped above the version it holds. It asks the store only when
 * something may have changed: this process wrote (noteIndexWrite), or another process or instance did
 * (Db.externalVersion: SQLite's data_version, PostgreSQL's change notification). Memory is bounded in
 * bytes across accounts (PERSONAKIT_KNOWLEDGE_INDEX_BYTES), least recently searched evicted first; an
 * account too large for the bound is searched through the store.
 */

/** BM25 as FTS5's bm25() computes it: k1 1.2, b 0.75, idf floored at 1e-6. */
export const FTS5_BM25: Bm25 = {
  k1: 1.2,
  b: 0.75,
  idf: (n, df) => {
    const idf = Math.log((n - df + 0.5) / (df + 0.5));
    return idf > 0 ? idf : 1e-6;
  },
  avgdl: (n, total) => (total > 0 ? total / n : 1),
};

/** BM25 as the PostgreSQL query computes it (Lucene's, Anserini's k1 0.9, b 0.4; see search.ts). */
export const LUCENE_BM25: Bm25 = {
  k1: 0.9,
  b: 0.4,
  idf: (n, df) => Math.log(1 + (n - df + 0.5) / (df + 0.5)),
  avgdl: (n, total) => Math.max(total / Math.max(n, 1), 1),
};

export const DEFAULT_INDEX_BYTES = 256 * 1024 * 1024;
/** More documents changed than this since the base was loaded: reload the account whole. */
const MAX_DELTA_DOCS = 256;
/** Rough bytes per chunk in memory, to refuse loading an account that cannot fit before reading it. */
const BYTES_PER_CHUNK_ESTIMATE = 300;
/** Documents per chunk query while loading: bounds the text held at once. */
const LOAD_BATCH_DOCS = 100;

/** PERSONAKIT_KNOWLEDGE_INDEX_BYTES: the bound on all accounts' in-memory indexes (0 disables them). */
export function indexMaxBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.PERSONAKIT_KNOWLEDGE_INDEX_BYTES;
  const bytes = raw === undefined || raw.trim() === '' ? DEFAULT_INDEX_BYTES : Number(raw);
  return Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : DEFAULT_INDEX_BYTES;
}

/** Where a document's chunks go while loading (undefined: skipped). */
type ChunkSink = (documentId: string) => SegmentBuilder | undefined;

interface AccountIndex {
  version: number;
  /** Db.externalVersion() when the version was last confirmed against the store. */
  ext: number;
  base: Segment;
  /** Documents written since the base was loaded: their current chunks (possibly none). */
  deltas: Map<string, Segment>;
  deltaChunks: number;
  bytes: number;
  /** Document filters already built for an id array (the same array comes back while nothing changed). */
  scopeMemo?: WeakMap<readonly string[], SegmentScope[]>;
}

export interface IndexStats {
  accounts: number;
  bytes: number;
  maxBytes: number;
}

export class KnowledgeIndex {
  readonly #db: Db;
  readonly #maxBytes: number;
  /** Least recently searched first (Map order; a hit is moved to the end). */
  readonly #entries = new Map<string, AccountIndex>();
  readonly #loading = new Map<string, Promise<AccountIndex | null>>();
  /** Versions this process wrote, maybe not committed yet: until the index holds them, ask the store. */
  readonly #pending = new Map<string, number>();
  /** Accounts found too large for the bound, at the version they had then. */
  readonly #tooLarge = new Map<string, number>();
  #used = 0;

  constructor(db: Db, maxBytes: number) {
    this.#db = db;
    this.#maxBytes = maxBytes;
  }

  get stats(): IndexStats {
    return { accounts: this.#entries.size, bytes: this.#used, maxBytes: this.#maxBytes };
  }

  /** Whether the account's index is loaded (tests, bench). */
  has(accountId: string): boolean {
    return this.#entries.has(accountId);
  }

  noteWrite(accountId: string, version: number): void {
    // Only an index held or being loaded can be behind: a later first load reads the version afresh. So
    // this map stays as small as the set of accounts held.
    if (!this.#entries.has(accountId) && !this.#loading.has(accountId)) return;
    if (version > (this.#pending.get(accountId) ?? 0)) this.#pending.set(accountId, version);
  }

  /**
   * Top `k` chunk ids and scores for the query over the given documents of the account, or null when the
   * account is not held in memory (too large, or the index is disabled): the caller asks the store.
   */
  async search(accountId: string, documentIds: string[], terms: string[], k: number): Promise<Hit[] | null> {
    if (this.#maxBytes <= 0) return null;
    const entry = await this.#current(accountId);
    if (!entry) return null;
    const query = await this.#queryTerms(terms);
    if (query.length === 0) return [];
    const bm25 = this.#db.dialect === 'sqlite' ? FTS5_BM25 : LUCENE_BM25;
    entry.scopeMemo ??= new WeakMap();
    let scoped = entry.scopeMemo.get(documentIds);
    if (!scoped) {
      scoped = scopes(entry, documentIds);
      entry.scopeMemo.set(documentIds, scoped);
    }
    return topK(scoped, query, k, bm25);
  }

  async #current(accountId: string): Promise<AccountIndex | null> {
    // A refresh already under way may have read the store before this caller's write committed: wait for
    // it, then judge again; at most a few rounds, then refresh for this caller alone.
    for (let round = 0; round < 3; round++) {
      const ext = this.#db.externalVersion();
      const entry = this.#entries.get(accountId);
      if (entry && entry.ext === ext && (this.#pending.get(accountId) ?? 0) <= entry.version) {
        this.#entries.delete(accountId);
        this.#entries.set(accountId, entry);
        return entry;
      }
      const inflight = this.#loading.get(accountId);
      if (inflight) {
        await inflight.catch(() => null);
        continue;
      }
      const loading = this.#refresh(accountId, entry, ext).finally(() => {
        if (this.#loading.get(accountId) === loading) this.#loading.delete(accountId);
      });
      this.#loading.set(accountId, loading);
      return loading;
    }
    return this.#refresh(accountId, this.#entries.get(accountId), this.#db.externalVersion());
  }

  async #refresh(
    accountId: string,
    entry: AccountIndex | undefined,
    ext: number,
  ): Promise<AccountIndex | null> {
    // The version first, the chunks after: a write committed in between is then loaded now and once more
    // at the next search, never missed.
    const version = await this.#version(accountId);
    const pending = this.#pending.get(accountId);
    if (pending !== undefined && pending <= version) this.#pending.delete(accountId);
    if (entry && entry.version === version) {
      entry.ext = ext;
      return entry;
    }
    if (entry) {
      const updated = await this.#applyChanges(accountId, entry, version, ext);
      if (updated) return this.#store(accountId, updated);
    }
    if (this.#tooLarge.get(accountId) === version) return null;
    const { rows } = await sql<{ n: number | string }>`
      SELECT count(*) AS n FROM knowledge_chunks WHERE account_id = ${accountId}`.execute(this.#db.kysely);
    if (Number(rows[0]?.n ?? 0) * BYTES_PER_CHUNK_ESTIMATE > this.#maxBytes) {
      this.#markTooLarge(accountId, version);
      return null;
    }
    const base = await this.#load(accountId);
    const fresh: AccountIndex = { version, ext, base, deltas: new Map(), deltaChunks: 0, bytes: base.bytes };
    if (fresh.bytes > this.#maxBytes) {
      this.#markTooLarge(accountId, version);
      return null;
    }
    this.#tooLarge.delete(accountId);
    return this.#store(accountId, fresh);
  }

  /** The entry with the documents changed since its version reloaded, or null to reload whole. */
  async #applyChanges(
    accountId: string,
    entry: AccountIndex,
    version: number,
    ext: number,
  ): Promise<AccountIndex | null> {
    const changed = await this.#db.kysely
      .selectFrom('knowledge_index_docs')
      .select('document_id')
      .where('account_id', '=', accountId)
      .where('version', '>', entry.version)
      .limit(MAX_DELTA_DOCS + 1)
      .execute();
    const docs = changed.map((r) => r.document_id);
    if (docs.length + entry.deltas.size > MAX_DELTA_DOCS) return null;
    const deltas = new Map(entry.deltas);
    const builders = new Map(docs.map((id) => [id, new SegmentBuilder()]));
    await this.#read(accountId, docs, (doc) => builders.get(doc));
    // A document without chunks (deleted, or being re-ingested) still hides its part of the base.
    for (const [id, builder] of builders) deltas.set(id, builder.build());
    let deltaChunks = 0;
    let bytes = entry.base.bytes;
    for (const s of deltas.values()) {
      deltaChunks += s.chunkIds.length;
      bytes += s.bytes;
    }
    // Many rewritten chunks: the hidden part of the base and the per-segment work outweigh a reload.
    if (deltaChunks > Math.max(1000, entry.base.chunkIds.length / 4)) return null;
    return { version, ext, base: entry.base, deltas, deltaChunks, bytes };
  }

  #store(accountId: string, entry: AccountIndex): AccountIndex | null {
    // Two refreshes overlapped: never replace a newer index with an older one.
    const held = this.#entries.get(accountId);
    if (held && held.version > entry.version) return held;
    this.#forget(accountId);
    if (entry.bytes > this.#maxBytes) {
      this.#markTooLarge(accountId, entry.version);
      return null;
    }
    while (this.#entries.size > 0 && this.#used + entry.bytes > this.#maxBytes) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#forget(oldest.value);
    }
    this.#entries.set(accountId, entry);
    this.#used += entry.bytes;
    return entry;
  }

  #markTooLarge(accountId: string, version: number): void {
    this.#forget(accountId);
    // One number per large account; bounded all the same (forgetting one only costs a count query).
    if (this.#tooLarge.size >= 10_000) this.#tooLarge.clear();
    this.#tooLarge.set(accountId, version);
  }

  #forget(accountId: string): void {
    const old = this.#entries.get(accountId);
    if (!old) return;
    this.#entries.delete(accountId);
    this.#used -= old.bytes;
  }

  async #version(accountId: string): Promise<number> {
    const row = await this.#db.kysely
      .selectFrom('knowledge_index_accounts')
      .select('version')
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return Number(row?.version ?? 0);
  }

  /** One segment over all the account's chunks. */
  async #load(accountId: string): Promise<Segment> {
    const ids = await this.#db.kysely
      .selectFrom('knowledge_chunks')
      .select('document_id')
      .distinct()
      .where('account_id', '=', accountId)
      .execute();
    const builder = new SegmentBuilder();
    await this.#read(
      accountId,
      ids.map((r) => r.document_id),
      () => builder,
    );
    return builder.build();
  }

  /** Each chunk of the documents, analysed, document by document and in order within one. */
  async #read(accountId: string, documents: string[], sink: ChunkSink): Promise<void> {
    const sorted = [...documents].sort();
    for (let i = 0; i < sorted.length; i += LOAD_BATCH_DOCS) {
      const batch = sorted.slice(i, i + LOAD_BATCH_DOCS);
      if (this.#db.dialect === 'sqlite') await this.#readSqlite(accountId, batch, sink);
      else await this.#readPostgres(accountId, batch, sink);
    }
  }

  async #readSqlite(accountId: string, documents: string[], sink: ChunkSink): Promise<void> {
    const rows = await this.#db.kysely
      .selectFrom('knowledge_chunks')
      .select(['id', 'document_id', 'text', 'heading_path'])
      .where('account_id', '=', accountId)
      .where('document_id', 'in', documents)
      .orderBy('document_id')
      .orderBy('ordinal')
      .execute();
    // Raw word → term number, per builder: after the first documents nearly every token is one probe
    // of a table, with no string made, lower-cased or stemmed (the analysis is FTS5's, see analyzer.ts).
    let builder: SegmentBuilder | undefined;
    let table: TermTable | undefined;
    let dl = 0;
    const add = (t: number) => {
      dl++;
      builder?.addTerm(t);
    };
    for (const r of rows) {
      const next = sink(r.document_id);
      if (!next) continue;
      if (next !== builder) {
        const b = next;
        builder = b;
        table = this.#tables.get(b) ?? new TermTable((term) => b.termId(term));
        this.#tables.set(b, table);
      }
      dl = 0;
      builder.beginChunk(r.id, r.document_id);
      // The columns FTS5 indexes, as it tokenizes them (the heading path as its JSON text).
      table?.scan(r.text, add);
      table?.scan(r.heading_path, add);
      builder.endChunk(dl);
    }
  }

  /** Word tables of the builders being filled (dropped with them). */
  readonly #tables = new WeakMap<SegmentBuilder, TermTable>();

  async #readPostgres(accountId: string, documents: string[], sink: ChunkSink): Promise<void> {
    const { rows } = await sql<{ id: string; document_id: string; dl: number; tsv: string }>`
      SELECT id, document_id, dl, tsv::text AS tsv FROM knowledge_chunks
      WHERE account_id = ${accountId} AND document_id = ANY(${documents}::text[])
      ORDER BY document_id, ordinal`.execute(this.#db.kysely);
    const tf = new Map<string, number>();
    for (const r of rows) {
      tf.clear();
      parseTsvector(r.tsv, tf);
      sink(r.document_id)?.addChunk(r.id, r.document_id, Number(r.dl), tf);
    }
  }

  // PostgreSQL turns query words into lexemes itself (english config); a word's lexemes are cached.
  readonly #lexemes = new Map<string, string[]>();

  async #queryTerms(terms: string[]): Promise<QueryTerm[]> {
    const weights = new Map<string, number>();
    if (this.#db.dialect === 'sqlite') {
      // FTS5 gets each word as a quoted phrase and sums phrases that stem alike once each: so do we.
      for (const word of terms) tokenize(word, (t) => weights.set(t, (weights.get(t) ?? 0) + 1));
    } else {
      const missing = terms.filter((t) => !this.#lexemes.has(t));
      if (missing.length > 0) {
        const { rows } = await sql<{ word: string; lexemes: string[] | null }>`
          SELECT w AS word, tsvector_to_array(to_tsvector('english', w)) AS lexemes
          FROM unnest(${missing}::text[]) AS w`.execute(this.#db.kysely);
        if (this.#lexemes.size + rows.length > 10_000) this.#lexemes.clear();
        for (const r of rows) this.#lexemes.set(r.word, r.lexemes ?? []);
      }
      for (const word of terms) for (const l of this.#lexemes.get(word) ?? []) weights.set(l, 1);
    }
    return [...weights].map(([term, weight]) => ({ term, weight }));
  }
}

/** The segments a search covers: the base without rewritten or unlisted documents, and the deltas listed. */
function scopes(entry: AccountIndex, documentIds: string[]): SegmentScope[] {
  const base = entry.base;
  const docCount = base.docIds.length;
  const allowed = new Uint8Array(docCount);
  let count = 0;
  for (const id of documentIds) {
    const d = base.docIndex.get(id);
    if (d === undefined || allowed[d] === 1 || entry.deltas.has(id)) continue;
    allowed[d] = 1;
    count++;
  }
  const out: SegmentScope[] = [];
  if (count === docCount) out.push({ segment: base, filter: null });
  else if (count > 0) {
    const docs = new Uint32Array(count);
    let j = 0;
    for (let d = 0; d < docCount; d++) if (allowed[d] === 1) docs[j++] = d;
    out.push({ segment: base, filter: { allowed, docs } });
  }
  if (entry.deltas.size > 0) {
    const wanted = new Set(documentIds);
    for (const [id, segment] of entry.deltas) {
      if (wanted.has(id) && segment.chunkIds.length > 0) out.push({ segment, filter: null });
    }
  }
  return out;
}

/**
 * Lexemes of a tsvector's text form with their frequency (number of positions, 1 without any):
 * `'lexeme':1,4B 'other'`. Quotes inside a lexeme are doubled, backslashes escape.
 */
export function parseTsvector(text: string, out: Map<string, number>): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (text.charCodeAt(i) !== 39) {
      i++;
      continue;
    }
    i++;
    let lexeme = '';
    let start = i;
    for (;;) {
      const c = text.charCodeAt(i);
      if (i >= n) break;
      if (c === 39) {
        if (text.charCodeAt(i + 1) === 39) {
          lexeme += `${text.slice(start, i)}'`;
          i += 2;
          start = i;
          continue;
        }
        lexeme += text.slice(start, i);
        i++;
        break;
      }
      if (c === 92) {
        lexeme += text.slice(start, i) + text.charAt(i + 1);
        i += 2;
        start = i;
        continue;
      }
      i++;
    }
    let tf = 1;
    if (text.charCodeAt(i) === 58) {
      i++;
      while (i < n && text.charCodeAt(i) !== 32) {
        if (text.charCodeAt(i) === 44) tf++;
        i++;
      }
    }
    out.set(lexeme, tf);
  }
}

const indexes = new WeakMap<Db, KnowledgeIndex>();

/** The in-memory index of this store handle (one per Db: tests open several). */
export function knowledgeIndex(db: Db): KnowledgeIndex {
  let index = indexes.get(db);
  if (!index) {
    index = new KnowledgeIndex(db, indexMaxBytes());
    indexes.set(db, index);
  }
  return index;
}

/** Called by index-store.ts after each chunk write, with the version it stamped. */
export function noteIndexWrite(db: Db, accountId: string, version: number): void {
  knowledgeIndex(db).noteWrite(accountId, version);
}
