import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { type Chunk, chunkDocument } from '../src/knowledge/chunk.ts';
import { createEmbedder } from '../src/knowledge/embeddings.ts';
import { deleteChunks, replaceChunks } from '../src/knowledge/index-store.ts';
import { searchChunks } from '../src/knowledge/search.ts';
import { type Db, openDb } from '../src/storage/db.ts';
import { backends, describeUnlessSkipped } from './helpers/backends.ts';

const account = () => `acct_${randomUUID()}`;
const doc = () => `d_${randomUUID()}`;

const chunk = (
  ordinal: number,
  text: string,
  headingPath: string[] = [],
  extra: Partial<Chunk> = {},
): Chunk => ({
  ordinal,
  text,
  headingPath,
  tokens: Math.ceil(text.length / 4),
  ...extra,
});

/** A small made-up handbook: each query below has exactly one right passage. */
const HANDBOOK: Chunk[] = [
  chunk(0, 'Employees accrue twenty-five vacation days per year; unused days carry over until March.', [
    'Leave',
  ]),
  chunk(1, 'Sick leave requires a doctor note after three consecutive days of absence.', ['Leave']),
  chunk(2, 'The office kitchen is cleaned every Friday afternoon by the facilities team.', ['Office']),
  chunk(3, 'Expense reports are reimbursed within ten business days through the finance portal.', ['Money'], {
    page: 4,
  }),
  chunk(4, 'Parking permits for the underground garage are issued by reception.', ['Office'], {
    url: 'https://intranet.test/parking',
  }),
  chunk(5, 'Laptops are replaced every three years; request a replacement from IT support.', ['Equipment']),
];

for (const { backend, skip } of backends) {
  describeUnlessSkipped(`knowledge index and search (${backend.name})`, skip, () => {
    let db: Db;
    let drop: () => Promise<void>;
    before(async () => {
      const fresh = await backend.fresh();
      drop = fresh.drop;
      db = await openDb(fresh.url);
    });
    after(async () => {
      await db.close();
      await drop();
    });

    test('ranks the right passage first, with its citation position', async () => {
      const a = account();
      const d = doc();
      await replaceChunks(db, a, d, HANDBOOK);
      const cases: [string, number][] = [
        ['how many vacation days do I get?', 0],
        ['doctor note sick', 1],
        ['when is the kitchen cleaned', 2],
        ['reimbursement of expenses', 3],
        ['where do I get a parking permit', 4],
        ['replacing my laptop', 5],
      ];
      for (const [query, want] of cases) {
        const hits = await searchChunks(db, { accountId: a, query, documentIds: [d] });
        assert.equal(hits[0]?.position.ordinal, want, `${query} → ${hits[0]?.text}`);
        assert.equal(hits[0]?.document_id, d);
        assert.ok((hits[0]?.score ?? 0) > 0);
      }
      const [expense] = await searchChunks(db, { accountId: a, query: 'expense reports', documentIds: [d] });
      assert.deepEqual(expense?.position, { ordinal: 3, heading_path: ['Money'], page: 4 });
      const [parking] = await searchChunks(db, { accountId: a, query: 'parking garage', documentIds: [d] });
      assert.deepEqual(parking?.position, {
        ordinal: 4,
        heading_path: ['Office'],
        url: 'https://intranet.test/parking',
      });
      const scores = (await searchChunks(db, { accountId: a, query: 'days', documentIds: [d] })).map(
        (p) => p.score,
      );
      assert.deepEqual(
        scores,
        [...scores].sort((x, y) => y - x),
        'best first',
      );
    });

    test('heading text is searchable: a chunk is found by its section title', async () => {
      const a = account();
      const d = doc();
      await replaceChunks(
        db,
        a,
        d,
        chunkDocument({
          format: 'md',
          blocks: [
            { kind: 'heading', text: 'Troubleshooting', level: 1, headingPath: [] },
            { kind: 'paragraph', text: 'Restart the router and wait.', headingPath: ['Troubleshooting'] },
            { kind: 'heading', text: 'Billing', level: 1, headingPath: [] },
            { kind: 'paragraph', text: 'Invoices are sent monthly.', headingPath: ['Billing'] },
          ],
        }),
      );
      const [hit] = await searchChunks(db, { accountId: a, query: 'troubleshooting', documentIds: [d] });
      assert.equal(hit?.text, 'Restart the router and wait.');
      assert.deepEqual(hit?.position.heading_path, ['Troubleshooting']);
    });

    test("only the given documents of the account are searched; another account's chunks never are", async () => {
      const mine = account();
      const theirs = account();
      const d1 = doc();
      const d2 = doc();
      const dTheirs = doc();
      await replaceChunks(db, mine, d1, [chunk(0, 'zebra crossing rules for pedestrians')]);
      await replaceChunks(db, mine, d2, [chunk(0, 'zebra habitats in the savanna')]);
      await replaceChunks(db, theirs, dTheirs, [chunk(0, 'zebra secrets of the other account')]);
      const only1 = await searchChunks(db, { accountId: mine, query: 'zebra', documentIds: [d1] });
      assert.deepEqual(
        only1.map((p) => p.document_id),
        [d1],
      );
      const both = await searchChunks(db, {
        accountId: mine,
        query: 'zebra',
        documentIds: [d1, d2, dTheirs],
      });
      assert.deepEqual(
        both.map((p) => p.document_id).sort(),
        [d1, d2].sort(),
        'their document id is ignored',
      );
      const asThem = await searchChunks(db, { accountId: theirs, query: 'zebra', documentIds: [d1, d2] });
      assert.deepEqual(asThem, []);
      assert.deepEqual(await searchChunks(db, { accountId: mine, query: 'zebra', documentIds: [] }), []);
    });

    test("a small account is found even when another account's better matches fill the index", async () => {
      const big = account();
      const small = account();
      const dBig = doc();
      const dSmall = doc();
      await replaceChunks(
        db,
        big,
        dBig,
        Array.from({ length: 1100 }, (_, i) => chunk(i, `okapi okapi okapi ${i}`)),
      );
      await replaceChunks(db, small, dSmall, [
        chunk(0, 'a long passage that mentions the okapi only once among many other words of text here'),
      ]);
      const hits = await searchChunks(db, { accountId: small, query: 'okapi', documentIds: [dSmall, dBig] });
      assert.deepEqual(
        hits.map((h) => h.document_id),
        [dSmall],
      );
      const theirs = await searchChunks(db, {
        accountId: big,
        query: 'okapi',
        documentIds: [dBig],
        limit: 5,
      });
      assert.equal(theirs.length, 5);
    });

    test('FTS-hostile queries are plain words: no error, sensible results', async () => {
      const a = account();
      const d = doc();
      await replaceChunks(db, a, d, HANDBOOK);
      const hostile = [
        'AND OR NOT',
        '"unbalanced quote',
        'vacation*',
        'text:vacation',
        'NEAR(vacation days, 2)',
        'vacation AND NOT days OR',
        "'; DROP TABLE knowledge_chunks; --",
        '😀🎉 vacation 🏖️',
        '(((((',
        '-vacation +days ^ ~ ! & | < > @@ \\ \u0000',
        'vacation '.repeat(1200),
        `${'x'.repeat(10_000)}`,
        'a'.repeat(10_000),
        '',
        '   ',
        '🙂',
      ];
      for (const query of hostile) {
        const hits = await searchChunks(db, { accountId: a, query, documentIds: [d] });
        // No error, and nothing from outside the document; a query with no words finds nothing.
        for (const hit of hits) assert.equal(hit.document_id, d, query.slice(0, 40));
        if (query.trim() === '') assert.deepEqual(hits, [], 'an empty query');
      }
      const [star] = await searchChunks(db, { accountId: a, query: 'vacation*', documentIds: [d] });
      assert.equal(star?.position.ordinal, 0);
      const [emoji] = await searchChunks(db, { accountId: a, query: '😀🎉 vacation 🏖️', documentIds: [d] });
      assert.equal(emoji?.position.ordinal, 0);
      const [near] = await searchChunks(db, {
        accountId: a,
        query: 'NEAR(kitchen, cleaned)',
        documentIds: [d],
      });
      assert.equal(near?.position.ordinal, 2);
      // The table survived the injection attempt.
      assert.equal((await searchChunks(db, { accountId: a, query: 'laptops', documentIds: [d] })).length, 1);
    });

    test('limit is honoured and clamped', async () => {
      const a = account();
      const d = doc();
      const many = Array.from({ length: 150 }, (_, i) => chunk(i, `common term number ${i}`));
      await replaceChunks(db, a, d, many);
      assert.equal(
        (await searchChunks(db, { accountId: a, query: 'common', documentIds: [d], limit: 3 })).length,
        3,
      );
      assert.equal((await searchChunks(db, { accountId: a, query: 'common', documentIds: [d] })).length, 10);
      assert.equal(
        (await searchChunks(db, { accountId: a, query: 'common', documentIds: [d], limit: 10_000 })).length,
        100,
      );
      assert.equal(
        (await searchChunks(db, { accountId: a, query: 'common', documentIds: [d], limit: 0 })).length,
        1,
      );
    });

    test('replaceChunks replaces; deleteChunks leaves nothing searchable', async () => {
      const a = account();
      const d = doc();
      const other = doc();
      await replaceChunks(db, a, d, [chunk(0, 'original wording about giraffes')]);
      await replaceChunks(db, a, other, [chunk(0, 'giraffes elsewhere')]);
      await replaceChunks(db, a, d, [
        chunk(0, 'revised wording about elephants'),
        chunk(1, 'and giraffes too'),
      ]);
      const hits = await searchChunks(db, {
        accountId: a,
        query: 'wording giraffes elephants',
        documentIds: [d],
      });
      assert.deepEqual(hits.map((h) => h.text).sort(), [
        'and giraffes too',
        'revised wording about elephants',
      ]);
      await deleteChunks(db, d);
      assert.deepEqual(
        await searchChunks(db, { accountId: a, query: 'giraffes elephants', documentIds: [d] }),
        [],
      );
      assert.equal(
        (await db.kysely.selectFrom('knowledge_chunks').select('id').where('document_id', '=', d).execute())
          .length,
        0,
      );
      if (db.dialect === 'postgres') {
        const terms = await db.kysely
          .selectFrom('knowledge_terms')
          .select('lexeme')
          .where('document_id', '=', d)
          .execute();
        assert.equal(terms.length, 0);
      } else {
        // The FTS index itself holds no entry for the deleted rows (integrity-check compares it to the table).
        const { sql } = await import('kysely');
        await sql`INSERT INTO knowledge_chunks_fts(knowledge_chunks_fts) VALUES ('integrity-check')`.execute(
          db.kysely,
        );
      }
      const [left] = await searchChunks(db, { accountId: a, query: 'giraffes', documentIds: [other] });
      assert.equal(left?.text, 'giraffes elsewhere', "another document's chunks are untouched");
    });

    test('replaceChunks inside the caller transaction rolls back with it', async () => {
      const a = account();
      const d = doc();
      await replaceChunks(db, a, d, [chunk(0, 'kept penguins')]);
      await assert.rejects(
        db.kysely.transaction().execute(async (tx) => {
          await replaceChunks(db, a, d, [chunk(0, 'lost walrus')], tx);
          throw new Error('abort');
        }),
        /abort/,
      );
      const hits = await searchChunks(db, { accountId: a, query: 'penguins walrus', documentIds: [d] });
      assert.deepEqual(
        hits.map((h) => h.text),
        ['kept penguins'],
      );
    });

    describeHybrid(() => db);
  });
}

/**
 * A fake OpenAI-compatible /embeddings server: each text's vector counts a few marker words, so "feline"
 * and "cat" are close although they share no letters (full text alone cannot match them).
 */
function describeHybrid(getDb: () => Db) {
  const AXES = [
    ['cat', 'feline', 'kitten'],
    ['dog', 'canine', 'puppy'],
    ['car', 'vehicle', 'automobile'],
  ];
  const vector = (text: string) => {
    const lower = text.toLowerCase();
    return [...AXES.map((words) => words.filter((w) => lower.includes(w)).length), 0.01];
  };
  let server: Server;
  let url = '';
  let calls = 0;
  let fail = false;
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        calls++;
        if (fail || req.headers.authorization !== 'Bearer test-key') {
          res.writeHead(fail ? 503 : 401).end('{}');
          return;
        }
        const { input, model } = JSON.parse(body) as { input: string[]; model: string };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            model,
            data: input.map((t, index) => ({ object: 'embedding', index, embedding: vector(t) })).reverse(),
          }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test('hybrid: vectors stored at replaceChunks; quality finds a synonym full text cannot; speed stays full-text', async () => {
    const db = getDb();
    const embeddings = createEmbedder({ url, model: 'fake-1', apiKey: 'test-key' });
    const a = account();
    const d = doc();
    const texts = Array.from({ length: 70 }, (_, i) => `filler passage ${i} about weather`);
    texts[33] = 'The feline sleeps on the sofa all day.';
    texts[50] = 'A canine barks at the mail carrier.';
    await replaceChunks(
      db,
      a,
      d,
      texts.map((t, i) => chunk(i, t)),
      undefined,
      { embeddings },
    );
    assert.equal(calls, 2, '70 chunks embedded in two batches');
    const stored = await db.kysely
      .selectFrom('knowledge_chunks')
      .select(['embedding', 'embedding_model'])
      .where('document_id', '=', d)
      .execute();
    assert.ok(stored.every((r) => r.embedding !== null && r.embedding_model === 'fake-1'));

    const hybrid = await searchChunks(db, {
      accountId: a,
      query: 'cat',
      documentIds: [d],
      strategy: 'quality',
      embeddings,
    });
    assert.equal(hybrid[0]?.position.ordinal, 33, 'hybrid finds the feline');
    const speed = await searchChunks(db, {
      accountId: a,
      query: 'cat',
      documentIds: [d],
      strategy: 'speed',
      embeddings,
    });
    assert.deepEqual(speed, [], 'speed is full text only: no passage says "cat"');
    const noEmbedder = await searchChunks(db, {
      accountId: a,
      query: 'cat',
      documentIds: [d],
      strategy: 'quality',
    });
    assert.deepEqual(noEmbedder, []);

    const withBoth = await searchChunks(db, {
      accountId: a,
      query: 'canine barks',
      documentIds: [d],
      strategy: 'balanced',
      embeddings,
    });
    assert.equal(withBoth[0]?.position.ordinal, 50);

    fail = true;
    try {
      const down = await searchChunks(db, {
        accountId: a,
        query: 'canine',
        documentIds: [d],
        strategy: 'quality',
        embeddings,
      });
      assert.equal(down[0]?.position.ordinal, 50, 'an endpoint that is down leaves full-text search working');
      await assert.rejects(replaceChunks(db, a, d, [chunk(0, 'x')], undefined, { embeddings }), /503/);
    } finally {
      fail = false;
    }
    const still = await searchChunks(db, { accountId: a, query: 'canine', documentIds: [d] });
    assert.equal(still[0]?.position.ordinal, 50, 'a failed re-embedding left the chunks as they were');
  });
}
