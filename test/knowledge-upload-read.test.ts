import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { newId } from '../src/core/ids.ts';
import { KnowledgeError } from '../src/knowledge/extract/types.ts';
import {
  PG_READ_SLICE_BYTES,
  readUpload,
  UPLOAD_SLICE_BYTES,
  uploadWriter,
} from '../src/knowledge/uploads.ts';
import { describeEachBackend } from './helpers/harness.ts';

/**
 * Issue 13: an upload goes to the store in 1 MiB rows and comes back byte for byte, on PostgreSQL read in
 * slices of each row (bytea arrives as hex text there: whole rows made 2 MB strings).
 */

describeEachBackend('upload rows read back', (h) => {
  test('a 3.4 MB upload written in uneven chunks reads back byte-exact', async () => {
    const db = h().services.db;
    const id = newId('d');
    const size = 3 * UPLOAD_SLICE_BYTES + 5 * PG_READ_SLICE_BYTES + 12_345;
    const bytes = randomBytes(size);
    const writer = uploadWriter(db, id);
    // Chunk sizes that straddle row and slice boundaries, as a socket delivers them.
    for (let at = 0, step = 1; at < size; at += step, step = ((step * 7 + 13_331) % 200_000) + 1) {
      await writer.write(bytes.subarray(at, Math.min(size, at + step)));
    }
    await writer.flush();
    const back = await readUpload(db, id);
    assert.equal(back.byteLength, size);
    assert.ok(Buffer.from(back.buffer, back.byteOffset, back.byteLength).equals(bytes));
    // Its own buffer (moved to the parse worker without a copy).
    assert.equal(back.byteOffset, 0);
    assert.equal(back.buffer.byteLength, size);
    await writer.discard();
  });

  test('no rows, or only empty ones: file_empty', async () => {
    const db = h().services.db;
    await assert.rejects(
      readUpload(db, newId('d')),
      (e) => e instanceof KnowledgeError && e.code === 'file_empty',
    );
  });
});
