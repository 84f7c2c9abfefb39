/**
 * The bytes of a JSON answer or error body as they arrive. Small bodies (the hot path) keep the chunks
 * undici hands over. Past SLAB_BYTES, chunks are copied as they come into slabs of their own memory, so
 * that a large answer (up to 16 MiB) can be moved to a worker whole (large-answer.ts) instead of being
 * concatenated in one ~15 MB copy on the event loop at the end (tens of ms on a loaded machine): each
 * copy is one chunk's, spread over the reads. Chunks cannot be moved themselves: they are views of the
 * socket's read buffers.
 */
const SLAB_BYTES = 1024 * 1024;

export class AnswerBody {
  size = 0;
  #chunks: Uint8Array[] = [];
  #slabs: Uint8Array<ArrayBuffer>[] | undefined;
  /** Bytes used in the last slab. */
  #used = 0;

  push(chunk: Uint8Array): void {
    this.size += chunk.byteLength;
    if (!this.#slabs) {
      this.#chunks.push(chunk);
      if (this.size < SLAB_BYTES) return;
      const chunks = this.#chunks;
      this.#chunks = [];
      this.#slabs = [];
      this.#used = SLAB_BYTES;
      for (const c of chunks) this.#copy(c);
      return;
    }
    this.#copy(chunk);
  }

  #copy(chunk: Uint8Array): void {
    const slabs = this.#slabs as Uint8Array<ArrayBuffer>[];
    let from = 0;
    while (from < chunk.byteLength) {
      if (this.#used === SLAB_BYTES) {
        slabs.push(new Uint8Array(SLAB_BYTES));
        this.#used = 0;
      }
      const slab = slabs[slabs.length - 1] as Uint8Array<ArrayBuffer>;
      const n = Math.min(SLAB_BYTES - this.#used, chunk.byteLength - from);
      slab.set(chunk.subarray(from, from + n), this.#used);
      this.#used += n;
      from += n;
    }
  }

  /** Slabs that own their memory (a large body), each cut to what it holds; undefined for a small body. */
  movable(): Uint8Array<ArrayBuffer>[] | undefined {
    const slabs = this.#slabs;
    if (!slabs) return undefined;
    return slabs.map((s, i) => (i === slabs.length - 1 ? s.subarray(0, this.#used) : s));
  }

  /** The whole body in one buffer. */
  bytes(): Buffer {
    const parts = this.movable() ?? this.#chunks;
    return parts.length === 1 && Buffer.isBuffer(parts[0]) ? parts[0] : Buffer.concat(parts, this.size);
  }
}
