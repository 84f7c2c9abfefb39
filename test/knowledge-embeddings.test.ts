import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EMBED_JOB } from '../src/knowledge/embed-job.ts';
import { createEmbedder } from '../src/knowledge/embeddings.ts';
import { INLINE_EMBED_MAX_CHUNKS } from '../src/knowledge/ingest.ts';
import { backends, describeUnlessSkipped } from './helpers/backends.ts';
import { DIMENSIONS, type FakeEmbeddings, fakeEmbeddings } from './helpers/fake-embeddings.ts';
import { type Account, createHarness, type Harness } from './helpers/harness.ts';
import { upload, waitForDocument } from './helpers/knowledge.ts';

/**
 * Semantic retrieval end to end (issue 13 item 7): the configured embeddings endpoint is called at
 * ingestion and at search, through /v2/documents and /v2/knowledge/search, on both backends.
 */

const GARAGE = '# Garage\n\nThe automobile needs new tyres before the winter season.\n';
const WEATHER = '# Weather\n\nRain is expected tomorrow over the hills and the valley.\n';
const API_KEY = 'sk-embed-test';

let fake: FakeEmbeddings;
const dir = mkdtempSync(join(tmpdir(), 'pk-embed-'));
before(async () => {
  fake = await fakeEmbeddings();
});
after(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 30_000) => {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

const embeddingEnv = (model: string, databaseUrl?: string): Record<string, string> => ({
  PERSONAKIT_EMBEDDINGS_URL: fake.url,
  PERSONAKIT_EMBEDDINGS_MODEL: model,
  PERSONAKIT_EMBEDDINGS_API_KEY: API_KEY,
  ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
});

async function ingest(h: Harness, account: Account, name: string, text: string): Promise<string> {
  const r = await upload(h, account, { name, type: 'text/markdown', text });
  assert.equal(r.status, 200, r.text);
  const doc = await waitForDocument(h, account, r.body.document_id);
  assert.equal(doc.status, 'ready', JSON.stringify(doc));
  return r.body.document_id;
}

const search = (h: Harness, account: Account, query: string, strategy: string) =>
  h.request('POST', '/v2/knowledge/search', { account, json: { query, strategy } });

const chunksOf = (h: Harness, documentId: string) =>
  h.services.db.kysely
    .selectFrom('knowledge_chunks')
    .select(['embedding', 'embedding_model'])
    .where('document_id', '=', documentId)
    .execute();

for (const { backend, skip } of backends) {
  describeUnlessSkipped(`semantic retrieval [${backend.name}]`, skip, () => {
    let h: Harness & { close(): Promise<void> };
    before(async () => {
      h = await createHarness(backend, embeddingEnv('fake-a'), { startJobs: true });
    });
    after(() => h.close());

    test('ingestion stores each chunk a vector of the model; quality finds a paraphrase full text cannot, speed does not', async () => {
      fake.mode = 'ok';
      const a = await h.newAccount();
      const before = fake.requests.length;
      const garage = await ingest(h, a, 'garage.md', GARAGE);
      const weather = await ingest(h, a, 'weather.md', WEATHER);

      const sent = fake.requests.slice(before);
      assert.ok(sent.length >= 2, 'each document was embedded at ingestion');
      for (const r of sent) {
        assert.equal(r.path, '/v1/embeddings');
        assert.equal(r.authorization, `Bearer ${API_KEY}`);
        assert.equal(r.model, 'fake-a');
      }
      for (const id of [garage, weather]) {
        const rows = await chunksOf(h, id);
        assert.ok(rows.length > 0);
        for (const row of rows) {
          assert.equal(row.embedding_model, 'fake-a');
          assert.equal(row.embedding?.byteLength, DIMENSIONS * 4, 'float32 per dimension');
        }
      }

      // "car" is in no passage: full text alone finds nothing…
      const speed = await search(h, a, 'car', 'speed');
      assert.equal(speed.status, 200, speed.text);
      assert.deepEqual(speed.body.data, []);
      // …the vectors put "automobile" first.
      const quality = await search(h, a, 'car', 'quality');
      assert.equal(quality.status, 200, quality.text);
      assert.equal(quality.body.data[0]?.document_id, garage, quality.text);
      assert.match(quality.body.data[0].text, /automobile/);
      // The query itself went to the endpoint with the key and the model.
      const last = fake.requests.at(-1);
      assert.equal(last?.authorization, `Bearer ${API_KEY}`);
      assert.equal(last?.inputs, 1);

      // balanced re-ranks full-text candidates by their vectors: both words present, the right one first.
      const balanced = await search(h, a, 'automobile tyres rain', 'balanced');
      assert.equal(balanced.status, 200);
      assert.equal(balanced.body.data[0]?.document_id, garage);
    });

    test('a failing endpoint leaves the document ready and searchable by full text; vectors follow once it recovers', async () => {
      const a = await h.newAccount();
      fake.mode = 'fail';
      try {
        const id = await ingest(h, a, 'garage.md', GARAGE);
        const rows = await chunksOf(h, id);
        assert.ok(
          rows.every((r) => r.embedding === null && r.embedding_model === null),
          'no vectors yet',
        );
        // Search with the endpoint down: full text answers, whatever the strategy.
        for (const strategy of ['speed', 'balanced', 'quality']) {
          const r = await search(h, a, 'automobile', strategy);
          assert.equal(r.status, 200, r.text);
          assert.equal(r.body.data[0]?.document_id, id, strategy);
        }
        const job = await h.services.db.kysely
          .selectFrom('jobs')
          .select(['status'])
          .where('kind', '=', EMBED_JOB)
          .where('account_id', '=', a.accountId)
          .executeTakeFirst();
        assert.ok(job, 'the account has a background embedding job');
        fake.mode = 'ok';
        await until('vectors after the endpoint recovered', async () =>
          (await chunksOf(h, id)).every((r) => r.embedding_model === 'fake-a'),
        );
        const quality = await search(h, a, 'car', 'quality');
        assert.equal(quality.body.data[0]?.document_id, id);
      } finally {
        fake.mode = 'ok';
      }
    });

    test('a malformed embeddings answer is a failure like any other: the document is ready with full text', async () => {
      const a = await h.newAccount();
      fake.mode = 'malformed';
      try {
        const id = await ingest(h, a, 'weather.md', WEATHER);
        const r = await search(h, a, 'rain valley', 'quality');
        assert.equal(r.status, 200, r.text);
        assert.equal(r.body.data[0]?.document_id, id);
      } finally {
        fake.mode = 'ok';
      }
    });
    test('a document of more than 2,000 chunks is ready at once; the background job embeds it in rounds', async () => {
      fake.mode = 'ok';
      const a = await h.newAccount();
      const sections = Array.from(
        { length: INLINE_EMBED_MAX_CHUNKS + 5 },
        (_, i) => `# Section ${i}\n\nPassage number ${i} of a long manual.`,
      );
      sections[1234] = '# Parking\n\nPark the automobile in the second row.';
      const id = await ingest(h, a, 'manual.md', sections.join('\n\n'));
      await until('every chunk embedded', async () => {
        const rows = await chunksOf(h, id);
        return rows.length > INLINE_EMBED_MAX_CHUNKS && rows.every((r) => r.embedding_model === 'fake-a');
      });
      const quality = await search(h, a, 'car', 'quality');
      assert.match(quality.body.data[0]?.text ?? '', /automobile/, quality.text);
    });
  });

  describeUnlessSkipped(`changing the embeddings model [${backend.name}]`, skip, () => {
    let url = '';
    let drop = async () => {};
    before(async () => {
      if (backend.name === 'sqlite') url = `sqlite:${join(dir, 'model-change.db')}`;
      else ({ url, drop } = await backend.fresh());
    });
    after(() => drop());

    test('a restart with another model re-embeds in the background; until then old vectors are not compared', async () => {
      fake.mode = 'ok';
      const first = await createHarness(backend, embeddingEnv('fake-a', url), { startJobs: true });
      let a: Account;
      let id: string;
      try {
        a = await first.newAccount();
        id = await ingest(first, a, 'garage.md', GARAGE);
        assert.ok((await chunksOf(first, id)).every((r) => r.embedding_model === 'fake-a'));
      } finally {
        await first.close();
      }

      // Restarted with model b, jobs not yet running: the account's job is queued in the store…
      const second = await createHarness(backend, embeddingEnv('fake-b', url));
      try {
        const queued = await second.services.db.kysely
          .selectFrom('jobs')
          .select(['status'])
          .where('kind', '=', EMBED_JOB)
          .where('account_id', '=', a.accountId)
          .execute();
        assert.deepEqual(
          queued.map((j) => j.status),
          ['pending'],
        );
        // …and model a's vectors are never compared with a model b query.
        const mixed = await search(second, a, 'car', 'quality');
        assert.equal(mixed.status, 200, mixed.text);
        assert.deepEqual(mixed.body.data, []);

        const before = fake.requests.length;
        second.services.jobs.start();
        await until('the chunks re-embedded with model b', async () =>
          (await chunksOf(second, id)).every((r) => r.embedding_model === 'fake-b' && r.embedding !== null),
        );
        assert.ok(fake.requests.slice(before).some((r) => r.model === 'fake-b' && r.inputs >= 1));
        await until('the job recorded as done', async () => {
          const j = await second.services.db.kysely
            .selectFrom('jobs')
            .select('status')
            .where('kind', '=', EMBED_JOB)
            .where('account_id', '=', a.accountId)
            .executeTakeFirst();
          return j?.status === 'done';
        });
        const found = await search(second, a, 'car', 'quality');
        assert.equal(found.body.data[0]?.document_id, id);
      } finally {
        await second.close();
      }
    });
  });
}

test('the embedder refuses malformed, mismatched, oversized and too-long answers with a clear error', async () => {
  const embedder = createEmbedder({ url: fake.url, model: 'fake-a', apiKey: API_KEY });
  try {
    fake.mode = 'malformed';
    await assert.rejects(embedder.embed(['a', 'b']), /malformed vector/);
    fake.mode = 'wrong-count';
    await assert.rejects(embedder.embed(['a', 'b']), /returned 1 vectors for 2 texts/);
    fake.mode = 'too-long';
    await assert.rejects(embedder.embed(['a']), /20000 dimensions/);
    fake.mode = 'fail';
    await assert.rejects(embedder.embed(['a']), /answered 503/);
    fake.mode = 'huge';
    await assert.rejects(embedder.embed(['a']), /larger than 64 MiB/);
    fake.mode = 'ok';
    const [v] = await embedder.embed(['automobile']);
    const [w] = await embedder.embed(['car']);
    assert.ok(v && w);
    let dot = 0;
    for (let i = 0; i < v.length; i++) dot += (v[i] as number) * (w[i] as number);
    assert.ok(dot > 0.99, 'synonyms map to the same vector (unit length)');
  } finally {
    fake.mode = 'ok';
  }
});
