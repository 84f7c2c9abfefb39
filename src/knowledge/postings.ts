/**
 * An immutable in-memory inverted index over a set of chunks (one segment), and top-k BM25 over several
 * segments with MaxScore pruning (ADR 0028). Postings are compressed-sparse-row typed arrays: one
 * Int32Array of chunk numbers and one Uint16Array of term frequencies for all terms, sliced by `offsets`,
 * so a 100,000-chunk account is a few tens of MB and no per-posting object exists.
 *
 * Chunks are numbered document by document, so each document's chunks are a contiguous range: the
 * statistics over a subset of documents (BM25's N, average length and document frequency) are sums over
 * ranges, found by binary search in the sorted postings, and a document filter skips whole ranges.
 */

export interface Segment {
  /** Term → term number. */
  readonly terms: Map<string, number>;
  /** Postings of term t: chunks[offsets[t] .. offsets[t + 1]) (ascending), tfs alongside. */
  readonly offsets: Uint32Array;
  readonly chunks: Int32Array;
  readonly tfs: Uint16Array;
  /** Per term: the largest tf and the smallest chunk length among its postings (score upper bounds). */
  readonly maxTf: Uint16Array;
  readonly minDl: Uint32Array;
  readonly chunkIds: string[];
  readonly chunkDl: Uint32Array;
  readonly chunkDoc: Uint32Array;
  readonly docIds: string[];
  readonly docIndex: Map<string, number>;
  /** Document d's chunks are [docStart[d], docStart[d + 1]). */
  readonly docStart: Uint32Array;
  readonly docLen: Float64Array;
  readonly totalLen: number;
  readonly bytes: number;
}

/** Collects chunks (grouped by document, in order) and freezes them into a Segment. */
export class SegmentBuilder {
  readonly #terms = new Map<string, number>();
  #termBytes = 0;
  // Flat (term, chunk, tf) triples, sorted into postings by a counting sort at build time.
  #pTerm = new Int32Array(1 << 12);
  #pTf = new Uint16Array(1 << 12);
  #pChunk = new Int32Array(1 << 12);
  #n = 0;
  // The current chunk's term counts, by term number, and which are non-zero.
  #count = new Uint32Array(1 << 12);
  readonly #touched: number[] = [];
  readonly #chunkIds: string[] = [];
  readonly #chunkDl: number[] = [];
  readonly #chunkDoc: number[] = [];
  readonly #docIds: string[] = [];
  readonly #docStart: number[] = [];
  readonly #docLen: number[] = [];
  #idBytes = 0;

  get chunkCount(): number {
    return this.#chunkIds.length;
  }

  /** The number of a term, added to the dictionary when new. */
  termId(term: string): number {
    let t = this.#terms.get(term);
    if (t === undefined) {
      t = this.#terms.size;
      this.#terms.set(term, t);
      this.#termBytes += 80 + 2 * term.length;
      if (t >= this.#count.length) {
        const count = new Uint32Array(this.#count.length * 2);
        count.set(this.#count);
        this.#count = count;
      }
    }
    return t;
  }

  /**
   * Starts a chunk; its terms follow (addTerm), then endChunk. Chunks of a document must be added
   * together: a document seen again after another one would start a second range.
   */
  beginChunk(id: string, documentId: string): void {
    let doc = this.#docIds.length - 1;
    if (this.#docIds[doc] !== documentId) {
      doc = this.#docIds.length;
      this.#docIds.push(documentId);
      this.#docStart.push(this.#chunkIds.length);
      this.#docLen.push(0);
      this.#idBytes += 64 + 2 * documentId.length;
    }
    this.#chunkIds.push(id);
    this.#idBytes += 32 + id.length;
    this.#chunkDoc.push(doc);
  }

  addTerm(t: number, tf = 1): void {
    const before = this.#count[t] as number;
    if (before === 0) this.#touched.push(t);
    this.#count[t] = before + tf;
  }

  endChunk(dl: number): void {
    const chunk = this.#chunkIds.length - 1;
    const doc = this.#chunkDoc[chunk] as number;
    this.#chunkDl.push(dl);
    this.#docLen[doc] = (this.#docLen[doc] ?? 0) + dl;
    for (const t of this.#touched) {
      if (this.#n === this.#pTerm.length) this.#grow();
      this.#pTerm[this.#n] = t;
      this.#pChunk[this.#n] = chunk;
      this.#pTf[this.#n] = Math.min(this.#count[t] as number, 0xffff);
      this.#count[t] = 0;
      this.#n++;
    }
    this.#touched.length = 0;
  }

  /** One chunk at once: its id, document, length and each distinct term with its frequency. */
  addChunk(id: string, documentId: string, dl: number, termFreqs: Map<string, number>): void {
    this.beginChunk(id, documentId);
    for (const [term, tf] of termFreqs) this.addTerm(this.termId(term), tf);
    this.endChunk(dl);
  }

  #grow(): void {
    const size = this.#pTerm.length * 2;
    const term = new Int32Array(size);
    term.set(this.#pTerm);
    const chunk = new Int32Array(size);
    chunk.set(this.#pChunk);
    const tf = new Uint16Array(size);
    tf.set(this.#pTf);
    this.#pTerm = term;
    this.#pChunk = chunk;
    this.#pTf = tf;
  }

  build(): Segment {
    const termCount = this.#terms.size;
    const n = this.#n;
    const offsets = new Uint32Array(termCount + 1);
    for (let i = 0; i < n; i++) {
      const j = (this.#pTerm[i] as number) + 1;
      offsets[j] = (offsets[j] as number) + 1;
    }
    for (let t = 0; t < termCount; t++) offsets[t + 1] = (offsets[t + 1] as number) + (offsets[t] as number);
    const fill = offsets.slice(0, termCount);
    const chunks = new Int32Array(n);
    const tfs = new Uint16Array(n);
    const chunkDl = Uint32Array.from(this.#chunkDl);
    const maxTf = new Uint16Array(termCount);
    const minDl = new Uint32Array(termCount).fill(0xffffffff);
    // Triples were appended chunk by chunk, so each term's postings come out in ascending chunk order.
    for (let i = 0; i < n; i++) {
      const t = this.#pTerm[i] as number;
      const at = fill[t] as number;
      fill[t] = at + 1;
      const c = this.#pChunk[i] as number;
      const tf = this.#pTf[i] as number;
      chunks[at] = c;
      tfs[at] = tf;
      if (tf > (maxTf[t] as number)) maxTf[t] = tf;
      const dl = chunkDl[c] as number;
      if (dl < (minDl[t] as number)) minDl[t] = dl;
    }
    const docStart = new Uint32Array(this.#docIds.length + 1);
    docStart.set(this.#docStart);
    docStart[this.#docIds.length] = this.#chunkIds.length;
    const docLen = Float64Array.from(this.#docLen);
    const chunkDoc = Uint32Array.from(this.#chunkDoc);
    let totalLen = 0;
    for (const l of docLen) totalLen += l;
    const docIndex = new Map(this.#docIds.map((d, i) => [d, i]));
    const bytes =
      offsets.byteLength +
      chunks.byteLength +
      tfs.byteLength +
      maxTf.byteLength +
      minDl.byteLength +
      chunkDl.byteLength +
      chunkDoc.byteLength +
      docStart.byteLength +
      docLen.byteLength +
      this.#termBytes +
      this.#idBytes +
      8 * (this.#chunkIds.length + this.#docIds.length) +
      256;
    // The builder's scratch arrays go with it; only the frozen arrays stay.
    return {
      terms: this.#terms,
      offsets,
      chunks,
      tfs,
      maxTf,
      minDl,
      chunkIds: this.#chunkIds,
      chunkDl,
      chunkDoc,
      docIds: this.#docIds,
      docIndex,
      docStart,
      docLen,
      totalLen,
      bytes,
    };
  }
}

/** BM25 variant: FTS5's (SQLite) or Lucene's (PostgreSQL, the published baselines'). */
export interface Bm25 {
  k1: number;
  b: number;
  /** Inverse document frequency from N and df. */
  idf(n: number, df: number): number;
  /** Average chunk length from the totals (each backend guards an empty set its own way). */
  avgdl(n: number, totalLen: number): number;
}

/** Which documents of a segment are searched: all (null), or a mask and its sorted members. */
export interface SegmentFilter {
  allowed: Uint8Array;
  /** Allowed document numbers, ascending. */
  docs: Uint32Array;
}

export interface QueryTerm {
  term: string;
  /** How many times the query names it (FTS5 sums a phrase given twice twice). */
  weight: number;
}

export interface Hit {
  id: string;
  score: number;
}

/** The segments searched, each with its document filter (`undefined`: the segment is skipped). */
export interface SegmentScope {
  segment: Segment;
  filter: SegmentFilter | null;
}

/**
 * Top `k` chunks by BM25 over the scoped segments, ties broken by chunk id (ascending), statistics over
 * the scoped documents only. MaxScore: query terms are ordered by their score upper bound; once the k-th
 * best score exceeds the bounds of the weakest terms together, chunks matching only those can no longer
 * enter, so only the other ("essential") terms' postings are walked and the weak ones are probed by
 * galloping search, and a candidate is dropped as soon as its remaining bound cannot reach the k-th.
 */
export function topK(scopes: SegmentScope[], query: QueryTerm[], k: number, bm25: Bm25): Hit[] {
  if (k <= 0 || query.length === 0) return [];
  // Statistics over the searched documents.
  let n = 0;
  let totalLen = 0;
  const df = new Float64Array(query.length);
  for (const { segment: s, filter } of scopes) {
    const termNos = query.map((q) => s.terms.get(q.term));
    if (filter === null) {
      n += s.chunkIds.length;
      totalLen += s.totalLen;
      termNos.forEach((t, i) => {
        if (t !== undefined)
          df[i] = (df[i] as number) + ((s.offsets[t + 1] as number) - (s.offsets[t] as number));
      });
      continue;
    }
    const docCount = s.docIds.length;
    // Sum over the allowed documents, or the whole segment minus the others: whichever side is smaller.
    const fromAllowed = filter.docs.length * 2 <= docCount;
    const sign = fromAllowed ? 1 : -1;
    if (!fromAllowed) {
      n += s.chunkIds.length;
      totalLen += s.totalLen;
      termNos.forEach((t, i) => {
        if (t !== undefined)
          df[i] = (df[i] as number) + ((s.offsets[t + 1] as number) - (s.offsets[t] as number));
      });
    }
    for (let d = 0; d < docCount; d++) {
      if ((filter.allowed[d] === 1) !== fromAllowed) continue;
      const from = s.docStart[d] as number;
      const to = s.docStart[d + 1] as number;
      n += sign * (to - from);
      totalLen += sign * (s.docLen[d] as number);
      termNos.forEach((t, i) => {
        if (t === undefined) return;
        const lo = s.offsets[t] as number;
        const hi = s.offsets[t + 1] as number;
        const count = lowerBound(s.chunks, lo, hi, to) - lowerBound(s.chunks, lo, hi, from);
        df[i] = (df[i] as number) + sign * count;
      });
    }
  }
  if (n <= 0) return [];
  const avgdl = bm25.avgdl(n, totalLen);
  const weights = query.map((q, i) => q.weight * bm25.idf(n, df[i] as number));
  const heap = new TopHeap(k);
  for (const scope of scopes) searchSegment(scope, query, weights, avgdl, bm25, heap);
  return heap.sorted();
}

interface Cursor {
  pos: number;
  end: number;
  weight: number;
  bound: number;
}

function searchSegment(
  { segment: s, filter }: SegmentScope,
  query: QueryTerm[],
  weights: number[],
  avgdl: number,
  bm25: Bm25,
  heap: TopHeap,
): void {
  if (filter !== null && filter.docs.length === 0) return;
  const { k1, b } = bm25;
  const cursors: Cursor[] = [];
  query.forEach((q, i) => {
    const t = s.terms.get(q.term);
    if (t === undefined) return;
    const w = weights[i] as number;
    const tf = s.maxTf[t] as number;
    // tf/(tf + K) grows with tf and shrinks with the length, so the largest tf at the shortest length
    // bounds every posting of the term.
    const bound = (w * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * (s.minDl[t] as number)) / avgdl));
    cursors.push({ pos: s.offsets[t] as number, end: s.offsets[t + 1] as number, weight: w, bound });
  });
  if (cursors.length === 0) return;
  cursors.sort((x, y) => x.bound - y.bound);
  const m = cursors.length;
  const cum = new Float64Array(m);
  let acc = 0;
  for (let i = 0; i < m; i++) {
    acc += (cursors[i] as Cursor).bound;
    cum[i] = acc;
  }
  const chunks = s.chunks;
  const tfs = s.tfs;
  let threshold = heap.threshold();
  let essential = 0;
  while (essential < m && (cum[essential] as number) < threshold) essential++;
  for (;;) {
    let candidate = 0x7fffffff;
    for (let i = essential; i < m; i++) {
      const c = cursors[i] as Cursor;
      if (c.pos < c.end) {
        const chunk = chunks[c.pos] as number;
        if (chunk < candidate) candidate = chunk;
      }
    }
    if (candidate === 0x7fffffff) return;
    if (filter !== null) {
      const doc = s.chunkDoc[candidate] as number;
      if (filter.allowed[doc] !== 1) {
        // Jump every walked list to the next searched document's first chunk.
        const next = lowerBound32(filter.docs, doc + 1);
        if (next >= filter.docs.length) return;
        const target = s.docStart[filter.docs[next] as number] as number;
        for (let i = essential; i < m; i++) {
          const c = cursors[i] as Cursor;
          c.pos = gallop(chunks, c.pos, c.end, target);
        }
        continue;
      }
    }
    const norm = k1 * (1 - b + (b * (s.chunkDl[candidate] as number)) / avgdl);
    let score = 0;
    for (let i = essential; i < m; i++) {
      const c = cursors[i] as Cursor;
      if (c.pos < c.end && chunks[c.pos] === candidate) {
        const tf = tfs[c.pos] as number;
        score += (c.weight * tf * (k1 + 1)) / (tf + norm);
        c.pos++;
      }
    }
    let pruned = false;
    for (let i = essential - 1; i >= 0; i--) {
      if (score + (cum[i] as number) < threshold) {
        pruned = true;
        break;
      }
      const c = cursors[i] as Cursor;
      c.pos = gallop(chunks, c.pos, c.end, candidate);
      if (c.pos < c.end && chunks[c.pos] === candidate) {
        const tf = tfs[c.pos] as number;
        score += (c.weight * tf * (k1 + 1)) / (tf + norm);
      }
    }
    if (pruned || score < threshold) continue;
    if (heap.offer(s.chunkIds[candidate] as string, score)) {
      threshold = heap.threshold();
      while (essential < m && (cum[essential] as number) < threshold) essential++;
    }
  }
}

/** First index in [lo, hi) whose chunk is ≥ target (hi when none). */
function lowerBound(a: Int32Array, lo: number, hi: number, target: number): number {
  let l = lo;
  let h = hi;
  while (l < h) {
    const mid = (l + h) >>> 1;
    if ((a[mid] as number) < target) l = mid + 1;
    else h = mid;
  }
  return l;
}

function lowerBound32(a: Uint32Array, target: number): number {
  let l = 0;
  let h = a.length;
  while (l < h) {
    const mid = (l + h) >>> 1;
    if ((a[mid] as number) < target) l = mid + 1;
    else h = mid;
  }
  return l;
}

/** lowerBound from `pos`, doubling the step first: cheap for the short skips that dominate. */
function gallop(a: Int32Array, pos: number, end: number, target: number): number {
  if (pos >= end || (a[pos] as number) >= target) return pos;
  let step = 1;
  let lo = pos;
  let hi = pos + 1;
  while (hi < end && (a[hi] as number) < target) {
    lo = hi;
    step *= 2;
    hi = pos + step;
  }
  return lowerBound(a, lo + 1, Math.min(hi + 1, end), target);
}

/** The k best (score desc, id asc) seen so far: a binary min-heap whose root is the k-th best. */
class TopHeap {
  readonly #k: number;
  readonly #ids: string[] = [];
  readonly #scores: number[] = [];

  constructor(k: number) {
    this.#k = k;
  }

  /** Scores below this cannot enter (ties can: the id decides). */
  threshold(): number {
    return this.#ids.length < this.#k ? Number.NEGATIVE_INFINITY : (this.#scores[0] as number);
  }

  #worse(i: number, j: number): boolean {
    const si = this.#scores[i] as number;
    const sj = this.#scores[j] as number;
    return si < sj || (si === sj && (this.#ids[i] as string) > (this.#ids[j] as string));
  }

  offer(id: string, score: number): boolean {
    if (this.#ids.length < this.#k) {
      this.#ids.push(id);
      this.#scores.push(score);
      this.#up(this.#ids.length - 1);
      return true;
    }
    const rootScore = this.#scores[0] as number;
    if (score < rootScore || (score === rootScore && id > (this.#ids[0] as string))) return false;
    this.#ids[0] = id;
    this.#scores[0] = score;
    this.#down(0);
    return true;
  }

  #swap(i: number, j: number): void {
    const id = this.#ids[i] as string;
    this.#ids[i] = this.#ids[j] as string;
    this.#ids[j] = id;
    const sc = this.#scores[i] as number;
    this.#scores[i] = this.#scores[j] as number;
    this.#scores[j] = sc;
  }

  #up(i: number): void {
    let c = i;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (!this.#worse(c, p)) break;
      this.#swap(c, p);
      c = p;
    }
  }

  #down(i: number): void {
    const n = this.#ids.length;
    let p = i;
    for (;;) {
      const l = 2 * p + 1;
      const r = l + 1;
      let w = p;
      if (l < n && this.#worse(l, w)) w = l;
      if (r < n && this.#worse(r, w)) w = r;
      if (w === p) return;
      this.#swap(p, w);
      p = w;
    }
  }

  sorted(): Hit[] {
    const hits = this.#ids.map((id, i) => ({ id, score: this.#scores[i] as number }));
    return hits.sort((x, y) => y.score - x.score || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  }
}
