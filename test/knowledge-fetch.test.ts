import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { KnowledgeError, type KnowledgeErrorCode } from '../src/knowledge/extract/types.ts';
import { type FetchOptions, fetchUrl } from '../src/knowledge/fetch/index.ts';
import type { Lookup } from '../src/net/outbound-url.ts';
import { type LocalSite, redirect, startSite, text } from './helpers/local-site.ts';

const allowLocal: FetchOptions = { allowedHosts: ['127.0.0.1'], maxBytes: 1024 * 1024, timeoutMs: 5_000 };

async function refused(p: Promise<unknown>, code: KnowledgeErrorCode, message: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof KnowledgeError, `expected a KnowledgeError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  });
}

describe('fetchUrl: guarded, bounded downloads', () => {
  let site: LocalSite;
  before(async () => {
    site = await startSite({
      '/doc.pdf': text('%PDF-1.7 fake', 'application/pdf'),
      '/r1': redirect('/r2', 301),
      '/r2': redirect('r3', 307),
      '/r3': redirect('/doc.pdf#frag', 308),
      '/to-metadata': redirect('http://169.254.169.254/latest/meta-data/'),
      '/to-ten': redirect('http://10.0.0.1/secret'),
      '/to-creds': redirect('http://user:pw@127.0.0.1/doc.pdf'),
      '/to-ftp': redirect('ftp://127.0.0.1/doc.pdf'),
      '/to-garbage': redirect('http://[not-an-address/'),
      '/missing': text('gone', 'text/plain', 404),
      '/broken': text('oops', 'text/plain', 503),
      '/never': () => {},
      '/drip': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('a');
        const t = setInterval(() => res.write('a'), 50);
        res.on('close', () => clearInterval(t));
      },
      '/declared-huge': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': String(2 * 1024 * 1024) });
        res.write(Buffer.alloc(1024));
      },
      '/endless': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const chunk = Buffer.alloc(64 * 1024, 1);
        const pump = () => {
          while (!res.destroyed && res.write(chunk)) site.streamed.bytes += chunk.length;
          if (!res.destroyed) site.streamed.bytes += chunk.length;
        };
        res.on('drain', pump);
        res.on('close', () => {
          site.streamed.closed = true;
        });
        pump();
      },
      '/gzip': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
        res.end(gzipSync('hello compressed'));
      },
      '/gzip-bomb': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
        res.end(gzipSync(Buffer.alloc(8 * 1024 * 1024)));
      },
    });
    for (let i = 0; i < 7; i++) site.route(`/loop${i}`, redirect(`/loop${i + 1}`));
  });
  after(() => site.close());

  test('downloads the bytes and content type as sent, with our user agent', async () => {
    const page = await fetchUrl(`${site.origin}/doc.pdf`, allowLocal);
    assert.equal(Buffer.from(page.bytes).toString(), '%PDF-1.7 fake');
    assert.equal(page.contentType, 'application/pdf');
    assert.equal(page.status, 200);
    assert.equal(page.finalUrl, `${site.origin}/doc.pdf`);
    assert.match(site.userAgents.at(-1) ?? '', /^personakit\//);
  });

  test('a private address is refused before any request unless allow-listed', async () => {
    const before = site.hits.length;
    await refused(
      fetchUrl(`${site.origin}/doc.pdf`, { ...allowLocal, allowedHosts: [] }),
      'invalid_file_url',
      /^document_url: host 127\.0\.0\.1 resolves to a private or reserved address/,
    );
    assert.equal(site.hits.length, before, 'no request reached the private host');
  });

  test('not http(s), credentials, nonsense: invalid_file_url', async () => {
    await refused(fetchUrl('ftp://127.0.0.1/x', allowLocal), 'invalid_file_url', /http or https/);
    await refused(
      fetchUrl(`http://a:b@127.0.0.1:${site.port}/doc.pdf`, allowLocal),
      'invalid_file_url',
      /credentials/,
    );
    await refused(fetchUrl('not a url', allowLocal), 'invalid_file_url', /not a valid URL/);
  });

  test('a redirect chain is followed by hand to its end, fragments dropped', async () => {
    const page = await fetchUrl(`${site.origin}/r1`, allowLocal);
    assert.equal(page.url, `${site.origin}/r1`);
    assert.equal(page.finalUrl, `${site.origin}/doc.pdf`);
    assert.equal(Buffer.from(page.bytes).toString(), '%PDF-1.7 fake');
  });

  test('more than maxRedirects (5) redirects: refused', async () => {
    await refused(fetchUrl(`${site.origin}/loop0`, allowLocal), 'invalid_file_url', /more than 5 redirects/);
    const ok = await fetchUrl(`${site.origin}/loop5`, { ...allowLocal, maxRedirects: 1 }).catch((e) => e);
    assert.ok(ok instanceof KnowledgeError && /more than 1 redirects/.test(ok.message));
  });

  test('a redirect to a private address is refused even though the start host is allow-listed', async () => {
    await refused(
      fetchUrl(`${site.origin}/to-metadata`, allowLocal),
      'invalid_file_url',
      /redirected to http:\/\/169\.254\.169\.254\/latest\/meta-data\/, refused: .*private or reserved address \(169\.254\.169\.254\)/,
    );
    await refused(
      fetchUrl(`${site.origin}/to-ten`, allowLocal),
      'invalid_file_url',
      /private or reserved address \(10\.0\.0\.1\)/,
    );
    await refused(
      fetchUrl(`${site.origin}/to-creds`, allowLocal),
      'invalid_file_url',
      /must not contain credentials/,
    );
    await refused(fetchUrl(`${site.origin}/to-ftp`, allowLocal), 'invalid_file_url', /http or https/);
    await refused(
      fetchUrl(`${site.origin}/to-garbage`, allowLocal),
      'invalid_file_url',
      /redirected to an invalid Location/,
    );
  });

  test('a host name is connected to at the address the guard checked, with its own Host header', async () => {
    const calls: string[] = [];
    const lookup: Lookup = async (host) => {
      calls.push(host);
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const page = await fetchUrl(`http://docs.internal.test:${site.port}/doc.pdf`, {
      ...allowLocal,
      allowedHosts: ['docs.internal.test'],
      lookup,
    });
    assert.equal(page.status, 200);
    assert.equal(site.hosts.at(-1), `docs.internal.test:${site.port}`);
    assert.deepEqual(calls, ['docs.internal.test'], 'resolved once, by the guard; the connection reused it');
    await refused(
      fetchUrl(`http://docs.internal.test:${site.port}/doc.pdf`, { ...allowLocal, allowedHosts: [], lookup }),
      'invalid_file_url',
      /docs\.internal\.test resolves to a private or reserved address \(127\.0\.0\.1\)/,
    );
  });

  test('4xx and 5xx answers: invalid_file_url naming the status', async () => {
    await refused(fetchUrl(`${site.origin}/missing`, allowLocal), 'invalid_file_url', /answered HTTP 404$/);
    await refused(
      fetchUrl(`${site.origin}/broken`, allowLocal),
      'invalid_file_url',
      /answered HTTP 503 \(server error\)/,
    );
  });

  test('unreachable: a clear invalid_file_url', async () => {
    const gone = await startSite();
    const origin = gone.origin;
    await gone.close();
    await refused(
      fetchUrl(`${origin}/x`, allowLocal),
      'invalid_file_url',
      /could not download .*ECONNREFUSED/,
    );
  });

  test('a URL that never answers, or drips forever, fails within the one deadline', async () => {
    for (const path of ['/never', '/drip']) {
      const started = performance.now();
      await refused(
        fetchUrl(`${site.origin}${path}`, { ...allowLocal, timeoutMs: 300 }),
        'invalid_file_url',
        /did not answer within 300 ms \(timed out\)/,
      );
      // Generous: the point is "bounded by the deadline", not "exactly 300 ms" under load.
      assert.ok(performance.now() - started < 5_000, `${path} took ${performance.now() - started} ms`);
    }
  });

  test('a body past maxBytes is refused and its download stopped', async () => {
    const opts = { ...allowLocal, maxBytes: 256 * 1024 };
    await refused(
      fetchUrl(`${site.origin}/declared-huge`, opts),
      'file_size_too_large',
      /2097152 bytes, more than the 256 KiB limit/,
    );
    await refused(
      fetchUrl(`${site.origin}/endless`, opts),
      'file_size_too_large',
      /larger than the 256 KiB limit/,
    );
    // The server notices the closed connection; it wrote far less than an unbounded read would take.
    for (let i = 0; i < 100 && !site.streamed.closed; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(site.streamed.closed, 'the endless download was cut');
    assert.ok(site.streamed.bytes < 64 * 1024 * 1024, `server wrote ${site.streamed.bytes} bytes`);
  });

  test('a compressed body (sent despite identity) is decoded, and the cap counts decoded bytes', async () => {
    const page = await fetchUrl(`${site.origin}/gzip`, allowLocal);
    assert.equal(Buffer.from(page.bytes).toString(), 'hello compressed');
    await refused(
      fetchUrl(`${site.origin}/gzip-bomb`, { ...allowLocal, maxBytes: 64 * 1024 }),
      'file_size_too_large',
      /larger than the 64 KiB limit/,
    );
  });

  test("the caller's abort rejects with the caller's reason, not a document error", async () => {
    const controller = new AbortController();
    const reason = new Error('lease lost');
    setTimeout(() => controller.abort(reason), 50);
    await assert.rejects(
      fetchUrl(`${site.origin}/never`, { ...allowLocal, signal: controller.signal }),
      (err) => err === reason,
    );
  });
});
