import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createKey } from '../src/core/api-keys.ts';
import { type Db, openDb } from '../src/storage/db.ts';
import { backends, describeUnlessSkipped } from './helpers/backends.ts';
import { type LocalSite as HookSite, localSite } from './helpers/knowledge.ts';
import {
  chunkOrdinals,
  documentState,
  ingestJobs,
  type KnowledgeServer,
  startKnowledgeServer,
  terminal,
} from './helpers/knowledge-servers.ts';
import { html, type LocalSite, links, type Route, startSite } from './helpers/local-site.ts';
import type { ServerProcess } from './helpers/spawn-server.ts';

/**
 * Issue 13.4 and 13.5 with several instances: two `personakit serve` processes on one PostgreSQL share a
 * burst of 50 documents, each ingested exactly once (one job, one attempt, one set of chunks, one callback
 * per status change); and two crawls of one site started on different instances take turns on the host
 * (never two requests in flight to it).
 */

const children: ServerProcess[] = [];
after(() => {
  for (const c of children)
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
});

let hooks: HookSite;
before(async () => {
  hooks = await localSite((_req, _body, res) => void res.writeHead(204).end());
});
after(() => hooks.close());

const postgres = backends.find((b) => b.backend.name === 'postgres');

describeUnlessSkipped('two instances on one PostgreSQL', postgres?.skip ?? 'no PostgreSQL backend', () => {
  let drop = async () => {};
  let db: Db;
  let servers: KnowledgeServer[] = [];
  before(async () => {
    const fresh = await (postgres?.backend.fresh() ?? Promise.reject(new Error('no backend')));
    drop = fresh.drop;
    db = await openDb(fresh.url);
    const { key } = await createKey(db, 'instances');
    const env = { DATABASE_URL: fresh.url, PERSONAKIT_INGEST_CONCURRENCY: '1' };
    servers = [
      await startKnowledgeServer(key, env, children),
      await startKnowledgeServer(key, env, children),
    ];
  });
  after(async () => {
    for (const s of servers) {
      await s.close();
      await s.process.stop('SIGTERM');
    }
    await db.close();
    await drop();
  });

  test('a burst of 50 documents is ingested exactly once each, the work shared by both', async () => {
    const N = 50;
    const created = await Promise.all(
      Array.from({ length: N }, (_, i) => {
        const server = servers[i % 2] as KnowledgeServer;
        return server.upload(
          `note-${i}.md`,
          `# Note ${i}\n\nLighthouse ${i} flashes every ${i + 2} seconds.\n\n## Keeper\n\nKeeper ${i} logs the weather.\n`,
          { callback_url: `${hooks.url}/hook`, document_name: `note ${i}` },
        );
      }),
    );
    for (const c of created) assert.equal(c.status, 200, JSON.stringify(c.body));
    const ids = created.map((c) => String(c.body.document_id));
    for (const [i, id] of ids.entries()) {
      const doc = await documentState(servers[(i + 1) % 2] as KnowledgeServer, id, terminal);
      assert.equal(doc.status, 'ready', JSON.stringify(doc));
    }

    // One job per document, done on its first attempt: no instance took over another's, none ran it twice.
    const jobs = await ingestJobs(db, ids);
    assert.equal(jobs.length, N);
    assert.deepEqual(new Set(jobs.map((j) => `${j.status}/${j.attempts}`)), new Set(['done/1']));
    // One set of chunks each: ordinals 0..n-1 once.
    const ordinals = await chunkOrdinals(db, ids);
    for (const id of ids) {
      const got = ordinals.get(id) ?? [];
      assert.ok(got.length > 0);
      assert.deepEqual(
        got,
        got.map((_, i) => i),
        id,
      );
    }
    // Each instance logs the documents it processed: together, each document once; and both worked.
    // Logs are written in batches: wait for the last lines before counting.
    const processedBy = () =>
      servers.map((s) =>
        s.process
          .stdout()
          .split('\n')
          .filter((l) => l.includes('"document processed"'))
          .map((l) => String(JSON.parse(l).documentId))
          .filter((id) => ids.includes(id)),
      );
    for (let i = 0; i < 100 && processedBy().flat().length < N; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const processed = processedBy();
    assert.deepEqual([...(processed[0] ?? []), ...(processed[1] ?? [])].sort(), [...ids].sort());
    assert.ok(
      processed.every((p) => p.length > 0),
      `both instances ingested: ${processed.map((p) => p.length)}`,
    );
    // Callbacks: processing and ready, once each per document. (Two callback jobs of one document may be
    // delivered by two instances at once, so their order is not asserted.)
    const statuses = () => {
      const by = new Map<string, string[]>(ids.map((id) => [id, []]));
      for (const r of hooks.requests) {
        const b = JSON.parse(r.body);
        by.get(b.document_id)?.push(b.status);
      }
      return by;
    };
    for (let i = 0; i < 200 && [...statuses().values()].some((s) => s.length < 2); i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    for (const [id, s] of statuses()) assert.deepEqual([...s].sort(), ['processing', 'ready'], id);
  });

  test('two crawls of one site on different instances never have two requests in flight to it', async () => {
    let site: LocalSite | undefined;
    try {
      // Each page takes a while, so the two crawls overlap in time: without a turn shared through the
      // store, the second instance's requests would arrive while the first's are in flight.
      const slow: Route = (req, res) => setTimeout(() => html(`page ${req.url}`)(req, res), 150);
      const pages = ['/1', '/2', '/3', '/4', '/5', '/6'];
      const routes: Record<string, Route> = { '/': links(...pages) };
      for (const p of pages) routes[p] = slow;
      site = await startSite(routes);
      const origin = site.origin;
      const crawl = (s: KnowledgeServer) =>
        s.send('POST', '/v2/documents', { document_url: `${origin}/`, crawl: { depth: 1, max_pages: 7 } });
      // Each instance ingests one document at a time: once the first crawl runs on one of them, the
      // second can only be taken by the other.
      const first = await crawl(servers[0] as KnowledgeServer);
      assert.equal(first.status, 200, first.text);
      const processing = (d: { status: string }) => d.status === 'processing';
      await documentState(servers[0] as KnowledgeServer, first.body.document_id, processing);
      const second = await crawl(servers[1] as KnowledgeServer);
      assert.equal(second.status, 200, second.text);
      await documentState(servers[1] as KnowledgeServer, second.body.document_id, processing);
      const firstNow = await documentState(servers[0] as KnowledgeServer, first.body.document_id, () => true);
      assert.equal(
        firstNow.status,
        'processing',
        'the two crawls run at the same time, on the two instances',
      );
      const docs = [first, second];
      for (const [i, d] of docs.entries()) {
        const doc = await documentState(servers[i] as KnowledgeServer, d.body.document_id, terminal);
        assert.equal(doc.status, 'ready', JSON.stringify(doc));
        assert.equal(doc.crawled_urls?.length ?? 7, 7);
      }
      // Both crawls fetched every page (robots.txt included), and never at the same time.
      assert.equal(site.hits.filter((h) => h !== '/robots.txt').length, 14);
      assert.equal(site.maxInFlight, 1, 'one request at a time to the host, across instances');
      const left = await db.kysely.selectFrom('crawl_host_leases').select('holder').execute();
      assert.ok(left.length <= 1, 'at most the last pause is still recorded');
    } finally {
      await site?.close();
    }
  });
});
