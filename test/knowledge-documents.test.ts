import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { type Account, describeEachBackend, listen } from './helpers/harness.ts';
import { type LocalSite, localSite, upload, waitForDocument } from './helpers/knowledge.ts';

/**
 * Issue 13 (k-api): the documents API end to end on both backends: upload and URL documents through the
 * job queue to `ready`, content, search with positions, the documented errors in Tavus' shapes, account
 * isolation on every route, callbacks (delivered, retried, signed), personas' document_ids.
 */

const SECRET = 'test-webhook-secret';
const MARKDOWN =
  '# Billing\n\nInvoices are sent monthly by email.\n\n## Refunds\n\nRefunds take ten business days.\n';

let site: LocalSite;
const failedOnce = new Set<string>();
before(async () => {
  site = await localSite((req, _body, res) => {
    if (req.url === '/page.txt') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('Our office opens at nine. Parking is behind the building.');
    } else if (req.url === '/slow.txt') {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('Slow words arrive late.');
      }, 400);
    } else if (req.url === '/hang.txt') {
      // never answers
    } else if (req.url?.startsWith('/hook')) {
      // The first delivery to /hook-flaky fails: the job must retry it.
      if (req.url.startsWith('/hook-flaky') && !failedOnce.has(req.url)) {
        failedOnce.add(req.url);
        res.writeHead(500).end();
      } else res.writeHead(204).end();
    } else {
      res.writeHead(404).end();
    }
  });
});
after(() => site.close());

const hooks = (path: string) => site.requests.filter((r) => r.url === path);

describeEachBackend(
  'knowledge documents',
  (h) => {
    let a: Account;
    let b: Account;
    before(async () => {
      a = await h().newAccount();
      b = await h().newAccount();
    });

    test('an uploaded Markdown file becomes ready, shows its text and is found by search with its position', async () => {
      const created = await upload(
        h(),
        a,
        { name: 'billing.md', type: 'text/markdown', text: MARKDOWN },
        {
          document_name: 'Billing FAQ',
          tags: 'faq,billing',
        },
      );
      assert.equal(created.status, 200, created.text);
      assert.equal(created.body.status, 'started');
      assert.equal(created.body.document_name, 'Billing FAQ');
      assert.equal(created.body.document_url, null);
      assert.equal(created.body.file_name, 'billing.md');
      assert.deepEqual(created.body.tags, ['faq', 'billing']);
      const id = created.body.document_id;
      const ready = await waitForDocument(h(), a, id);
      assert.equal(ready.status, 'ready', JSON.stringify(ready));
      assert.equal(ready.progress, null);

      const content = await h().request('GET', `/v2/documents/${id}/content`, { account: a });
      assert.equal(content.status, 200);
      assert.match(content.text, /# Billing/);
      assert.match(content.text, /Refunds take ten business days/);

      const found = await h().request('POST', '/v2/knowledge/search', {
        account: a,
        json: { query: 'how long do refunds take', document_ids: [id] },
      });
      assert.equal(found.status, 200, found.text);
      const top = found.body.data[0];
      assert.equal(top.document_id, id);
      assert.equal(top.document_name, 'Billing FAQ');
      assert.match(top.text, /ten business days/);
      assert.deepEqual(top.position.heading_path, ['Billing', 'Refunds']);

      // Another account sees none of it, on any route.
      for (const [method, path] of [
        ['GET', `/v2/documents/${id}`],
        ['GET', `/v2/documents/${id}/content`],
        ['DELETE', `/v2/documents/${id}`],
      ] as const) {
        const r = await h().request(method, path, { account: b });
        assert.equal(r.status, 404, `${method} ${path}`);
        assert.deepEqual(r.body, { message: 'Document not found' });
      }
      const patched = await h().request('PATCH', `/v2/documents/${id}`, {
        account: b,
        json: { document_name: 'x' },
      });
      assert.equal(patched.status, 404);
      const recrawl = await h().request('POST', `/v2/documents/${id}/recrawl`, { account: b });
      assert.equal(recrawl.status, 404);
      const theirs = await h().request('GET', '/v2/documents', { account: b });
      assert.equal(theirs.body.total_count, 0);
      const theirSearch = await h().request('POST', '/v2/knowledge/search', {
        account: b,
        json: { query: 'refunds', document_ids: [id] },
      });
      assert.equal(theirSearch.status, 400);
      const theirAll = await h().request('POST', '/v2/knowledge/search', {
        account: b,
        json: { query: 'refunds' },
      });
      assert.deepEqual(theirAll.body.data, []);
    });

    test('list pages from 0, sorts, filters by status, name_or_uuid and tags; patch renames and replaces tags', async () => {
      const c = await h().newAccount();
      const ids: string[] = [];
      for (const [name, tags] of [
        ['Alpha notes', 'one'],
        ['Beta notes', 'two'],
        ['Gamma_file', 'one,three'],
      ] as const) {
        const r = await upload(
          h(),
          c,
          { name: `${name}.txt`, type: 'text/plain', text: `${name} text body.` },
          {
            document_name: name,
            tags,
          },
        );
        assert.equal(r.status, 200, r.text);
        ids.push(r.body.document_id);
      }
      const page0 = await h().request('GET', '/v2/documents?limit=2', { account: c });
      assert.equal(page0.status, 200);
      assert.deepEqual(
        {
          total: page0.body.total_count,
          page: page0.body.page,
          limit: page0.body.limit,
          n: page0.body.data.length,
        },
        { total: 3, page: 0, limit: 2, n: 2 },
      );
      assert.equal(page0.body.data[0].document_id, ids[0]);
      const page1 = await h().request('GET', '/v2/documents?limit=2&page=1', { account: c });
      assert.deepEqual(
        page1.body.data.map((d: { document_id: string }) => d.document_id),
        [ids[2]],
      );
      const desc = await h().request('GET', '/v2/documents?sort=descending&limit=1', { account: c });
      assert.equal(desc.body.data[0].document_id, ids[2]);
      const byTag = await h().request('GET', '/v2/documents?tags=three,two', { account: c });
      assert.equal(byTag.body.total_count, 2);
      const byName = await h().request('GET', '/v2/documents?name_or_uuid=beta', { account: c });
      assert.deepEqual(
        byName.body.data.map((d: { document_id: string }) => d.document_id),
        [ids[1]],
      );
      // `_` is a LIKE wildcard: it must match only itself.
      const literal = await h().request('GET', '/v2/documents?name_or_uuid=a_f', { account: c });
      assert.equal(literal.body.total_count, 1);
      const byId = await h().request('GET', `/v2/documents?name_or_uuid=${ids[0]}`, { account: c });
      assert.equal(byId.body.total_count, 1);
      for (const id of ids) await waitForDocument(h(), c, id);
      const ready = await h().request('GET', '/v2/documents?status=ready', { account: c });
      assert.equal(ready.body.total_count, 3);
      const bad = await h().request('GET', '/v2/documents?page=-1', { account: c });
      assert.equal(bad.status, 400);
      assert.equal(typeof bad.body.error, 'string');

      const patched = await h().request('PATCH', `/v2/documents/${ids[0]}`, {
        account: c,
        json: { document_name: 'Renamed', tags: ['new'] },
      });
      assert.equal(patched.status, 200);
      assert.equal(patched.body.document_name, 'Renamed');
      assert.deepEqual(patched.body.tags, ['new']);
      const again = await h().request('GET', `/v2/documents/${ids[0]}`, { account: c });
      assert.deepEqual(again.body.tags, ['new']);
      const badPatch = await h().request('PATCH', `/v2/documents/${ids[0]}`, {
        account: c,
        json: { document_name: 5 },
      });
      assert.equal(badPatch.status, 400);
    });

    test('create refuses bad input in Tavus shapes: no URL, bad crawl, private URL, no file part, too large', async () => {
      const cases: [unknown, RegExp][] = [
        [{ document_name: 'x' }, /document_url/],
        [{ document_url: 'https://example.com/', crawl: { depth: 11, max_pages: 5 } }, /crawl\.depth/],
        [{ document_url: 'https://example.com/', crawl: { depth: 1, max_pages: 0 } }, /crawl\.max_pages/],
        [{ document_url: 'http://10.1.2.3/doc.pdf' }, /document_url: .*private/],
        [{ document_url: 'http://[::1]/doc.pdf' }, /document_url: .*private/],
        [{ document_url: 'file:///etc/passwd' }, /document_url/],
        [{ document_url: `${site.url}/page.txt`, callback_url: 'http://169.254.169.254/' }, /callback_url/],
      ];
      for (const [json, message] of cases) {
        const r = await h().request('POST', '/v2/documents', { account: a, json });
        assert.equal(r.status, 400, JSON.stringify(json));
        assert.deepEqual(Object.keys(r.body), ['error']);
        assert.match(r.body.error, message);
      }
      const noFile = new FormData();
      noFile.append('document_name', 'x');
      const r = await h().app.request('/v2/documents', { method: 'POST', headers: a.auth, body: noFile });
      assert.equal(r.status, 400);
      assert.match(((await r.json()) as { error: string }).error, /file/);
      const noKey = await h().request('GET', '/v2/documents');
      assert.deepEqual(noKey.body, { message: 'Invalid access token' });
    });

    test("over a real socket: a 3 MB file arrives whole from Node's request, past the 1 MiB JSON guard; 50 MB + 1 byte is answered 413; recrawl takes no body", async () => {
      const server = await listen(h());
      try {
        // Numbered paragraphs: a chunk lost, doubled or freed before it was copied would show in the text.
        const text = Array.from({ length: 30_000 }, (_, i) => `Paragraph ${i} of the socket upload.`).join(
          '\n\n',
        );
        const form = new FormData();
        form.append('document_name', 'socket upload');
        form.append('file', new Blob([text], { type: 'text/plain' }), 'socket.txt');
        const res = await fetch(`${server.url}/v2/documents`, {
          method: 'POST',
          headers: a.auth,
          body: form,
        });
        const body = (await res.json()) as { document_id: string; document_name: string; file_name: string };
        assert.equal(res.status, 200, JSON.stringify(body));
        assert.equal(body.document_name, 'socket upload');
        assert.equal(body.file_name, 'socket.txt');
        const ready = await waitForDocument(h(), a, body.document_id);
        assert.equal(ready.status, 'ready', JSON.stringify(ready));
        const content = await h().request('GET', `/v2/documents/${body.document_id}/content`, { account: a });
        assert.equal(content.text, text);

        const big = new FormData();
        big.append(
          'file',
          new Blob([new Uint8Array(50 * 1024 * 1024 + 1).fill(0x61)], { type: 'text/plain' }),
          'big.txt',
        );
        const refused = await fetch(`${server.url}/v2/documents`, {
          method: 'POST',
          headers: a.auth,
          body: big,
        });
        assert.equal(refused.status, 413);
        assert.match(((await refused.json()) as { message: string }).message, /50 MB/);
        assert.equal(refused.headers.get('connection'), 'close');
        // No body at all, no content-length (as curl -X POST sends it): the route's own answer, not a 415.
        const { port } = new URL(server.url);
        const raw = await new Promise<string>((resolve, reject) => {
          const socket = connect(Number(port), '127.0.0.1', () => {
            socket.write(
              `POST /v2/documents/${body.document_id}/recrawl HTTP/1.1\r\nhost: x\r\n` +
                `authorization: ${a.auth.authorization}\r\nconnection: close\r\n\r\n`,
            );
          });
          let text = '';
          socket.on('data', (d) => {
            text += d.toString();
          });
          socket.on('end', () => resolve(text));
          socket.on('error', reject);
        });
        assert.match(raw, /^HTTP\/1\.1 400 /);
        assert.ok(raw.endsWith('{"error":"Document was not created with crawl configuration"}'), raw);
      } finally {
        await server.close();
      }
    });

    test('a file of 50 MB + 1 byte is refused with 413 and leaves no bytes in the store', async () => {
      const big = new Uint8Array(50 * 1024 * 1024 + 1).fill(0x61);
      const r = await upload(h(), a, { name: 'big.txt', type: 'text/plain', text: big });
      assert.equal(r.status, 413);
      assert.match(r.body.message, /50 MB/);
      const left = await h()
        .services.db.kysely.selectFrom('document_uploads')
        .select('document_id')
        .execute();
      assert.equal(left.length, 0);
    });

    test('a URL document on an allow-listed local server becomes ready; a 404 URL ends in error with invalid_file_url', async () => {
      const ok = await h().request('POST', '/v2/documents', {
        account: a,
        json: { document_url: `${site.url}/page.txt`, tags: ['web'] },
      });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.body.document_url, `${site.url}/page.txt`);
      assert.equal(ok.body.crawl_config, null);
      const ready = await waitForDocument(h(), a, ok.body.document_id);
      assert.equal(ready.status, 'ready', JSON.stringify(ready));
      const found = await h().request('POST', '/v2/knowledge/search', {
        account: a,
        json: { query: 'parking building', document_tags: ['web'] },
      });
      assert.equal(found.body.data[0]?.document_id, ok.body.document_id);

      const missing = await h().request('POST', '/v2/documents', {
        account: a,
        json: { document_url: `${site.url}/missing.pdf` },
      });
      const failed = await waitForDocument(h(), a, missing.body.document_id);
      assert.equal(failed.status, 'error');
      assert.equal(failed.error_code, 'invalid_file_url');
      assert.match(failed.error_message, /404/);
      const content = await h().request('GET', `/v2/documents/${missing.body.document_id}/content`, {
        account: a,
      });
      assert.equal(content.status, 409);
    });

    test('recrawl: 400 without crawl config, 429 within the cooldown, 202 after it, 409 while running', async () => {
      const plain = await h().request('POST', '/v2/documents', {
        account: a,
        json: { document_url: `${site.url}/page.txt` },
      });
      await waitForDocument(h(), a, plain.body.document_id);
      const noCrawl = await h().request('POST', `/v2/documents/${plain.body.document_id}/recrawl`, {
        account: a,
      });
      assert.equal(noCrawl.status, 400);
      assert.deepEqual(noCrawl.body, { error: 'Document was not created with crawl configuration' });

      const crawl = await h().request('POST', '/v2/documents', {
        account: a,
        json: { document_url: `${site.url}/page.txt`, crawl: { depth: 1, max_pages: 3 } },
      });
      assert.deepEqual(crawl.body.crawl_config, { depth: 1, max_pages: 3 });
      assert.equal(crawl.body.crawl_count, 0);
      const id = crawl.body.document_id;
      const first = await waitForDocument(h(), a, id);
      assert.equal(first.status, 'ready');
      assert.equal(first.crawl_count, 1);
      assert.deepEqual(first.crawled_urls, [`${site.url}/page.txt`]);
      const cool = await h().request('POST', `/v2/documents/${id}/recrawl`, { account: a });
      assert.equal(cool.status, 429);
      assert.match(
        cool.body.error,
        /^Recrawl cooldown: please wait (60|59) minutes before recrawling this document\.$/,
      );

      const past = new Date(Date.now() - 2 * 3600_000).toISOString();
      await h()
        .services.db.kysely.updateTable('documents')
        .set({ last_crawled_at: past })
        .where('id', '=', id)
        .execute();
      const started = await h().request('POST', `/v2/documents/${id}/recrawl`, {
        account: a,
        json: { crawl: { depth: 2, max_pages: 5 } },
      });
      assert.equal(started.status, 202, started.text);
      assert.equal(started.body.status, 'recrawling');
      assert.deepEqual(started.body.crawl_config, { depth: 2, max_pages: 5 });
      const busy = await h().request('POST', `/v2/documents/${id}/recrawl`, { account: a });
      if (busy.status !== 429) {
        assert.equal(busy.status, 409);
        assert.match(
          busy.body.error,
          /^Document must be in 'ready' or 'error' state to recrawl, current status: /,
        );
      }
      const done = await waitForDocument(h(), a, id, (d) => d.status === 'ready' && d.crawl_count === 2);
      assert.equal(done.crawl_count, 2);
    });

    test('at most 5 crawls run at once per account (429 in Tavus shape)', async () => {
      const c = await h().newAccount();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await h().request('POST', '/v2/documents', {
          account: c,
          json: { document_url: `${site.url}/hang.txt`, crawl: { depth: 1, max_pages: 1 } },
        });
        assert.equal(r.status, 200, r.text);
        ids.push(r.body.document_id);
      }
      const sixth = await h().request('POST', '/v2/documents', {
        account: c,
        json: { document_url: `${site.url}/hang.txt`, crawl: { depth: 1, max_pages: 1 } },
      });
      assert.equal(sixth.status, 429);
      assert.match(sixth.body.error, /Concurrent crawl limit reached \(5\)/);
      for (const id of ids)
        assert.equal((await h().request('DELETE', `/v2/documents/${id}`, { account: c })).status, 204);
    });

    test('delete mid-processing leaves nothing behind, and removes the id from personas', async () => {
      const r = await h().request('POST', '/v2/documents', {
        account: a,
        json: { document_url: `${site.url}/slow.txt` },
      });
      const id = r.body.document_id;
      await waitForDocument(h(), a, id, (d) => d.status === 'processing');
      const persona = await h().request('POST', '/v2/personas', {
        account: a,
        json: { persona_name: 'kb', system_prompt: 'x', document_ids: [id] },
      });
      assert.equal(persona.status, 200, persona.text);
      const del = await h().request('DELETE', `/v2/documents/${id}`, { account: a });
      assert.equal(del.status, 204);
      assert.equal((await h().request('GET', `/v2/documents/${id}`, { account: a })).status, 404);
      // The slow page answers after 400 ms; the job must not write anything of the deleted document.
      await new Promise((resolve) => setTimeout(resolve, 800));
      const db = h().services.db.kysely;
      assert.equal((await db.selectFrom('documents').select('id').where('id', '=', id).execute()).length, 0);
      assert.equal(
        (
          await db
            .selectFrom('document_contents')
            .select('document_id')
            .where('document_id', '=', id)
            .execute()
        ).length,
        0,
      );
      const search = await h().request('POST', '/v2/knowledge/search', {
        account: a,
        json: { query: 'slow words arrive' },
      });
      assert.equal(search.body.data.filter((p: { document_id: string }) => p.document_id === id).length, 0);
      const p = await h().request('GET', `/v2/personas/${persona.body.persona_id}`, { account: a });
      assert.deepEqual(p.body.data[0].document_ids, []);
    });

    test("personas' document_ids must name documents of the same account", async () => {
      const mine = await upload(h(), a, { name: 'm.txt', type: 'text/plain', text: 'mine' });
      const theirs = await upload(h(), b, { name: 't.txt', type: 'text/plain', text: 'theirs' });
      const bad = await h().request('POST', '/v2/personas', {
        account: a,
        json: { persona_name: 'p', system_prompt: 'x', document_ids: [theirs.body.document_id] },
      });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error, /^document_ids: /);
      const good = await h().request('POST', '/v2/personas', {
        account: a,
        json: { persona_name: 'p', system_prompt: 'x', document_ids: [mine.body.document_id] },
      });
      assert.equal(good.status, 200);
      const patch = await h().request('PATCH', `/v2/personas/${good.body.persona_id}`, {
        account: a,
        json: [{ op: 'add', path: '/document_ids/-', value: theirs.body.document_id }],
      });
      assert.equal(patch.status, 400);
      assert.match(patch.body.error, /^document_ids: /);
      // persona_id scopes a search to that persona's documents.
      await waitForDocument(h(), a, mine.body.document_id);
      const s = await h().request('POST', '/v2/knowledge/search', {
        account: a,
        json: { query: 'mine', persona_id: good.body.persona_id },
      });
      assert.equal(s.status, 200);
      assert.ok(s.body.data.every((x: { document_id: string }) => x.document_id === mine.body.document_id));
      const other = await h().request('POST', '/v2/knowledge/search', {
        account: b,
        json: { query: 'mine', persona_id: good.body.persona_id },
      });
      assert.equal(other.status, 404);
    });

    test('callbacks: every status change is POSTed, signed, retried after a failure', async () => {
      const path = `/hook-flaky-${h().backend}`;
      const r = await h().request('POST', '/v2/documents', {
        account: a,
        json: { document_url: `${site.url}/page.txt`, callback_url: `${site.url}${path}` },
      });
      await waitForDocument(h(), a, r.body.document_id);
      let calls = hooks(path);
      for (let i = 0; i < 100 && calls.length < 3; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        calls = hooks(path);
      }
      const statuses = calls.map((c) => JSON.parse(c.body).status);
      assert.ok(statuses.includes('processing') && statuses.includes('ready'), statuses.join());
      // One delivery failed with a 500 and was sent again.
      assert.ok(calls.length >= 3, `${calls.length} calls`);
      for (const c of calls) {
        const ts = String(c.headers['x-personakit-timestamp']);
        const expected = `sha256=${createHmac('sha256', SECRET).update(`${ts}.${c.body}`).digest('hex')}`;
        assert.equal(c.headers['x-personakit-signature'], expected);
        assert.equal(JSON.parse(c.body).document_id, r.body.document_id);
      }
    });
  },
  { PERSONAKIT_ALLOWED_HOSTS: '127.0.0.1', PERSONAKIT_WEBHOOK_SECRET: SECRET },
  { startJobs: true },
);
