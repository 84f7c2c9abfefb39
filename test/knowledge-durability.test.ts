import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createKey } from '../src/core/api-keys.ts';
import { type Db, openDb } from '../src/storage/db.ts';
import { backends, describeUnlessSkipped } from './helpers/backends.ts';
import { type LocalSite, localSite } from './helpers/knowledge.ts';
import {
  chunkOrdinals,
  documentState,
  ingestJobs,
  startKnowledgeServer,
  terminal,
} from './helpers/knowledge-servers.ts';
import type { ServerProcess } from './helpers/spawn-server.ts';

/**
 * Issue 13.5 at server level: the server process is killed with SIGKILL while it ingests documents (two
 * fetches in flight, an upload queued behind them); a server restarted on the same store finishes every
 * one of them: `ready`, each chunk stored once, nothing left `processing`, each status change called back
 * once. On the SQLite file store and on PostgreSQL.
 */

const dir = mkdtempSync(join(tmpdir(), 'personakit-ingest-crash-'));
const children: ServerProcess[] = [];
after(() => {
  for (const c of children)
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const PAGE = (n: number) =>
  `# Station ${n}\n\nThe relay station ${n} logs the tide every hour.\n\n## Crew\n\nStation ${n} keeps two divers on call.\n`;

/** Until `release()`, requests for the pages are held open (the first server dies with them in flight). */
let held: ServerResponse[] = [];
let holding = true;
let pageHits: string[] = [];
let site: LocalSite;
before(async () => {
  site = await localSite((req, _body, res) => {
    const m = /^\/page-(\d+)\.md$/.exec(req.url ?? '');
    if (m) {
      pageHits.push(req.url ?? '');
      if (holding) {
        held.push(res);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/markdown' });
      res.end(PAGE(Number(m[1])));
      return;
    }
    if (req.url?.startsWith('/hook')) return void res.writeHead(204).end();
    res.writeHead(404).end();
  });
});
after(() => site.close());

const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000) => {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

for (const { backend, skip } of backends) {
  describeUnlessSkipped(`SIGKILL during ingestion, then a restart [${backend.name}]`, skip, () => {
    let url = '';
    let drop = async () => {};
    let db: Db;
    let key = '';
    before(async () => {
      if (backend.name === 'sqlite') url = `sqlite:${join(dir, backend.name, 'personakit.db')}`;
      else ({ url, drop } = await backend.fresh());
      db = await openDb(url);
      ({ key } = await createKey(db, 'ingest-crash'));
      held = [];
      holding = true;
      pageHits = [];
    });
    after(async () => {
      await db.close();
      await drop();
    });

    test('every document accepted before the kill ends ready, indexed once, called back once per status', async () => {
      const env = { DATABASE_URL: url, PERSONAKIT_JOB_LEASE_MS: '1000' };
      const first = await startKnowledgeServer(key, env, children);
      const hook = `/hook-${backend.name}`;
      const ids: string[] = [];
      // Two URL documents take both ingestion slots (their fetches are held open)…
      for (const n of [1, 2]) {
        const r = await first.send('POST', '/v2/documents', {
          document_url: `${site.url}/page-${n}.md`,
          document_name: `page ${n}`,
          callback_url: `${site.url}${hook}`,
        });
        assert.equal(r.status, 200, r.text);
        ids.push(r.body.document_id);
      }
      await until('both fetches in flight', () => held.length === 2);
      // …so this upload is accepted and queued behind them when the process dies.
      const up = await first.upload('page-3.md', PAGE(3), { callback_url: `${site.url}${hook}` });
      assert.equal(up.status, 200);
      ids.push(up.body.document_id);
      for (const id of ids.slice(0, 2))
        assert.equal((await documentState(first, id, () => true)).status, 'processing');
      assert.equal((await documentState(first, ids[2] as string, () => true)).status, 'started');
      const processingCalls = () =>
        site.requests.filter((r) => r.url === hook && JSON.parse(r.body).status === 'processing').length;
      // The callbacks already due are delivered first, so the kill cannot cut one mid-delivery (a
      // callback is at-least-once: one cut after it was received is sent again).
      await until('the processing callbacks', () => processingCalls() === 2);

      await first.close();
      assert.equal(await first.process.stop('SIGKILL'), null);
      for (const res of held) res.destroy();
      held = [];
      holding = false;
      const stuck = await db.kysely
        .selectFrom('documents')
        .select(['id', 'status'])
        .where('id', 'in', ids)
        .orderBy('name')
        .execute();
      assert.deepEqual(
        stuck.map((d) => d.status),
        ['processing', 'processing', 'started'],
        'the killed process left its work unfinished',
      );

      const second = await startKnowledgeServer(key, env, children);
      const docs = [];
      for (const id of ids) docs.push(await documentState(second, id, terminal));
      assert.deepEqual(
        docs.map((d) => d.status),
        ['ready', 'ready', 'ready'],
        JSON.stringify(docs),
      );
      // Each page was fetched twice: once by the killed process, once by its successor.
      assert.deepEqual([...pageHits].sort(), ['/page-1.md', '/page-1.md', '/page-2.md', '/page-2.md']);

      // Indexed once: the ordinals 0..n-1, each once (a second ingestion appended would repeat them).
      const ordinals = await chunkOrdinals(db, ids);
      for (const id of ids) {
        const got = ordinals.get(id) ?? [];
        assert.ok(got.length > 0, `${id} has chunks`);
        assert.deepEqual(
          got,
          got.map((_, i) => i),
        );
      }
      const search = await second.send('POST', '/v2/knowledge/search', { query: 'relay station divers' });
      assert.equal(search.status, 200);
      for (const id of ids)
        assert.ok(search.body.data.some((p: { document_id: string }) => p.document_id === id));
      // The ingestion jobs are done: the two cut by the kill on their second attempt, the queued one on its first.
      const jobs = await ingestJobs(db, ids);
      assert.deepEqual(
        ids.map((id) => jobs.filter((j) => j.documentId === id).map((j) => [j.status, Number(j.attempts)])),
        [[['done', 2]], [['done', 2]], [['done', 1]]],
      );

      // Callbacks: each document's status changes, each once (`processing` is not called again on resume).
      await until(
        'the ready callbacks',
        () =>
          site.requests.filter((r) => r.url === hook && JSON.parse(r.body).status === 'ready').length === 3,
      );
      for (const id of ids) {
        const statuses = site.requests
          .filter((r) => r.url === hook && JSON.parse(r.body).document_id === id)
          .map((r) => JSON.parse(r.body).status);
        assert.deepEqual(statuses, ['processing', 'ready'], `callbacks of ${id}`);
      }
      await second.close();
      assert.equal(await second.process.stop('SIGTERM'), 0);
    });
  });
}
