import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readMultipart } from '../src/http/multipart.ts';

/**
 * The streaming multipart reader works on each chunk as a view (no copy of the file into a joined
 * buffer): whatever way the body is cut into chunks, fields and the file come through exact. With
 * freeChunks, the chunks it is done with are freed at once (src/core/free-now.ts), never one it still reads.
 */

const boundary = '----pk-boundary-7Qx';
// Lines that start like the delimiter, and a tail that looks like one: only the whole delimiter ends the file.
const lines = Array.from({ length: 40 }, (_, i) => `line ${i} --${boundary.slice(0, 10)}\r\n`);
const file = Buffer.from(`${lines.join('')}\r\n--tail`);
const body = Buffer.concat([
  Buffer.from(
    `preamble\r\n--${boundary}\r\nContent-Disposition: form-data; name="document_name"\r\n\r\nMy doc\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\n`,
  ),
  file,
  Buffer.from(`\r\n--${boundary}--\r\nepilogue`),
]);

/** The body cut at the given offsets, each chunk a buffer of its own (as Node's request delivers them). */
function cut(at: number[]): Uint8Array[] {
  const edges = [0, ...at, body.length];
  return edges.slice(1).map((end, i) => new Uint8Array(body.subarray(edges[i], end)));
}

async function read(chunks: Uint8Array[], freeChunks: boolean) {
  const got: Buffer[] = [];
  async function* source() {
    yield* chunks;
  }
  const result = await readMultipart(
    source(),
    boundary,
    () => async (chunk) => {
      got.push(Buffer.from(chunk));
    },
    undefined,
    freeChunks,
  );
  return { ...result, bytes: Buffer.concat(got) };
}

test('fields and file come through exact wherever the body is cut in two or three', async () => {
  for (let a = 1; a < body.length; a += 1) {
    for (const b of [a + 1, a + 7, a + 75]) {
      const r = await read(cut(b < body.length ? [a, b] : [a]), a % 2 === 0);
      assert.deepEqual(r.fields.get('document_name'), ['My doc'], `cut at ${a}, ${b}`);
      assert.equal(r.file?.fileName, 'a.txt');
      assert.equal(r.file?.size, file.length);
      assert.ok(r.bytes.equals(file), `cut at ${a}, ${b}`);
    }
  }
});

test('a byte at a time, chunks freed as read: exact, and the chunks before the last part freed', async () => {
  const chunks = cut(Array.from({ length: body.length - 1 }, (_, i) => i + 1));
  const r = await read(chunks, true);
  assert.ok(r.bytes.equals(file));
  assert.deepEqual(r.fields.get('document_name'), ['My doc']);
  // Every chunk of the file's bytes was given back (detached: it reads as empty now).
  const fileStart = body.indexOf(file);
  for (let i = fileStart; i < fileStart + file.length; i++)
    assert.equal(chunks[i]?.byteLength, 0, `chunk ${i}`);
  // Without freeChunks, the caller's chunks are left alone.
  const kept = cut([100, 200]);
  await read(kept, false);
  assert.deepEqual(
    kept.map((c) => c.byteLength),
    [100, 100, body.length - 200],
  );
});
