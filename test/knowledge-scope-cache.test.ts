import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createApp } from '../src/app.ts';
import { testConfig } from '../src/config.ts';
import { createKey } from '../src/core/api-keys.ts';
import { createLogger } from '../src/log.ts';
import { closeServices, createServices } from '../src/services.ts';
import { backends, describeUnlessSkipped } from './helpers/backends.ts';
import { type Account, describeEachBackend, type Harness } from './helpers/harness.ts';
import { upload, waitForDocument } from './helpers/knowledge.ts';

/**
 * The ready-documents cache (src/knowledge/ready-documents.ts) in front of every search: each change of
 * the searchable set — renamed, retagged, deleted, recrawled — shows in the very next search, on this
 * instance and (PostgreSQL) on another one that has the old list cached.
 */

const TEXT = '# Lighthouse\n\nThe lighthouse keeper logs the weather every morning at six.\n';

async function search(
  h: {
    request(
      m: string,
      p: string,
      o: { account: Account; json: unknown },
    ): Promise<{ status: number; text: string; body: Json }>;
  },
  account: Account,
  body: object,
) {
  const r = await h.request('POST', '/v2/knowledge/search', { account, json: body });
  assert.equal(r.status, 200, r.text);
  return r.body.data as { document_id: string; document_name: string }[];
}

describeEachBackend(
  'searches see document changes at once',
  (h) => {
    test('rename, retag and delete each show in the next search of a persona and of a tag', async () => {
      const a = await h().newAccount();
      const up = await upload(
        h(),
        a,
        { name: 'keeper.md', type: 'text/markdown', text: TEXT },
        {
          document_name: 'Keeper notes',
          tags: 'harbour',
        },
      );
      assert.equal(up.status, 200, up.text);
      const id = up.body.document_id as string;
      await waitForDocument(h(), a, id);
      const q = { query: 'When does the keeper log the weather?', document_tags: ['harbour'] };
      const first = await search(h(), a, q);
      assert.deepEqual(
        first.map((p) => [p.document_id, p.document_name]),
        [[id, 'Keeper notes']],
      );
      // Cached now; a rename must still show.
      const renamed = await h().request('PATCH', `/v2/documents/${id}`, {
        account: a,
        json: { document_name: 'Keeper log' },
      });
      assert.equal(renamed.status, 200, renamed.text);
      assert.equal((await search(h(), a, q))[0]?.document_name, 'Keeper log');
      // Retagged away from the tag searched: out of that scope, still in the new tag's.
      const retag = await h().request('PATCH', `/v2/documents/${id}`, {
        account: a,
        json: { tags: ['inland'] },
      });
      assert.equal(retag.status, 200, retag.text);
      assert.deepEqual(await search(h(), a, q), []);
      assert.equal((await search(h(), a, { ...q, document_tags: ['inland'] })).length, 1);
      // Another account never sees it, cached or not.
      const b = await h().newAccount();
      assert.deepEqual(await search(h(), b, { ...q, document_tags: ['inland'] }), []);
      const del = await h().request('DELETE', `/v2/documents/${id}`, { account: a });
      assert.ok(del.status === 200 || del.status === 204, del.text);
      assert.deepEqual(await search(h(), a, { ...q, document_tags: ['inland'] }), []);
      assert.deepEqual(await search(h(), a, { query: q.query }), []);
    });
  },
  {},
  { startJobs: true },
);

const postgres = backends.find((b) => b.backend.name === 'postgres');

describeUnlessSkipped('two instances on one PostgreSQL', postgres?.skip ?? 'no PostgreSQL backend', () => {
  let drop = async () => {};
  const instances: Awaited<ReturnType<typeof createServices>>[] = [];
  before(async () => {
    const fresh = await (postgres?.backend.fresh() ?? Promise.reject(new Error('no backend')));
    drop = fresh.drop;
    for (let i = 0; i < 2; i++) {
      const config = testConfig({ DATABASE_URL: fresh.url });
      instances.push(await createServices(config, createLogger(config)));
    }
    for (const s of instances) s.jobs.start();
  });
  after(async () => {
    for (const s of instances) await closeServices(s);
    await drop();
  });

  test('a retag on one instance shows in the next search on the other, which had the list cached', async () => {
    const [one, two] = instances.map((s) => {
      const app = createApp(s);
      return {
        app,
        request: (
          m: string,
          p: string,
          o: { account?: { auth: Record<string, string> }; json?: unknown } = {},
        ) => requestOn(app, m, p, o),
      };
    }) as [Instance, Instance];
    const created = await createKey((instances[0] as (typeof instances)[number]).db, 'scope-cache');
    const a = {
      key: created.key,
      accountId: created.accountId,
      auth: { authorization: `Bearer ${created.key}` },
    };
    const up = await upload(
      one as unknown as Harness,
      a,
      { name: 'keeper.md', type: 'text/markdown', text: TEXT },
      {
        tags: 'harbour',
      },
    );
    assert.equal(up.status, 200, up.text);
    const id = up.body.document_id as string;
    await waitForDocument(one as unknown as Harness, a, id);
    const q = { query: 'keeper weather', document_tags: ['harbour'] };
    assert.equal((await search(two, a, q)).length, 1);
    const retag = await one.request('PATCH', `/v2/documents/${id}`, {
      account: a,
      json: { tags: ['inland'] },
    });
    assert.equal(retag.status, 200);
    // The NOTIFY reaches the other instance asynchronously: it must arrive, bounded, not time out.
    let seen: unknown[] = [{}];
    for (let i = 0; i < 100 && seen.length > 0; i++) {
      seen = await search(two, a, q);
      if (seen.length > 0) await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(seen, []);
  });
});

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies
type Json = any;

interface Instance {
  app: ReturnType<typeof createApp>;
  request: (
    m: string,
    p: string,
    o?: { account?: { auth: Record<string, string> }; json?: unknown },
  ) => Promise<{ status: number; text: string; body: Json }>;
}

async function requestOn(
  app: ReturnType<typeof createApp>,
  method: string,
  path: string,
  o: { account?: { auth: Record<string, string> }; json?: unknown },
) {
  const headers: Record<string, string> = { ...(o.account?.auth ?? {}) };
  if (o.json !== undefined) headers['content-type'] = 'application/json';
  const res = await app.request(path, {
    method,
    headers,
    body: o.json === undefined ? undefined : JSON.stringify(o.json),
  });
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : undefined };
}
