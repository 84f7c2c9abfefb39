import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { analyze } from '../src/knowledge/analyzer.ts';
import type { Chunk } from '../src/knowledge/chunk.ts';
import { deleteChunks, replaceChunks } from '../src/knowledge/index-store.ts';
import {
  indexMaxBytes,
  KnowledgeIndex,
  knowledgeIndex,
  LUCENE_BM25,
  parseTsvector,
} from '../src/knowledge/memory-index.ts';
import { type Hit, SegmentBuilder, type SegmentFilter, topK } from '../src/knowledge/postings.ts';
import { type Passage, searchChunks } from '../src/knowledge/search.ts';
import { type Db, openDb } from '../src/storage/db.ts';
import { backends, describeUnlessSkipped } from './helpers/backends.ts';

const account = () => `acct_${randomUUID()}`;
const doc = () => `d_${randomUUID()}`;

// A deterministic generator, so a failure can be replayed.
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

const VOCAB = (
  'cell cells protein proteins gene genes expression mouse mice tumor tumour cancer patients patient ' +
  'therapy treatment receptor receptors binding signal signalling pathway pathways growth factor ' +
  'immune response responses virus viral infection risk disease diseases blood pressure heart brain ' +
  'neurons neuronal memory learning stem embryonic development clinical trial trials dose doses ' +
  'running runs runner connected connection connecting insulin glucose diabetes obesity weight'
).split(' ');

function randomText(r: () => number, words: number): string {
  return Array.from({ length: words }, () => VOCAB[Math.floor(r() * VOCAB.length)]).join(' ');
}

function randomDocs(r: () => number, docs: number, maxChunks: number): { id: string; chunks: Chunk[] }[] {
  return Array.from({ length: docs }, (_, d) => ({
    id: `doc-${String(d).padStart(3, '0')}-${randomUUID()}`,
    chunks: Array.from({ length: 1 + Math.floor(r() * maxChunks) }, (_, i) => {
      const text = randomText(r, 3 + Math.floor(r() * 40));
      return { ordinal: i, text, headingPath: [`Section ${d}`], tokens: Math.ceil(text.length / 4) };
    }),
  }));
}

/** Position key of a passage (chunk ids differ between two stores holding the same text). */
const key = (p: Passage) => `${p.document_id}#${p.position.ordinal}`;

/**
 * The index's passages equal the store query's: same scores, and the same chunks wherever the score is
 * not tied (a tie may be ordered differently by FTS5). `expected` holds a few passages past the limit, so
 * a tie across the cut is seen too.
 */
function assertSameRanking(actual: Passage[], expected: Passage[], limit: number, what: string): void {
  assert.equal(actual.length, Math.min(limit, expected.length), `${what}: count`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as Passage;
    const e = expected[i] as Passage;
    assert.ok(Math.abs(a.score - e.score) <= 1e-9 * Math.max(1, Math.abs(e.score)), `${what}: score #${i}`);
    const tiedBefore = i > 0 && Math.abs((expected[i - 1] as Passage).score - e.score) <= 1e-9;
    const tiedAfter =
      i + 1 < expected.length && Math.abs((expected[i + 1] as Passage).score - e.score) <= 1e-9;
    if (!tiedBefore && !tiedAfter) assert.equal(key(a), key(e), `${what}: passage #${i}`);
  }
}

test('analyzer: FTS5 porter unicode61 tokens (stems, case, diacritics, folding, short and long words)', () => {
  assert.deepEqual(analyze('Running runners RAN connected connections'), [
    'run',
    'runner',
    'ran',
    'connect',
    'connect',
  ]);
  assert.deepEqual(analyze('Café naïve ÉCOLE'), ['cafe', 'naiv', 'ecol']);
  assert.deepEqual(analyze('5µm [“x”] a-b'), ['5μm', 'x', 'a', 'b']);
  assert.deepEqual(analyze('generalizations relational hopefulness'), ['gener', 'relat', 'hope']);
});

test('tsvector text: quoted lexemes (doubled quotes, backslashes), positions counted, none counts 1', () => {
  const out = new Map<string, number>();
  parseTsvector(`'it''s':1,5B 'a\\\\b':3 'plain' 'x:y':2,4,6A`, out);
  assert.deepEqual(
    [...out],
    [
      ["it's", 2],
      ['a\\b', 1],
      ['plain', 1],
      ['x:y', 3],
    ],
  );
});

test('topK with MaxScore pruning equals exhaustive BM25 over random data, filters and k', () => {
  const r = rng(7);
  const builder = new SegmentBuilder();
  const chunks: { id: string; doc: number; dl: number; tf: Map<string, number> }[] = [];
  for (let d = 0; d < 40; d++) {
    for (let c = 0; c < 1 + Math.floor(r() * 30); c++) {
      const tf = new Map<string, number>();
      let dl = 0;
      for (const w of randomText(r, 1 + Math.floor(r() * 60)).split(' ')) {
        tf.set(w, (tf.get(w) ?? 0) + 1);
        dl++;
      }
      const id = `c${String(chunks.length).padStart(5, '0')}`;
      chunks.push({ id, doc: d, dl, tf });
      builder.addChunk(id, `doc${d}`, dl, tf);
    }
  }
  const segment = builder.build();
  for (let round = 0; round < 200; round++) {
    const query = [...new Set(randomText(r, 1 + Math.floor(r() * 8)).split(' '))].map((term) => ({
      term,
      weight: 1 + Math.floor(r() * 2),
    }));
    const k = 1 + Math.floor(r() * 25);
    let filter: SegmentFilter | null = null;
    if (round % 2 === 1) {
      const allowed = new Uint8Array(40);
      const docs: number[] = [];
      for (let d = 0; d < 40; d++) {
        if (r() < (round % 4 === 1 ? 0.15 : 0.8)) {
          allowed[d] = 1;
          docs.push(d);
        }
      }
      filter = { allowed, docs: Uint32Array.from(docs) };
    }
    const got = topK([{ segment, filter }], query, k, LUCENE_BM25);
    // Exhaustive: every chunk of a searched document scored, statistics over the searched ones.
    const searched = chunks.filter((c) => filter === null || filter.allowed[c.doc] === 1);
    const n = searched.length;
    const avgdl = LUCENE_BM25.avgdl(
      n,
      searched.reduce((a, c) => a + c.dl, 0),
    );
    const scored: Hit[] = [];
    for (const c of searched) {
      let score = 0;
      let matched = false;
      for (const q of query) {
        const tf = c.tf.get(q.term);
        if (!tf) continue;
        matched = true;
        const df = searched.filter((x) => x.tf.has(q.term)).length;
        const idf = q.weight * LUCENE_BM25.idf(n, df);
        score += (idf * tf * 1.9) / (tf + 0.9 * (1 - 0.4 + (0.4 * c.dl) / avgdl));
      }
      if (matched) scored.push({ id: c.id, score });
    }
    scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
    const want = scored.slice(0, k);
    assert.equal(got.length, want.length, `round ${round}: count`);
    got.forEach((h, i) => {
      const w = want[i] as Hit;
      assert.ok(Math.abs(h.score - w.score) < 1e-9, `round ${round} #${i}: ${h.score} vs ${w.score}`);
      if (
        Math.abs((want[i + 1]?.score ?? -1) - w.score) > 1e-9 &&
        Math.abs((want[i - 1]?.score ?? -1) - w.score) > 1e-9
      )
        assert.equal(h.id, w.id, `round ${round} #${i}`);
    });
  }
});

test('PERSONAKIT_KNOWLEDGE_INDEX_BYTES: default 256 MiB, 0 disables, bad values fall back to the default', () => {
  assert.equal(indexMaxBytes({}), 256 * 2 ** 20);
  assert.equal(indexMaxBytes({ PERSONAKIT_KNOWLEDGE_INDEX_BYTES: '0' }), 0);
  assert.equal(indexMaxBytes({ PERSONAKIT_KNOWLEDGE_INDEX_BYTES: '1048576' }), 2 ** 20);
  assert.equal(indexMaxBytes({ PERSONAKIT_KNOWLEDGE_INDEX_BYTES: 'lots' }), 256 * 2 ** 20);
  assert.equal(indexMaxBytes({ PERSONAKIT_KNOWLEDGE_INDEX_BYTES: '-1' }), 256 * 2 ** 20);
  assert.equal(indexMaxBytes({ PERSONAKIT_KNOWLEDGE_INDEX_BYTES: '1.5' }), 256 * 2 ** 20);
});

for (const { backend, skip } of backends) {
  describeUnlessSkipped(`knowledge in-memory index (${backend.name})`, skip, () => {
    let url: string;
    let db: Db;
    let drop: () => Promise<void>;
    before(async () => {
      const fresh = await backend.fresh();
      drop = fresh.drop;
      url = fresh.url;
      db = await openDb(url);
    });
    after(async () => {
      await db.close();
      await drop();
    });

    const search = (
      d: Db,
      accountId: string,
      documentIds: string[],
      query: string,
      limit = 10,
      index = true,
    ) =>
      searchChunks(d, { accountId, query, documentIds, limit, strategy: 'speed' }, index ? 'index' : 'bm25');

    test('ranks exactly as the store query: same scores, same passages, over all and over some documents', async () => {
      // SQLite's FTS5 statistics span the whole table: compare in a store holding only the searched set.
      const r = rng(42);
      const docs = randomDocs(r, 30, 12);
      const subset = docs.filter((_, i) => i % 3 === 0);
      const stores: Db[] = [];
      try {
        const all = backend.name === 'sqlite' ? await openDb('sqlite::memory:') : db;
        const some = backend.name === 'sqlite' ? await openDb('sqlite::memory:') : db;
        if (backend.name === 'sqlite') stores.push(all, some);
        const a = account();
        for (const d of docs) await replaceChunks(all, a, d.id, d.chunks);
        const b = backend.name === 'sqlite' ? account() : a;
        if (backend.name === 'sqlite') for (const d of subset) await replaceChunks(some, b, d.id, d.chunks);
        for (let q = 0; q < 40; q++) {
          const query = randomText(r, 1 + Math.floor(r() * 6));
          const limit = 1 + Math.floor(r() * 30);
          const ids = docs.map((d) => d.id);
          assertSameRanking(
            await search(all, a, ids, query, limit),
            await search(all, a, ids, query, limit + 5, false),
            limit,
            `all documents, "${query}"`,
          );
          const someIds = subset.map((d) => d.id);
          assertSameRanking(
            await search(some, b, someIds, query, limit),
            await search(some, b, someIds, query, limit + 5, false),
            limit,
            `some documents, "${query}"`,
          );
          if (backend.name === 'sqlite') {
            // The subset searched inside the full store scores as the subset alone does.
            assertSameRanking(
              await search(all, a, someIds, query, limit),
              await search(some, b, someIds, query, limit + 5, false),
              limit,
              `some documents of the full store, "${query}"`,
            );
          }
        }
        assert.ok(knowledgeIndex(all).has(a), 'the searches were answered by the in-memory index');
      } finally {
        for (const s of stores) await s.close();
      }
    });

    test('a document added, rewritten or deleted is reflected in the next search', async () => {
      const a = account();
      const d1 = doc();
      const d2 = doc();
      await replaceChunks(db, a, d1, [
        { ordinal: 0, text: 'The aquarium holds seahorses.', headingPath: [], tokens: 8 },
      ]);
      assert.equal((await search(db, a, [d1, d2], 'seahorses')).length, 1);
      assert.ok(knowledgeIndex(db).has(a));
      // Added.
      await replaceChunks(db, a, d2, [
        { ordinal: 0, text: 'Seahorses and octopuses.', headingPath: [], tokens: 6 },
      ]);
      assert.deepEqual(
        (await search(db, a, [d1, d2], 'octopuses')).map((p) => p.document_id),
        [d2],
      );
      // Rewritten: the old words are gone, the new ones found.
      await replaceChunks(db, a, d1, [
        { ordinal: 0, text: 'The aquarium now holds jellyfish.', headingPath: [], tokens: 8 },
      ]);
      assert.deepEqual(
        (await search(db, a, [d1, d2], 'seahorses')).map((p) => p.document_id),
        [d2],
      );
      assert.deepEqual(
        (await search(db, a, [d1, d2], 'jellyfish')).map((p) => p.text),
        ['The aquarium now holds jellyfish.'],
      );
      // Deleted.
      await deleteChunks(db, d2);
      assert.deepEqual(await search(db, a, [d1, d2], 'octopuses'), []);
      // Written inside a transaction that rolls back: nothing changes.
      await assert.rejects(
        db.kysely.transaction().execute(async (tx) => {
          await replaceChunks(
            db,
            a,
            d1,
            [{ ordinal: 0, text: 'Penguins only.', headingPath: [], tokens: 3 }],
            tx,
          );
          throw new Error('rollback');
        }),
      );
      assert.deepEqual(await search(db, a, [d1], 'penguins'), []);
      assert.equal((await search(db, a, [d1], 'jellyfish')).length, 1);
      // And a later committed write is still seen.
      await replaceChunks(db, a, d1, [
        { ordinal: 0, text: 'Penguins after all.', headingPath: [], tokens: 3 },
      ]);
      assert.equal((await search(db, a, [d1], 'penguins')).length, 1);
    });

    test('a write by another instance (or process) is reflected in the next search', async () => {
      // SQLite: two connections to one file (data_version); PostgreSQL: two pools (change notification).
      const file =
        backend.name === 'sqlite'
          ? `sqlite:${process.env.TMPDIR ?? '/tmp'}/pk-index-${randomUUID()}.db`
          : url;
      const one = backend.name === 'sqlite' ? await openDb(file) : db;
      const two = await openDb(file);
      try {
        const a = account();
        const d = doc();
        await replaceChunks(one, a, d, [
          { ordinal: 0, text: 'Walruses on the ice.', headingPath: [], tokens: 5 },
        ]);
        assert.equal((await search(two, a, [d], 'walruses')).length, 1);
        assert.ok(knowledgeIndex(two).has(a));
        const seen = two.externalVersion();
        await replaceChunks(one, a, d, [
          { ordinal: 0, text: 'Narwhals in the fjord.', headingPath: [], tokens: 5 },
        ]);
        // The other instance hears of the write asynchronously (NOTIFY) or within 10 ms (data_version).
        for (let i = 0; i < 500 && two.externalVersion() === seen; i++)
          await new Promise((f) => setTimeout(f, 10));
        assert.deepEqual(await search(two, a, [d], 'walruses'), []);
        assert.equal((await search(two, a, [d], 'narwhals')).length, 1);
        await deleteChunks(one, d);
        const seen2 = two.externalVersion();
        for (let i = 0; i < 500 && two.externalVersion() === seen2; i++)
          await new Promise((f) => setTimeout(f, 10));
        assert.deepEqual(await search(two, a, [d], 'narwhals'), []);
      } finally {
        await two.close();
        if (one !== db) await one.close();
        if (backend.name === 'sqlite') {
          for (const suffix of ['', '-wal', '-shm'])
            rmSync(`${file.slice('sqlite:'.length)}${suffix}`, { force: true });
        }
      }
    });

    test("accounts are isolated: another account's document ids and identical text are never found", async () => {
      const a = account();
      const b = account();
      const da = doc();
      const db_ = doc();
      await replaceChunks(db, a, da, [
        { ordinal: 0, text: 'Secret plans of account A.', headingPath: [], tokens: 6 },
      ]);
      await replaceChunks(db, b, db_, [
        { ordinal: 0, text: 'Secret plans of account B.', headingPath: [], tokens: 6 },
      ]);
      assert.deepEqual(
        (await search(db, b, [da, db_], 'secret plans')).map((p) => p.document_id),
        [db_],
      );
      assert.deepEqual(await search(db, b, [da], 'secret plans'), []);
      assert.deepEqual(
        (await search(db, a, [da, db_], 'secret plans')).map((p) => p.document_id),
        [da],
      );
    });

    test('memory bound: least recently searched accounts are evicted; one too large is searched through the store', async () => {
      const accounts = [account(), account(), account()];
      const ids: string[][] = [];
      for (const a of accounts) {
        // The same text in each account: their indexes are the same size.
        const docs = randomDocs(rng(3), 5, 20);
        ids.push(docs.map((d) => d.id));
        for (const d of docs) await replaceChunks(db, a, d.id, d.chunks);
      }
      const probe = new KnowledgeIndex(db, 2 ** 30);
      const hits = await probe.search(accounts[0] as string, ids[0] as string[], ['cell'], 5);
      assert.ok(hits && hits.length > 0);
      const one = probe.stats.bytes;
      // Room for two accounts' indexes, not three.
      const index = new KnowledgeIndex(db, Math.floor(one * 2.5));
      for (let i = 0; i < 3; i++)
        assert.ok(await index.search(accounts[i] as string, ids[i] as string[], ['cell'], 5));
      assert.equal(
        index.has(accounts[0] as string),
        false,
        'the least recently searched account was evicted',
      );
      assert.ok(index.has(accounts[1] as string) && index.has(accounts[2] as string));
      assert.ok(index.stats.bytes <= Math.floor(one * 2.5));
      // Searched again, it is loaded again, and the oldest of the others goes.
      const again = await index.search(accounts[0] as string, ids[0] as string[], ['cell'], 5);
      assert.deepEqual(again, hits);
      assert.equal(index.has(accounts[1] as string), false);
      // Too large for the bound: not held, and the caller is told to ask the store.
      const tiny = new KnowledgeIndex(db, Math.floor(one / 4));
      assert.equal(await tiny.search(accounts[0] as string, ids[0] as string[], ['cell'], 5), null);
      assert.equal(tiny.stats.bytes, 0);
    });
  });
}
