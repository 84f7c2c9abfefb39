import type { Db } from '../storage/db.ts';

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
