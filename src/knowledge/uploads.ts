import { sql } from 'kysely';
import { freeNow } from '../core/free-now.ts';
import { idPattern } from '../core/ids.ts';
import type { Db } from '../storage/db.ts';
import { OneColumnCopyReader } from '../storage/pg-copy-binary.ts';
import { MAX_UPLOAD_BYTES } from './documents.ts';
import { KnowledgeError } from './extract/types.ts';

/** Upload bytes go to the store in slices of this size: at most one slice is held per upload. */
export const UPLOAD_SLICE_BYTES = 1024 * 1024;

/**
 * Writes an upload to document_uploads as it arrives. The rows exist before the document row (the
 * document is created once the whole body was read and validated); discard() removes them when the
 * request fails.
 *
 * The bytes are copied once, into one slice buffer that is reused for every row: both drivers are done
 * with a parameter when the insert resolves (node:sqlite binds a blob as a copy, node-postgres writes it
 * into its message). Copying each socket chunk and then concatenating the slice made ~100 MB of
 * short-lived buffers for a 50 MB upload, kept by the allocator until V8 collected them, which it did
 * not do before the parse (bench/knowledge-ingest.ts, peak RSS).
 */
export function uploadWriter(db: Db, documentId: string) {
  let slice: Buffer | undefined;
  let filled = 0;
  let seq = 0;
  const flush = async () => {
    if (!slice || filled === 0) return;
    const data = slice.subarray(0, filled);
    await db.kysely
      .insertInto('document_uploads')
      .values({ document_id: documentId, seq: seq++, data })
      .execute();
    filled = 0;
  };
  return {
    /** Copies the chunk (the reader may reuse its buffer); awaits the row it completes. */
    async write(chunk: Uint8Array) {
      let rest = chunk;
      while (rest.length > 0) {
        slice ??= Buffer.allocUnsafeSlow(UPLOAD_SLICE_BYTES);
        const take = Math.min(rest.length, UPLOAD_SLICE_BYTES - filled);
        slice.set(rest.subarray(0, take), filled);
        filled += take;
        rest = rest.subarray(take);
        if (filled === UPLOAD_SLICE_BYTES) await flush();
      }
    },
    flush,
    async discard() {
      slice = undefined;
      filled = 0;
      await db.kysely.deleteFrom('document_uploads').where('document_id', '=', documentId).execute();
    },
  };
}

/**
 * The upload, assembled into one buffer of its final size as it is read: never held twice. The buffer is
 * the view's own, so extractDocument moves it into the parse worker without a copy.
 *
 * SQLite reads a row (1 MiB, a Uint8Array of its own) at a time and frees it once copied. PostgreSQL
 * streams the rows with one binary COPY (docs/adr/0058-upload-rows-by-copy-binary.md): a query result
 * brings bytea as hex text, so reading 50 MB made 100 MB of strings (whole rows: 2 MB strings kept until
 * a full collection; 48 KiB slices: a thousand round trips, and V8 doubled its young generation for them).
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
  const put = (data: Uint8Array) => {
    if (filled + data.byteLength > total) throw new Error('the upload changed while it was read');
    out.set(data, filled);
    filled += data.byteLength;
  };
  if (db.copyOut) {
    if (!idPattern.test(documentId)) throw new Error(`not a document id: ${documentId.slice(0, 80)}`);
    // COPY takes no parameters; the id is one of ours (checked above), so it can be quoted as it is.
    const reader = new OneColumnCopyReader(put);
    await db.copyOut(
      `COPY (SELECT data FROM document_uploads WHERE document_id = '${documentId}' ORDER BY seq) TO STDOUT (FORMAT binary)`,
      (chunk) => reader.push(chunk),
    );
    reader.end();
    if (reader.rows !== rows.length) throw new Error('the upload changed while it was read');
  } else {
    for (const r of rows) {
      const row = await db.kysely
        .selectFrom('document_uploads')
        .select('data')
        .where('document_id', '=', documentId)
        .where('seq', '=', Number(r.seq))
        .executeTakeFirst();
      if (!row || row.data.byteLength !== Number(r.bytes)) {
        throw new Error('the upload changed while it was read');
      }
      put(row.data);
      // A buffer of its own, garbage once copied: freed now, not at a collection that the main thread,
      // idle while the worker parses, may not run before the parse's peak.
      freeNow(row.data);
    }
  }
  if (filled !== total) throw new Error('the upload changed while it was read');
  return out;
}
