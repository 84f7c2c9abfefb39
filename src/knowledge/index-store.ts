import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Db, Tx } from '../storage/db.ts';
import type { Database } from '../storage/schema.ts';
import type { Chunk } from './chunk.ts';
import { type Embedder, embedAll, vectorToBytes } from './embeddings.ts';
import { noteIndexWrite } from './memory-index.ts';

export interface ReplaceChunksOptions {
  /** When the operator configured an embeddings endpoint: each chunk's vector is stored with it. */
  embeddings?: Embedder | null;
  /** Vectors computed by the caller (ingestion embeds before its transaction), one per chunk or null. */
  vectors?: { model: string; vectors: (Float32Array | null)[] } | null;
  signal?: AbortSignal;
}

/** Rows per INSERT: 13 parameters each stays far below SQLite's 32,766-parameter limit. */
const INSERT_BATCH = 500;

/**
 * Replaces every chunk of a document, index included, in one transaction (the caller's when `tx` is
 * given, so a document's status and its chunks change together). Embeddings, when configured, are fetched
 * before the transaction opens: a slow endpoint must never hold the store's write lock.
 */
export async function replaceChunks(
  db: Db,
  accountId: string,
  documentId: string,
  chunks: Chunk[],
  tx?: Tx,
  options: ReplaceChunksOptions = {},
): Promise<void> {
  let vectors: (Float32Array | null)[] | null = options.vectors?.vectors ?? null;
  if (!vectors && options.embeddings && chunks.length > 0) {
    vectors = await embedAll(
      options.embeddings,
      chunks.map((c) => embeddingText(c)),
      options.signal,
    );
  }
  const model = options.vectors?.model ?? options.embeddings?.model ?? null;
  const now = new Date().toISOString();
  let version = 0;
  await inTx(db, tx, async (t) => {
    await deleteIn(db, t, documentId);
    version = await stampVersion(db, t, accountId, documentId);
    for (let i = 0; i < chunks.length; i += INSERT_BATCH) {
      const rows = chunks.slice(i, i + INSERT_BATCH).map((c, j) => {
        const vector = vectors?.[i + j] ?? null;
        return {
          id: randomUUID(),
          account_id: accountId,
          document_id: documentId,
          ordinal: c.ordinal,
          text: c.text,
          heading_path: JSON.stringify(c.headingPath),
          page: c.page ?? null,
          sheet: c.sheet ?? null,
          url: c.url ?? null,
          tokens: c.tokens,
          embedding: vector ? vectorToBytes(vector) : null,
          embedding_model: vector ? model : null,
          created_at: now,
        };
      });
      if (rows.length > 0) await t.insertInto('knowledge_chunks').values(rows).execute();
    }
    if (db.dialect === 'postgres' && chunks.length > 0) {
      // BM25 statistics, computed by PostgreSQL from the very lexemes it indexed (english config).
      await sql`UPDATE knowledge_chunks SET dl = (SELECT coalesce(sum(coalesce(array_length(u.positions, 1), 1)), 0) FROM unnest(tsv) u) WHERE document_id = ${documentId}`.execute(
        t,
      );
      await sql`INSERT INTO knowledge_terms (lexeme, document_id, df)
        SELECT u.lexeme, ${documentId}, count(*) FROM knowledge_chunks c CROSS JOIN LATERAL unnest(c.tsv) u
        WHERE c.document_id = ${documentId} GROUP BY u.lexeme`.execute(t);
      await sql`INSERT INTO knowledge_doc_stats (document_id, chunks, total_len)
        SELECT ${documentId}, count(*), coalesce(sum(dl), 0) FROM knowledge_chunks WHERE document_id = ${documentId}`.execute(
        t,
      );
    }
  });
  noteIndexWrite(db, accountId, version);
}

/** Removes a document's chunks and their index entries (a deleted or re-ingested document). */
export async function deleteChunks(db: Db, documentId: string, tx?: Tx): Promise<void> {
  let stamped: { accountId: string; version: number } | null = null;
  await inTx(db, tx, async (t) => {
    await deleteIn(db, t, documentId);
    // A document never indexed has no stamp and no postings anywhere: nothing to tell.
    const row = await t
      .selectFrom('knowledge_index_docs')
      .select('account_id')
      .where('document_id', '=', documentId)
      .executeTakeFirst();
    if (row)
      stamped = { accountId: row.account_id, version: await stampVersion(db, t, row.account_id, documentId) };
  });
  const s = stamped as { accountId: string; version: number } | null;
  if (s) noteIndexWrite(db, s.accountId, s.version);
}

/**
 * Bumps the account's index version and stamps the document with it (ADR 0028), in the writing
 * transaction: in-memory indexes reload exactly the documents stamped above the version they hold. The
 * counter row's lock makes concurrent writers of one account commit in version order, so a reader never
 * sees version v+1 before v. On PostgreSQL the other instances hear of it by the change notification.
 */
async function stampVersion(db: Db, t: Tx, accountId: string, documentId: string): Promise<number> {
  const row = await t
    .insertInto('knowledge_index_accounts')
    .values({ account_id: accountId, version: 1 })
    .onConflict((oc) =>
      oc.column('account_id').doUpdateSet({ version: sql`knowledge_index_accounts.version + 1` }),
    )
    .returning('version')
    .executeTakeFirstOrThrow();
  const version = Number(row.version);
  await t
    .insertInto('knowledge_index_docs')
    .values({ document_id: documentId, account_id: accountId, version })
    .onConflict((oc) => oc.column('document_id').doUpdateSet({ account_id: accountId, version }))
    .execute();
  await db.announceChange(t, 'knowledge');
  return version;
}

async function deleteIn(db: Db, t: Kysely<Database>, documentId: string): Promise<void> {
  await t.deleteFrom('knowledge_chunks').where('document_id', '=', documentId).execute();
  if (db.dialect === 'postgres') {
    await t.deleteFrom('knowledge_terms').where('document_id', '=', documentId).execute();
    await t.deleteFrom('knowledge_doc_stats').where('document_id', '=', documentId).execute();
  }
}

async function inTx(db: Db, tx: Tx | undefined, fn: (t: Tx) => Promise<void>): Promise<void> {
  if (tx) return fn(tx);
  await db.kysely.transaction().execute(fn);
}

/** What is embedded for a chunk: its headings give a passage its topic. */
export function embeddingText(c: Pick<Chunk, 'headingPath' | 'text'>): string {
  return c.headingPath.length > 0 ? `${c.headingPath.join(' > ')}\n\n${c.text}` : c.text;
}

/** Chunks re-embedded per round of the background job: bounds its memory and each write transaction. */
export const REEMBED_BATCH = 256;

/**
 * Up to `limit` chunks of the account after `afterId` (id order) without a vector of `model`: never
 * embedded, embedded by another model, or left without one when the endpoint failed at ingestion.
 */
export async function chunksToEmbed(
  db: Db,
  accountId: string,
  model: string,
  afterId: string,
  limit = REEMBED_BATCH,
): Promise<{ id: string; text: string; heading_path: string }[]> {
  return db.kysely
    .selectFrom('knowledge_chunks')
    .select(['id', 'text', 'heading_path'])
    .where('account_id', '=', accountId)
    .where('id', '>', afterId)
    .where((eb) => eb.or([eb('embedding_model', 'is', null), eb('embedding_model', '<>', model)]))
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Stores vectors of `model` on chunks by id (a chunk replaced meanwhile is simply not found). */
export async function storeVectors(
  db: Db,
  model: string,
  rows: { id: string; vector: Float32Array }[],
): Promise<void> {
  await db.kysely.transaction().execute(async (t) => {
    for (const r of rows) {
      await t
        .updateTable('knowledge_chunks')
        .set({ embedding: vectorToBytes(r.vector), embedding_model: model })
        .where('id', '=', r.id)
        .execute();
    }
  });
}

/** Accounts with chunks lacking a vector of `model` (a new or changed model, or a failed embedding). */
export async function accountsToEmbed(db: Db, model: string): Promise<string[]> {
  const rows = await db.kysely
    .selectFrom('knowledge_chunks')
    .select('account_id')
    .distinct()
    .where((eb) => eb.or([eb('embedding_model', 'is', null), eb('embedding_model', '<>', model)]))
    .execute();
  return rows.map((r) => r.account_id);
}
