import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { newId } from '../src/core/ids.ts';
import { KnowledgeError } from '../src/knowledge/extract/types.ts';
import { readUpload, UPLOAD_SLICE_BYTES, uploadWriter } from '../src/knowledge/uploads.ts';
import { describeEachBackend } from './helpers/harness.ts';

/**
 * Issue 13: an upload goes to the store in 1 MiB rows and comes back byte for byte; on PostgreSQL the rows
 * are streamed back by one binary COPY (query results carry bytea as hex text).
 */

describeEachBackend('upload rows read back', (h) => {
  test('a 3.4 MB upload written in uneven chunks reads back byte-exact', async () => {
    const db = h().services.db;
    const id = newId('d');
    const size = 3 * UPLOAD_SLICE_BYTES + 250_000 + 12_345;
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

  test('PostgreSQL reads by COPY: a failing one rejects, and the pool still answers', async () => {
    const db = h().services.db;
    if (db.dialect !== 'postgres') {
      // SQLite reads its rows one query each: no COPY there.
      assert.equal(db.copyOut, undefined);
      return;
    }
    const copyOut = db.copyOut;
    assert.ok(copyOut);
    await assert.rejects(
      copyOut('COPY (SELECT 1 / 0) TO STDOUT (FORMAT binary)', () => {}),
      /division by zero/,
    );
    // A sink that throws fails the copy; the rest of the COPY is read and dropped first.
    await assert.rejects(
      copyOut('COPY (SELECT g FROM generate_series(1, 1000) g) TO STDOUT (FORMAT binary)', () => {
        throw new Error('sink refused');
      }),
      /sink refused/,
    );
    // Every client of the pool still answers (10 at once: the pool's size); a client left broken by the
    // failed COPY would reject or hang here.
    await Promise.all(
      Array.from({ length: 10 }, () => db.kysely.selectFrom('document_uploads').select('seq').execute()),
    );
  });

  test('no rows, or only empty ones: file_empty', async () => {
    const db = h().services.db;
    await assert.rejects(
      readUpload(db, newId('d')),
      (e) => e instanceof KnowledgeError && e.code === 'file_empty',
    );
  });
});
