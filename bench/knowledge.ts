import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type ChunkOptions, chunkDocument } from '../src/knowledge/chunk.ts';
import { replaceChunks } from '../src/knowledge/index-store.ts';
import { knowledgeIndex } from '../src/knowledge/memory-index.ts';
import { type PgRanking, searchChunks } from '../src/knowledge/search.ts';
import { type Db, openDb } from '../src/storage/db.ts';
import { root } from './lib/processes.ts';
import { replaceResultsSection } from './lib/report.ts';

/**
 * BENCH_KNOWLEDGE=1: retrieval quality on BEIR SciFact (test split: 300 queries) and search latency at
 * 100,000 chunks, on SQLite and PostgreSQL. Chunks go in through replaceChunks and queries through
 * searchChunks (the functions POST /v2/documents ingestion and POST /v2/knowledge/search call), so the
 * figures are the index's own. Each is measured through the in-memory index (ADR 0028, the shipped path)
 * and through the store's own query side by side. The data lives outside the repository
 * (../shared/data/ir/scifact); the bench says so and skips when it is absent. BENCH_KNOWLEDGE_PART=
 * quality|latency and BENCH_KNOWLEDGE_BACKEND=sqlite|postgres run a part alone.
 */
// ../shared from the repository; a git worktree one level deeper (wt/<name>) looks one more level up.
export const DATA =
  process.env.BENCH_SCIFACT_DIR ??
  [
    join(root, '..', 'shared', 'data', 'ir', 'scifact'),
    join(root, '..', '..', 'shared', 'data', 'ir', 'scifact'),
  ].find((d) => existsSync(join(d, 'corpus.jsonl'))) ??
  join(root, '..', 'shared', 'data', 'ir', 'scifact');
const PUBLISHED_BM25 = { beir: 0.665, flat: 0.6789, flatRecall100: 0.9253, multifield: 0.6647 };

export interface Corpus {
  docs: { id: string; title: string; text: string }[];
  queries: Map<string, string>;
  qrels: Map<string, Set<string>>;
}

/** The BEIR SciFact corpus, its test queries (text only) and their relevance judgements; null when absent. */
export function loadScifact(): Corpus | null {
  if (!existsSync(join(DATA, 'corpus.jsonl'))) return null;
  const lines = (file: string) =>
    readFileSync(join(DATA, file), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
  const docs = lines('corpus.jsonl').map((l) => {
    const d = JSON.parse(l) as { _id: string; title: string; text: string };
    return { id: d._id, title: d.title, text: d.text };
  });
  const qrels = new Map<string, Set<string>>();
  for (const l of lines('qrels/test.tsv').slice(1)) {
    const [q, d, score] = l.split('\t');
    if (!q || !d || Number(score) <= 0) continue;
    const set = qrels.get(q) ?? new Set<string>();
    set.add(d);
    qrels.set(q, set);
  }
  const queries = new Map<string, string>();
  for (const l of lines('queries.jsonl')) {
    // Only the text: the metadata holds gold evidence labels and is never given to the retriever.
    const q = JSON.parse(l) as { _id: string; text: string };
    if (qrels.has(q._id)) queries.set(q._id, q.text);
  }
  return { docs, queries, qrels };
}

/** trec_eval semantics (binary relevance; a query with no results scores 0). */
export function ndcgAt(ranked: string[], relevant: Set<string>, k: number): number {
  let dcg = 0;
  ranked.slice(0, k).forEach((d, i) => {
    if (relevant.has(d)) dcg += 1 / Math.log2(i + 2);
  });
  let idcg = 0;
  for (let i = 0; i < Math.min(relevant.size, k); i++) idcg += 1 / Math.log2(i + 2);
  return idcg === 0 ? 0 : dcg / idcg;
}

export function recallAt(ranked: string[], relevant: Set<string>, k: number): number {
  const top = new Set(ranked.slice(0, k));
  let hit = 0;
  for (const d of relevant) if (top.has(d)) hit++;
  return relevant.size === 0 ? 0 : hit / relevant.size;
}

interface Quality {
  label: string;
  ndcg10: number;
  recall100: number;
  chunks: number;
  indexSeconds: number;
}

async function indexCorpus(db: Db, account: string, corpus: Corpus, chunking: ChunkOptions): Promise<number> {
  let total = 0;
  for (const d of corpus.docs) {
    // As an uploaded text would arrive: the title as the heading, the abstract as its paragraph.
    const chunks = chunkDocument(
      {
        format: 'txt',
        title: d.title,
        blocks: [
          { kind: 'heading', text: d.title, level: 1, headingPath: [] },
          { kind: 'paragraph', text: d.text, headingPath: [d.title] },
        ],
      },
      chunking,
    );
    total += chunks.length;
    await replaceChunks(db, account, d.id, chunks);
  }
  return total;
}

async function evaluate(
  db: Db,
  account: string,
  corpus: Corpus,
  pgRanking: PgRanking = 'index',
): Promise<{ ndcg10: number; recall100: number }> {
  const ids = corpus.docs.map((d) => d.id);
  let ndcg = 0;
  let recall = 0;
  for (const [qid, text] of corpus.queries) {
    const passages = await searchChunks(
      db,
      { accountId: account, query: text, documentIds: ids, limit: 100 },
      pgRanking,
    );
    // A document ranks where its best passage does.
    const ranked: string[] = [];
    const seen = new Set<string>();
    for (const p of passages) {
      if (seen.has(p.document_id)) continue;
      seen.add(p.document_id);
      ranked.push(p.document_id);
    }
    const rel = corpus.qrels.get(qid) ?? new Set<string>();
    ndcg += ndcgAt(ranked, rel, 10);
    recall += recallAt(ranked, rel, 100);
  }
  return { ndcg10: ndcg / corpus.queries.size, recall100: recall / corpus.queries.size };
}

async function scifactOn(
  db: Db,
  backend: string,
  corpus: Corpus,
  log: (s: string) => void,
): Promise<Quality[]> {
  const out: Quality[] = [];
  const variants: [string, ChunkOptions][] = [
    ['default chunking', {}],
    ['one chunk per abstract', { targetTokens: 4096, maxTokens: 4096 }],
  ];
  for (const [name, chunking] of variants) {
    const account = `bench-${name.replaceAll(' ', '-')}`;
    const t = performance.now();
    const chunks = await indexCorpus(db, account, corpus, chunking);
    const indexSeconds = (performance.now() - t) / 1000;
    log(`knowledge: ${backend} ${name}: ${chunks} chunks indexed in ${indexSeconds.toFixed(1)} s`);
    const rankings: PgRanking[] =
      db.dialect === 'postgres' ? ['index', 'bm25', 'ts_rank_cd'] : ['index', 'bm25'];
    for (const ranking of rankings) {
      const q = await evaluate(db, account, corpus, ranking);
      const label = `${backend} (${RANKING_LABEL[db.dialect][ranking]}), ${name}`;
      log(`knowledge: ${label}: nDCG@10 ${q.ndcg10.toFixed(4)}, R@100 ${q.recall100.toFixed(4)}`);
      out.push({ label, ...q, chunks, indexSeconds });
    }
  }
  return out;
}

const RANKING_LABEL: Record<'sqlite' | 'postgres', Record<PgRanking, string>> = {
  sqlite: {
    index: 'in-memory index, FTS5 bm25 semantics',
    bm25: 'store query: FTS5 bm25()',
    ts_rank_cd: 'n/a',
  },
  postgres: {
    index: 'in-memory index, BM25 from term stats',
    bm25: 'store query: BM25 from term stats',
    ts_rank_cd: 'store query: ts_rank_cd',
  },
};

interface Timing {
  p50: number;
  p99: number;
  mean: number;
  queries: number;
}

interface LatencyResult {
  backend: string;
  chunks: number;
  documents: number;
  indexSeconds: number;
  /** First search of the account: loads its in-memory index. */
  coldMs: number;
  /** First search after one document was rewritten: reloads that document only. */
  afterWriteMs: number;
  warm: Timing;
  /** Process CPU time per warm search. */
  cpu: Timing;
  store: Timing;
  indexBytes: number;
  heapBytes: number;
  /** Load average (1, 5, 15 min) when the run started: the machine is shared. */
  load: string;
}

function timing(times: number[]): Timing {
  const sorted = [...times].sort((a, b) => a - b);
  const pct = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
  return {
    p50: pct(50),
    p99: pct(99),
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    queries: sorted.length,
  };
}

/** 100,000 chunks of SciFact prose (sentences reshuffled), 1,000 documents; SciFact's test claims as queries. */
async function latencyOn(
  db: Db,
  backend: string,
  corpus: Corpus,
  log: (s: string) => void,
): Promise<LatencyResult> {
  const sentences = corpus.docs.flatMap((d) => d.text.split('. ')).filter((s) => s.length > 20);
  const DOCS = 1000;
  const PER_DOC = 100;
  let s = 12345;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const account = 'bench-latency';
  const load = loadAverage();
  const ids: string[] = [];
  const t = performance.now();
  for (let d = 0; d < DOCS; d++) {
    const id = `lat-${d}`;
    ids.push(id);
    const chunks = Array.from({ length: PER_DOC }, (_, i) => {
      const text = Array.from({ length: 4 }, () => sentences[Math.floor(rand() * sentences.length)]).join(
        '. ',
      );
      return { ordinal: i, text, headingPath: [`Document ${d}`], tokens: Math.ceil(text.length / 4) };
    });
    await replaceChunks(db, account, id, chunks);
  }
  const indexSeconds = (performance.now() - t) / 1000;
  log(`knowledge: ${backend}: ${DOCS * PER_DOC} chunks indexed in ${indexSeconds.toFixed(1)} s`);
  const queries = [...corpus.queries.values()];
  const search = (q: string, ranking: PgRanking) =>
    searchChunks(db, { accountId: account, query: q, documentIds: ids, limit: 10 }, ranking);
  const gc = (globalThis as { gc?: () => void }).gc;
  // Typed arrays live outside the JS heap: count both.
  const held = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  gc?.();
  const heapBefore = held();
  let t0 = performance.now();
  await search(queries[0] ?? 'cell', 'index');
  const coldMs = performance.now() - t0;
  gc?.();
  const heapBytes = held() - heapBefore;
  const indexBytes = knowledgeIndex(db).stats.bytes;
  log(
    `knowledge: ${backend}: cold search (loads the index) ${coldMs.toFixed(0)} ms, index ${(indexBytes / 2 ** 20).toFixed(1)} MiB (heap +${(heapBytes / 2 ** 20).toFixed(1)} MiB)`,
  );
  for (const q of queries.slice(0, 30)) await search(q, 'index');
  const warmTimes: number[] = [];
  const cpuTimes: number[] = [];
  for (const q of queries) {
    const c0 = process.cpuUsage();
    t0 = performance.now();
    await search(q, 'index');
    warmTimes.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuTimes.push((c.user + c.system) / 1000);
  }
  const warm = timing(warmTimes);
  // CPU time per search: what the search itself costs, less sensitive than wall time to other processes
  // taking the cores (the bench machine is shared).
  const cpu = timing(cpuTimes);
  log(
    `knowledge: ${backend}: warm p50 ${warm.p50.toFixed(2)} ms, p99 ${warm.p99.toFixed(2)} ms (CPU p50 ${cpu.p50.toFixed(2)} ms, p99 ${cpu.p99.toFixed(2)} ms)`,
  );
  // One document rewritten: the next search reloads that document only.
  const rewritten = Array.from({ length: PER_DOC }, (_, i) => {
    const text = Array.from({ length: 4 }, () => sentences[Math.floor(rand() * sentences.length)]).join('. ');
    return { ordinal: i, text, headingPath: ['Document 0'], tokens: Math.ceil(text.length / 4) };
  });
  await replaceChunks(db, account, 'lat-0', rewritten);
  t0 = performance.now();
  await search(queries[1] ?? 'cell', 'index');
  const afterWriteMs = performance.now() - t0;
  // The store's own query, side by side (fewer queries: it is slow).
  const storeTimes: number[] = [];
  for (const q of queries.slice(0, STORE_QUERIES)) {
    t0 = performance.now();
    await search(q, 'bm25');
    storeTimes.push(performance.now() - t0);
  }
  const store = timing(storeTimes);
  log(`knowledge: ${backend}: store query p50 ${store.p50.toFixed(2)} ms, p99 ${store.p99.toFixed(2)} ms`);
  return {
    backend,
    chunks: DOCS * PER_DOC,
    documents: DOCS,
    indexSeconds,
    coldMs,
    afterWriteMs,
    warm,
    cpu,
    store,
    indexBytes,
    heapBytes,
    load,
  };
}

/** Store-query latency is measured over this many queries (seconds each on PostgreSQL at 100k chunks). */
const STORE_QUERIES = Number(process.env.BENCH_KNOWLEDGE_STORE_QUERIES ?? 30);

async function freshPg(url: string): Promise<{ url: string; drop(): Promise<void> } | null> {
  const schema = `bench_knowledge_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  try {
    await admin.connect();
  } catch {
    return null;
  }
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
  await admin.end();
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}

/** Runs the knowledge bench and returns its section of bench/RESULTS.md (markdown). */
export async function knowledgeBench(pgUrl: string, log: (s: string) => void): Promise<string> {
  const corpus = loadScifact();
  if (!corpus) {
    const msg = `knowledge bench skipped: SciFact data not found at ${DATA} (set BENCH_SCIFACT_DIR)`;
    log(msg);
    return `## Knowledge retrieval\n\n${msg}.\n`;
  }
  const quality: Quality[] = [];
  const latency: LatencyResult[] = [];
  const only = process.env.BENCH_KNOWLEDGE_PART; // 'quality' | 'latency' | undefined (both)
  const work = mkdtempSync(join(tmpdir(), 'personakit-knowledge-'));
  try {
    const backendOnly = process.env.BENCH_KNOWLEDGE_BACKEND; // 'sqlite' | 'postgres' | undefined (both)
    const sqliteDb = backendOnly === 'postgres' ? null : await openDb(`sqlite:${join(work, 'knowledge.db')}`);
    if (sqliteDb)
      try {
        if (only !== 'latency') quality.push(...(await scifactOn(sqliteDb, 'SQLite', corpus, log)));
        if (only !== 'quality') latency.push(await latencyOn(sqliteDb, 'SQLite', corpus, log));
      } finally {
        await sqliteDb.close();
      }
    const pgFresh = backendOnly === 'sqlite' ? null : await freshPg(pgUrl);
    if (!pgFresh) {
      if (backendOnly !== 'sqlite')
        log(`knowledge: PostgreSQL at ${new URL(pgUrl).host} unreachable: its half is skipped`);
    } else {
      const pgDb = await openDb(pgFresh.url);
      try {
        if (only !== 'latency') quality.push(...(await scifactOn(pgDb, 'PostgreSQL', corpus, log)));
        if (only !== 'quality') latency.push(await latencyOn(pgDb, 'PostgreSQL', corpus, log));
      } finally {
        await pgDb.close();
        await pgFresh.drop();
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const lines = [
    SECTION,
    '',
    `Run: ${new Date().toISOString()}, Node ${process.version}. BEIR SciFact test split (${corpus.queries.size} queries, ${corpus.docs.length} abstracts), indexed through replaceChunks and queried through searchChunks (full text only, limit 100, a document ranked at its best passage). Published BM25: BEIR paper ${PUBLISHED_BM25.beir}, Anserini flat ${PUBLISHED_BM25.flat} (R@100 ${PUBLISHED_BM25.flatRecall100}), multifield ${PUBLISHED_BM25.multifield}. Hybrid with a real embeddings model: not measured here (no model can run on this machine).`,
    '',
    '| index | chunks | indexing | nDCG@10 | R@100 | vs BEIR BM25 (0.665) |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    // A run of one part (BENCH_KNOWLEDGE_PART) keeps the other part's rows from the file as they were.
    ...(only === 'latency' ? keptRows('| index | chunks |') : []),
    ...quality.map(
      (q) =>
        `| ${q.label} | ${q.chunks} | ${q.indexSeconds.toFixed(1)} s | ${q.ndcg10.toFixed(4)} | ${q.recall100.toFixed(4)} | ${q.ndcg10 >= PUBLISHED_BM25.beir ? 'met' : '**below**'} (${(q.ndcg10 / PUBLISHED_BM25.beir).toFixed(3)}×) |`,
    ),
    '',
    `Search latency: 1,000 documents of 100 chunks (SciFact sentences reshuffled), limit 10, the ${corpus.queries.size} SciFact test claims as queries, through searchChunks (the row fetch of the hits included). Load average (1/5/15 min) at each run's start in its row, and when the figures were written: ${loadAverage()}.`,
    '',
    '| search latency | chunks | indexing | cold (loads the index) | after a document rewrite | warm p50 | warm p99 | warm mean | CPU per search p50 / p99 | store query p50 / p99 | index memory | target |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...(only === 'quality' ? keptRows('| search latency |') : []),
    ...latency.map(
      (l) =>
        `| ${l.backend}, ${l.warm.queries} queries (store: ${l.store.queries}), load ${l.load} | ${l.chunks.toLocaleString('en')} | ${l.indexSeconds.toFixed(0)} s | ${l.coldMs.toFixed(0)} ms | ${l.afterWriteMs.toFixed(1)} ms | ${l.warm.p50.toFixed(2)} ms | ${l.warm.p99.toFixed(2)} ms | ${l.warm.mean.toFixed(2)} ms | ${l.cpu.p50.toFixed(2)} / ${l.cpu.p99.toFixed(2)} ms | ${l.store.p50.toFixed(1)} / ${l.store.p99.toFixed(1)} ms (${(l.store.p50 / l.warm.p50).toFixed(0)}× the index's p50) | ${(l.indexBytes / 2 ** 20).toFixed(1)} MiB (heap and buffers +${(l.heapBytes / 2 ** 20).toFixed(1)} MiB) | ${l.backend === 'SQLite' ? `p50 ≤ 5 ms ${l.warm.p50 <= 5 ? 'met' : '**no**'}, p99 ≤ 20 ms ${l.warm.p99 <= 20 ? 'met' : '**no**'}` : 'reported'} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

const SECTION = '## Knowledge retrieval (issue 13)';

/** The data rows of the table under `header` in the knowledge section of bench/RESULTS.md as it is now. */
function keptRows(header: string): string[] {
  const file = join(root, 'bench', 'RESULTS.md');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const start = current.indexOf(SECTION);
  if (start < 0) return [];
  const end = current.indexOf('\n## ', start + SECTION.length);
  const lines = current.slice(start, end < 0 ? undefined : end).split('\n');
  const at = lines.findIndex((l) => l.startsWith(header));
  if (at < 0) return [];
  const rows: string[] = [];
  for (const l of lines.slice(at + 2)) {
    if (!l.startsWith('| ')) break;
    rows.push(l);
  }
  return rows;
}

function loadAverage(): string {
  return loadavg()
    .map((x) => x.toFixed(1))
    .join(' / ');
}

/**
 * Puts the knowledge section into bench/RESULTS.md, replacing an earlier one: the main bench rewrites the
 * file from its own rows, so this runs after it (or alone with BENCH_KNOWLEDGE=only).
 */
export function writeKnowledgeSection(md: string): void {
  replaceResultsSection(SECTION, md);
}

if (import.meta.main) {
  const url =
    process.env.BENCH_DATABASE_URL ??
    process.env.TEST_DATABASE_URL ??
    'postgres://postgres@127.0.0.1:5432/test';
  process.stdout.write(`${await knowledgeBench(url, (s) => process.stderr.write(`bench: ${s}\n`))}\n`);
}
