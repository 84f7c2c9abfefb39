import { sql } from 'kysely';
import type { Db } from '../storage/db.ts';
import { MAX_UPLOAD_BYTES } from './documents.ts';
import { KnowledgeError } from './extract/types.ts';

/** Upload bytes go to the store in slices of this size: at most one slice is held per upload. */
export const UPLOAD_SLICE_BYTES = 1024 * 1024;

/**
 * Writes an upload to document_uploads as it arrives. The rows exist before the document row (the
 * document is created once the whole body was read and validated); discard() removes them when the
 * request fails.
 */
export function uploadWriter(db: Db, documentId: string) {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let seq = 0;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const data = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    await db.kysely
      .insertInto('document_uploads')
      .values({ document_id: documentId, seq: seq++, data })
      .execute();
  };
  return {
    async write(chunk: Uint8Array) {
      let rest = chunk;
      while (rest.length > 0) {
        const take = Math.min(rest.length, UPLOAD_SLICE_BYTES - pendingBytes);
        // Copied: the reader reuses its buffers.
        pending.push(Buffer.from(rest.subarray(0, take)));
        pendingBytes += take;
        rest = rest.subarray(take);
        if (pendingBytes >= UPLOAD_SLICE_BYTES) await flush();
      }
    },
    flush,
    async discard() {
      pending = [];
      pendingBytes = 0;
      await db.kysely.deleteFrom('document_uploads').where('document_id', '=', documentId).execute();
    },
  };
}

/**
 * Bytes of an upload row read per PostgreSQL query. node-postgres receives bytea as hex text: a whole
 * 1 MiB row arrived as a 2 MB message and a 2 MB string, which V8 allocates outside its young generation
 * and frees only in a full collection, so a 50 MB upload left ~100 MB of them behind at once (the
 * ingestion missed its memory target by ~25 MiB, bench/RESULTS.md). A 48 KiB slice is a ~96 KiB string,
 * under V8's 128 KiB large-object threshold: young garbage, collected by the next scavenge.
 */
export const PG_READ_SLICE_BYTES = 48 * 1024;

/**
 * The upload, assembled into one buffer of its final size as it is read: never held twice. The buffer is
 * the view's own, so extractDocument moves it into the parse worker without a copy. SQLite reads a row
 * (1 MiB, a Uint8Array of its own) at a time; PostgreSQL reads each row in slices (PG_READ_SLICE_BYTES).
 */
export async function readUpload(db: Db, documentId: string): Promise<Uint8Array> {
  const rows = await db.kysely
    .selectFrom('document_uploads')
    .select((eb) => [
      'seq',
      db.dialect === 'postgres'
        ? sql<number>`octet_length(data)`.as('bytes')
        : sql<number>`length(data)`.as('bytes'),
    ])
    .where('document_id', '=', documentId)
    .orderBy('seq')
    .execute();
  const total = rows.reduce((n, r) => n + Number(r.bytes), 0);
  if (total === 0) throw new KnowledgeError('file_empty', 'The uploaded file is empty');
  // Refused before allocating: the request already capped it, this only guards a store edited by hand.
  if (total > MAX_UPLOAD_BYTES) {
    throw new KnowledgeError('file_size_too_large', 'The uploaded file is larger than 50 MB');
  }
  const out = new Uint8Array(total);
  let filled = 0;
  const put = (data: Uint8Array | undefined, expected: number) => {
    if (!data || data.byteLength !== expected || filled + expected > total) {
      throw new Error('the upload changed while it was read');
    }
    out.set(data, filled);
    filled += expected;
  };
  for (const r of rows) {
    const seq = Number(r.seq);
    const bytes = Number(r.bytes);
    if (db.dialect !== 'postgres') {
      const row = await db.kysely
        .selectFrom('document_uploads')
        .select('data')
        .where('document_id', '=', documentId)
        .where('seq', '=', seq)
        .executeTakeFirst();
      put(row?.data, bytes);
      continue;
    }
    for (let at = 0; at < bytes; at += PG_READ_SLICE_BYTES) {
      const length = Math.min(PG_READ_SLICE_BYTES, bytes - at);
      // substring() of bytea counts bytes from 1.
      const slice = await db.kysely
        .selectFrom('document_uploads')
        .select(sql<Uint8Array>`substring(data from ${at + 1} for ${length})`.as('data'))
        .where('document_id', '=', documentId)
        .where('seq', '=', seq)
        .executeTakeFirst();
      put(slice?.data, length);
    }
  }
  if (filled !== total) throw new Error('the upload changed while it was read');
  return out;
}
