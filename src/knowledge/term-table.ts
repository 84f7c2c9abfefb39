import { normalizeToken, scanTokens } from './analyzer.ts';

/**
 * Text → term numbers for bulk loading the SQLite side's in-memory index (ADR 0028), without creating a
 * string per token: ASCII tokens (nearly all of them in most corpora) are hashed case-insensitively while
 * scanning and looked up in an open-addressing table of the raw words already seen, compared in place.
 * Only a word seen for the first time is sliced out and analysed (analyzer.ts: FTS5's porter unicode61);
 * a token with any non-ASCII character goes through the analyzer's own path. Profiling a 100,000-chunk
 * load showed a Map keyed by each token's slice costing ~5x the rest of the load together.
 */
export class TermTable {
  readonly #resolve: (term: string) => number;
  #keys: string[];
  #hashes: Int32Array;
  #ids: Int32Array;
  #mask: number;
  #size = 0;

  /** `resolve` gives the number of an analysed term (the segment builder's dictionary). */
  constructor(resolve: (term: string) => number) {
    this.#resolve = resolve;
    this.#keys = emptyKeys(1 << 14);
    this.#hashes = new Int32Array(1 << 14);
    this.#ids = new Int32Array(1 << 14);
    this.#mask = (1 << 14) - 1;
  }

  /** Calls `emit` with the term number of every token of `text` (tokens that analyse to nothing skipped). */
  scan(text: string, emit: (term: number) => void): void {
    const n = text.length;
    let i = 0;
    while (i < n) {
      let c = text.charCodeAt(i);
      if (c >= 128) {
        i = this.#slowPiece(text, i, emit);
        continue;
      }
      if (!isAsciiWordChar(c)) {
        i++;
        continue;
      }
      const start = i;
      let h = 0;
      for (;;) {
        if (c >= 65 && c <= 90) c += 32;
        h = (Math.imul(h, 31) + c) | 0;
        i++;
        if (i >= n) break;
        c = text.charCodeAt(i);
        if (!isAsciiWordChar(c)) break;
      }
      if (i < n && c >= 128) {
        // The word goes on with a non-ASCII character: analyse the whole piece the slow way.
        i = this.#slowPiece(text, start, emit);
        continue;
      }
      const id = this.#lookup(text, start, i, h);
      if (id >= 0) emit(id);
    }
  }

  #lookup(text: string, start: number, end: number, hash: number): number {
    // Short words give small, similar hashes: mix the bits (murmur3's finaliser) before masking.
    let h = hash ^ (hash >>> 16);
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    const len = end - start;
    let slot = h & this.#mask;
    for (;;) {
      const key = this.#keys[slot] as string;
      if (key === '') break;
      if (this.#hashes[slot] === h && key.length === len && sameLower(key, text, start)) {
        return this.#ids[slot] as number;
      }
      slot = (slot + 1) & this.#mask;
    }
    const raw = text.slice(start, end).toLowerCase();
    const term = normalizeToken(raw, true);
    const id = term === '' ? -1 : this.#resolve(term);
    this.#keys[slot] = raw;
    this.#hashes[slot] = h;
    this.#ids[slot] = id;
    if (++this.#size * 2 > this.#mask) this.#grow();
    return id;
  }

  /**
   * From `start` to the next ASCII separator, where a non-ASCII character appears: analysed by the
   * analyzer's own scanner. ASCII punctuation and spaces always separate tokens in unicode61, so cutting
   * the text there changes no token. Returns where the piece ends.
   */
  #slowPiece(text: string, start: number, emit: (term: number) => void): number {
    let end = start;
    while (end < text.length) {
      const c = text.charCodeAt(end);
      if (c < 128 && !isAsciiWordChar(c)) break;
      end++;
    }
    scanTokens(text.slice(start, end), (raw, ascii) => {
      const term = normalizeToken(raw, ascii);
      if (term !== '') emit(this.#resolve(term));
    });
    return end;
  }

  #grow(): void {
    const keys = this.#keys;
    const hashes = this.#hashes;
    const ids = this.#ids;
    const size = keys.length * 2;
    this.#keys = emptyKeys(size);
    this.#hashes = new Int32Array(size);
    this.#ids = new Int32Array(size);
    this.#mask = size - 1;
    for (let s = 0; s < keys.length; s++) {
      const key = keys[s] as string;
      if (key === '') continue;
      let slot = (hashes[s] as number) & this.#mask;
      while (this.#keys[slot] !== '') slot = (slot + 1) & this.#mask;
      this.#keys[slot] = key;
      this.#hashes[slot] = hashes[s] as number;
      this.#ids[slot] = ids[s] as number;
    }
  }
}

/**
 * A packed array of '' (the empty-slot marker: no word is empty). `new Array(n)` would make a holey
 * array, and past ~100,000 elements V8 keeps it in dictionary mode, where every probe is a hash lookup.
 */
function emptyKeys(size: number): string[] {
  return Array.from({ length: size }, () => '');
}

function isAsciiWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
}

/** Whether text[start, start + key.length) lower-cased (ASCII) equals key. */
function sameLower(key: string, text: string, start: number): boolean {
  for (let j = 0; j < key.length; j++) {
    let c = text.charCodeAt(start + j);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== key.charCodeAt(j)) return false;
  }
  return true;
}
