import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import { type Account, describeEachBackend } from './helpers/harness.ts';
import { type LocalSite, localSite, upload, waitForDocument } from './helpers/knowledge.ts';
import { deflatedZeros, pdf, zip } from './helpers/knowledge-files.ts';

/**
 * Issue 13's hostile inputs, end to end through POST /v2/documents and the ingestion job (the extractor
 * and fetcher suites test each limit alone): a URL that never answers, one that drips forever, a PDF
 * whose download never ends, a PDF that never ends (no end of file, an endless content stream), a zip
 * bomb. Each ends in a clear `error` status with its code, never `processing` for good, and the server
 * goes on ingesting. Short deadlines (PERSONAKIT_FETCH_TIMEOUT_MS, PERSONAKIT_EXTRACT_TIMEOUT_MS).
 */

const open: ServerResponse[] = [];
let site: LocalSite;
before(async () => {
  site = await localSite((req, _body, res) => {
    open.push(res);
    if (req.url === '/never.pdf') return; // headers never come
    if (req.url === '/drip.txt') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const t = setInterval(() => (res.writableEnded ? clearInterval(t) : res.write('a')), 50);
      res.on('close', () => clearInterval(t));
      return;
    }
    if (req.url === '/endless.pdf') {
      // A PDF body that never ends, sent as fast as the reader takes it.
      res.writeHead(200, { 'content-type': 'application/pdf' });
      res.write('%PDF-1.4\n1 0 obj\n<< /Length 999999999999 >>\nstream\n');
      const chunk = Buffer.alloc(64 * 1024, 0x41);
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) {}
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
      return;
    }
    if (req.url === '/fine.txt') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return void res.end('The harbour opens at dawn.');
    }
    res.writeHead(404).end();
  });
});
after(async () => {
  for (const r of open) r.destroy();
  await site.close();
});

describeEachBackend(
  'hostile documents end in a clear error',
  (h) => {
    let a: Account;
    before(async () => {
      a = await h().newAccount();
    });

    const fromUrl = async (path: string) => {
      const r = await h().request('POST', '/v2/documents', {
        account: a,
        json: { document_url: `${site.url}${path}` },
      });
      assert.equal(r.status, 200, r.text);
      return waitForDocument(h(), a, r.body.document_id);
    };

    test('a URL that never answers, and one that drips forever: invalid_file_url within the deadline', async () => {
      for (const path of ['/never.pdf', '/drip.txt']) {
        const doc = await fromUrl(path);
        assert.equal(doc.status, 'error', path);
        assert.equal(doc.error_code, 'invalid_file_url', path);
        assert.match(doc.error_message, /within/, path);
      }
    });

    test('a PDF download that never ends is cut: an error, not a stuck document', async () => {
      const doc = await fromUrl('/endless.pdf');
      assert.equal(doc.status, 'error');
      // Cut at 50 MB, or at the deadline first on a slow machine: either way the download stops.
      assert.ok(['file_size_too_large', 'invalid_file_url'].includes(doc.error_code), doc.error_code);
    });

    test('an uploaded PDF that never ends (no end of file, an endless stream) ends ready or in a clear error', async () => {
      const whole = pdf([['The first page.']]);
      const cut = Buffer.concat([
        whole.subarray(0, whole.indexOf('xref')),
        Buffer.from('4 0 obj\n<< /Length 999999999 >>\nstream\nBT (never) Tj'),
      ]);
      const r = await upload(h(), a, { name: 'endless.pdf', type: 'application/pdf', text: cut });
      assert.equal(r.status, 200, r.text);
      const doc = await waitForDocument(h(), a, r.body.document_id);
      // pdf.js may recover the page it can read, or give up (damaged), or run into the extraction
      // deadline while trying: each is a clear end; hanging, crashing or a stuck document is not.
      if (doc.status !== 'ready') {
        assert.equal(doc.status, 'error', JSON.stringify(doc));
        assert.ok(
          ['file_format_unsupported', 'file_empty', 'processing_timeout'].includes(doc.error_code),
          JSON.stringify(doc),
        );
      }
    });

    test('a zip bomb uploaded as a .docx is file_size_too_large', async () => {
      const bomb = zip([
        { name: '[Content_Types].xml', data: '<Types/>' },
        { name: 'word/document.xml', raw: { compressed: deflatedZeros(1024), uncompressedSize: 1024 } },
      ]);
      const r = await upload(h(), a, {
        name: 'bomb.docx',
        type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        text: bomb,
      });
      assert.equal(r.status, 200, r.text);
      const doc = await waitForDocument(h(), a, r.body.document_id);
      assert.equal(doc.status, 'error');
      assert.equal(doc.error_code, 'file_size_too_large');
      assert.match(doc.error_message, /zip bomb/);
    });

    test('after all of them the server still ingests a good document', async () => {
      const doc = await fromUrl('/fine.txt');
      assert.equal(doc.status, 'ready');
      const stuck = await h()
        .services.db.kysely.selectFrom('documents')
        .select('id')
        .where('account_id', '=', a.accountId)
        .where('status', 'in', ['started', 'processing'])
        .execute();
      assert.deepEqual(stuck, []);
    });
  },
  {
    PERSONAKIT_ALLOWED_HOSTS: '127.0.0.1',
    PERSONAKIT_FETCH_TIMEOUT_MS: '1500',
    PERSONAKIT_EXTRACT_TIMEOUT_MS: '5000',
  },
  { startJobs: true },
);
