/**
 * PostgreSQL's binary COPY format (https://www.postgresql.org/docs/current/sql-copy.html, "Binary
 * Format"), read as it streams, for rows of one non-null column: each value's bytes go to `sink` piece by
 * piece as they arrive (a value may span CopyData messages, and a message may hold several values).
 * Nothing is kept but the few bytes of a header or length split across two messages.
 */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

type State = 'signature' | 'extension' | 'tuple' | 'length' | 'value' | 'done';

export class OneColumnCopyReader {
  /** Values read so far. */
  rows = 0;
  readonly #sink: (bytes: Uint8Array) => void;
  #state: State = 'signature';
  readonly #scratch = Buffer.alloc(SIGNATURE.length + 8);
  #have = 0;
  #need = SIGNATURE.length + 8;
  /** Bytes still to come of the header extension or of the current value. */
  #left = 0;

  constructor(sink: (bytes: Uint8Array) => void) {
    this.#sink = sink;
  }

  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#state === 'done') throw new Error('COPY data after its trailer');
      if (this.#state === 'value' || this.#state === 'extension') {
        const n = Math.min(this.#left, chunk.length - at);
        if (this.#state === 'value') this.#sink(chunk.subarray(at, at + n));
        at += n;
        this.#left -= n;
        if (this.#left === 0) this.#expect('tuple', 2);
        continue;
      }
      const n = Math.min(this.#need - this.#have, chunk.length - at);
      this.#scratch.set(chunk.subarray(at, at + n), this.#have);
      this.#have += n;
      at += n;
      if (this.#have < this.#need) return;
      this.#fixedPart();
    }
  }

  /** Throws unless the trailer was read: the COPY ended early. */
  end(): void {
    if (this.#state !== 'done') throw new Error('the COPY ended before its trailer');
  }

  #expect(state: State, bytes: number): void {
    this.#state = state;
    this.#need = bytes;
    this.#have = 0;
  }

  #fixedPart(): void {
    const s = this.#scratch;
    switch (this.#state) {
      case 'signature': {
        if (!s.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('not a binary COPY');
        // Flags: bit 16 says each row starts with its OID; no other bit may be set that we must honour.
        if ((s.readUInt32BE(SIGNATURE.length) & 0xffff0000) !== 0) throw new Error('binary COPY with OIDs');
        this.#left = s.readUInt32BE(SIGNATURE.length + 4);
        if (this.#left > 0) this.#expect('extension', 0);
        else this.#expect('tuple', 2);
        return;
      }
      case 'tuple': {
        const fields = s.readInt16BE(0);
        if (fields === -1) this.#expect('done', 0);
        else if (fields !== 1) throw new Error(`binary COPY rows of ${fields} columns, not one`);
        else this.#expect('length', 4);
        return;
      }
      case 'length': {
        const bytes = s.readInt32BE(0);
        if (bytes < 0) throw new Error('a NULL value in a binary COPY of non-null values');
        this.rows++;
        this.#left = bytes;
        if (bytes > 0) this.#expect('value', 0);
        else this.#expect('tuple', 2);
        return;
      }
      default:
        throw new Error(`binary COPY reader in state ${this.#state}`);
    }
  }
}
