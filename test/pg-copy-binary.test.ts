import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OneColumnCopyReader } from '../src/storage/pg-copy-binary.ts';

/**
 * PostgreSQL's binary COPY format, read as it streams (upload rows on PostgreSQL: src/knowledge/uploads.ts):
 * values reach the sink whole and in order however the stream is cut into messages.
 */

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

function copyStream(values: (Buffer | null)[], opts: { extension?: Buffer; columns?: number } = {}): Buffer {
  const ext = opts.extension ?? Buffer.alloc(0);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(0, 0);
  head.writeUInt32BE(ext.length, 4);
  const parts = [SIGNATURE, head, ext];
  for (const v of values) {
    const fields = Buffer.alloc(2);
    fields.writeInt16BE(opts.columns ?? 1);
    const len = Buffer.alloc(4);
    len.writeInt32BE(v === null ? -1 : v.length);
    parts.push(fields, len, v ?? Buffer.alloc(0));
  }
  const trailer = Buffer.alloc(2);
  trailer.writeInt16BE(-1);
  parts.push(trailer);
  return Buffer.concat(parts);
}

function readAll(chunks: Uint8Array[]): { bytes: Buffer; rows: number } {
  const got: Buffer[] = [];
  // The sink copies: the reader's views are only valid during the call.
  const reader = new OneColumnCopyReader((b) => got.push(Buffer.from(b)));
  for (const c of chunks) reader.push(c);
  reader.end();
  return { bytes: Buffer.concat(got), rows: reader.rows };
}

const values = [
  Buffer.from('first value'),
  Buffer.alloc(0),
  Buffer.from([0, 255, 10, 13, 0x50]),
  Buffer.from('z'),
];
const stream = copyStream(values, { extension: Buffer.from('ext!') });
const expected = Buffer.concat(values);

test('values come through whole wherever the stream is cut in two', () => {
  for (let cut = 0; cut <= stream.length; cut++) {
    const { bytes, rows } = readAll([stream.subarray(0, cut), stream.subarray(cut)]);
    assert.ok(bytes.equals(expected), `cut at ${cut}`);
    assert.equal(rows, values.length);
  }
});

test('values come through whole a byte at a time, and in one piece', () => {
  const bytes = [...stream].map((b) => Uint8Array.of(b));
  assert.ok(readAll(bytes).bytes.equals(expected));
  assert.ok(readAll([stream]).bytes.equals(expected));
});

test('a stream that is not one non-null column, or ends early, is refused', () => {
  assert.throws(() => readAll([copyStream([Buffer.from('a')], { columns: 2 })]), /2 columns/);
  assert.throws(() => readAll([copyStream([null])]), /NULL/);
  assert.throws(() => readAll([Buffer.from('PGCOPY\nnot-binary.....')]), /not a binary COPY/);
  assert.throws(() => readAll([stream.subarray(0, stream.length - 1)]), /ended before its trailer/);
  assert.throws(() => readAll([stream, Buffer.from('x')]), /after its trailer/);
});
