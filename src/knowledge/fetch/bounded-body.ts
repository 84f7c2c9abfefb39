import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { KnowledgeError } from '../extract/types.ts';

/**
 * Reads a response body into memory, never more than `maxBytes` of it: past the cap the stream is
 * destroyed (the connection closes, the rest is never downloaded) and the read is refused, or, with
 * `truncate`, the first `maxBytes` are kept (robots.txt: RFC 9309 reads at least its first 500 KiB).
 * We ask for `accept-encoding: identity`; a server that compresses anyway is decoded here and the cap
 * counts decoded bytes, so a small gzip bomb cannot inflate past it.
 */
export async function readBounded(
  body: Readable,
  contentEncoding: string | undefined,
  maxBytes: number,
  what: string,
  truncate = false,
  declaredLength?: number,
): Promise<Uint8Array> {
  const source = decoded(body, contentEncoding);
  const sink = new Sink(contentEncoding === undefined ? declaredLength : undefined, maxBytes);
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      const room = maxBytes - sink.length;
      if (chunk.length > room) {
        if (!truncate) {
          throw new KnowledgeError(
            'file_size_too_large',
            `${what} is larger than the ${formatBytes(maxBytes)} limit; download stopped there`,
          );
        }
        sink.push(chunk.subarray(0, room));
        break;
      }
      sink.push(chunk);
    }
  } finally {
    // Stops the download when we leave early (cap reached, error); a no-op once the body has ended.
    discard(source);
    discard(body);
  }
  return sink.bytes();
}

/**
 * The body in memory once: with a Content-Length (the usual case for files) one buffer of that size is
 * filled in place, so a 50 MiB download holds 50 MiB, not the chunks plus their concatenation. Without
 * one (or when the server sends more than it declared) chunks are kept and joined once at the end.
 */
class Sink {
  #fixed: Buffer | undefined;
  #chunks: Buffer[] = [];
  length = 0;

  constructor(declared: number | undefined, maxBytes: number) {
    if (declared !== undefined && Number.isSafeInteger(declared) && declared > 0 && declared <= maxBytes) {
      this.#fixed = Buffer.allocUnsafe(declared);
    }
  }

  push(chunk: Buffer): void {
    if (this.#fixed && this.length + chunk.length > this.#fixed.length) {
      this.#chunks.push(this.#fixed.subarray(0, this.length));
      this.#fixed = undefined;
    }
    if (this.#fixed) chunk.copy(this.#fixed, this.length);
    else this.#chunks.push(chunk);
    this.length += chunk.length;
  }

  bytes(): Uint8Array {
    if (this.#fixed) return this.#fixed.subarray(0, this.length);
    return this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks, this.length);
  }
}

/**
 * Closes a body we will not read (further). undici reports a destroyed, unfinished body as an 'error'
 * event on a later tick; nobody listens by then, so it is swallowed here rather than crash the process.
 */
export function discard(stream: Readable): void {
  stream.on('error', () => {});
  stream.destroy();
}

function decoded(body: Readable, contentEncoding: string | undefined): Readable {
  const encoding = contentEncoding?.trim().toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip()
      : encoding === 'deflate'
        ? createInflate()
        : encoding === 'br'
          ? createBrotliDecompress()
          : undefined;
  if (!decoder) return body;
  body.on('error', (err) => decoder.destroy(err));
  decoder.on('error', () => body.destroy());
  return body.pipe(decoder);
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}
