import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KnowledgeError } from '../src/knowledge/extract/types.ts';
import { hostsInTurn } from '../src/knowledge/fetch/host-turns.ts';
import { type CrawlOptions, crawlSite, type FetchedPage } from '../src/knowledge/fetch/index.ts';
import { html, type LocalSite, links, type Route, redirect, startSite, text } from './helpers/local-site.ts';

const base: CrawlOptions = {
  allowedHosts: ['127.0.0.1'],
  maxBytes: 1024 * 1024,
  timeoutMs: 5_000,
  depth: 1,
  maxPages: 100,
};

async function crawl(site: LocalSite, options: Partial<CrawlOptions> = {}, start = '/') {
  const pages: { path: string; depth: number; page: FetchedPage }[] = [];
  const result = await crawlSite(`${site.origin}${start}`, { ...base, ...options }, async (page, depth) => {
    pages.push({ path: new URL(page.finalUrl).pathname, depth, page });
  });
  assert.equal(result.pages, pages.length, 'the count returned is the pages delivered');
  return { ...result, paths: pages.map((p) => p.path), delivered: pages };
}

/** Pages fetched (robots.txt left out). */
const pageHits = (site: LocalSite) => site.hits.filter((h) => h !== '/robots.txt');

async function withSite(routes: Record<string, Route>, body: (site: LocalSite) => Promise<void>) {
  const site = await startSite(routes);
  try {
    await body(site);
  } finally {
    await site.close();
  }
}

describe('crawlSite: a polite, guarded, breadth-first crawl', () => {
  const tree = {
    '/': links('/a', 'b', '/a#section', 'http://localhost:1/elsewhere', 'mailto:x@y.z'),
    '/a': links('/c'),
    '/b': html('leaf'),
    '/c': links('/d'),
    '/d': html('deep'),
  };

  test('depth 1 is the start page plus the pages it links to, breadth-first, fragments deduped', () =>
    withSite(tree, async (site) => {
      const r = await crawl(site, { depth: 1 });
      assert.deepEqual(r.paths, ['/', '/a', '/b']);
      assert.deepEqual(
        r.delivered.map((p) => p.depth),
        [0, 1, 1],
      );
      assert.deepEqual(
        pageHits(site),
        ['/', '/a', '/b'],
        'each page once; off-site and mailto links never fetched',
      );
      assert.equal(r.skipped.length, 0);
    }));

  test('depth 3 reaches three levels of links', () =>
    withSite(tree, async (site) => {
      const r = await crawl(site, { depth: 3 });
      assert.deepEqual(r.paths, ['/', '/a', '/b', '/c', '/d']);
      assert.deepEqual(
        r.delivered.map((p) => p.depth),
        [0, 1, 1, 2, 3],
      );
    }));

  test('nofollow links and pages are not followed; <base href> resolves relative links', () =>
    withSite(
      {
        '/': html('<a href="/a" rel="nofollow">a</a> <a href="/b">b</a> <a href="/stop">stop</a>'),
        '/b': html('<base href="/sub/"><a href="leaf">leaf</a>'),
        '/sub/leaf': html('leaf'),
        '/stop': (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/html' });
          res.end(
            '<html><head><meta name="robots" content="noindex, nofollow"></head><body><a href="/x">x</a></body></html>',
          );
        },
        '/a': html('a'),
        '/x': html('x'),
      },
      async (site) => {
        const r = await crawl(site, { depth: 5 });
        assert.deepEqual(r.paths, ['/', '/b', '/stop', '/sub/leaf']);
      },
    ));

  test('a start URL that is not http(s) fails at once', async () => {
    await assert.rejects(
      crawlSite('file:///etc/passwd', base, async () => {}),
      (err) => err instanceof KnowledgeError && err.code === 'invalid_file_url',
    );
  });

  test('max_pages stops the crawl; what was left is listed', () =>
    withSite(tree, async (site) => {
      const r = await crawl(site, { depth: 3, maxPages: 2 });
      assert.deepEqual(r.paths, ['/', '/a']);
      assert.equal(r.pages, 2);
      assert.deepEqual(pageHits(site), ['/', '/a']);
      assert.deepEqual(r.skipped, [{ url: `${site.origin}/b`, reason: 'max_pages (2) reached' }]);
    }));

  test('a page with thousands of links cannot grow the queue without bound', () => {
    const many = Array.from({ length: 5_000 }, (_, i) => `/p${i}`);
    return withSite({ '/': links(...many), '/p0': html('0') }, async (site) => {
      const r = await crawl(site, { maxPages: 2 });
      assert.deepEqual(r.paths, ['/', '/p0']);
      // 100 queued at most (spares for failing pages); the 99 never fetched are listed, not 4,999.
      assert.equal(r.skipped.length, 99);
      assert.ok(r.skipped.every((s) => s.reason === 'max_pages (2) reached'));
    });
  });

  test('a cycle of links is crawled once per page', () =>
    withSite(
      { '/': links('/x', '/'), '/x': links('/y', '/'), '/y': links('/x', '/', '/?') },
      async (site) => {
        const r = await crawl(site, { depth: 10 });
        assert.deepEqual(r.paths, ['/', '/x', '/y']);
        assert.deepEqual(pageHits(site), ['/', '/x', '/y'], "each page once ('/?' is '/')");
      },
    ));

  test('robots.txt: our group is honoured, disallowed pages are never requested and are listed', () =>
    withSite(
      {
        '/robots.txt': text(
          'User-agent: *\nDisallow: /\n\nUser-agent: personakit\nDisallow: /private\nAllow: /private/ok\n',
        ),
        '/': links('/public', '/private', '/private/ok'),
        '/public': html('p'),
        '/private': html('secret'),
        '/private/ok': html('fine'),
      },
      async (site) => {
        const r = await crawl(site);
        assert.deepEqual(r.paths, ['/', '/public', '/private/ok']);
        assert.ok(!site.hits.includes('/private'), 'the disallowed page was never requested');
        assert.equal(site.hits.filter((h) => h === '/robots.txt').length, 1, 'robots.txt fetched once');
        assert.equal(r.skipped.length, 1);
        assert.equal(r.skipped[0]?.url, `${site.origin}/private`);
        assert.match(
          r.skipped[0]?.reason ?? '',
          /^disallowed by http:\/\/127\.0\.0\.1:\d+\/robots\.txt \(line 5\)$/,
        );
      },
    ));

  test('robots.txt disallowing the start page fails the crawl; a failing robots.txt too; a missing one allows all', async () => {
    await withSite({ '/robots.txt': text('User-agent: *\nDisallow: /\n'), '/': html('x') }, async (site) => {
      await assert.rejects(crawl(site), (err) => {
        assert.ok(err instanceof KnowledgeError);
        assert.equal(err.code, 'website_processing_failed');
        assert.match(err.message, /^document_url: disallowed by .*robots\.txt/);
        return true;
      });
      assert.deepEqual(pageHits(site), []);
    });
    await withSite({ '/robots.txt': text('down', 'text/plain', 503), '/': html('x') }, async (site) => {
      await assert.rejects(
        crawl(site),
        (err) => err instanceof KnowledgeError && /answered HTTP 503/.test(err.message),
      );
      assert.deepEqual(pageHits(site), []);
    });
    await withSite({ '/': links('/a'), '/a': html('a') }, async (site) => {
      const r = await crawl(site);
      assert.deepEqual(r.paths, ['/', '/a'], 'robots.txt 404 = everything allowed');
    });
  });

  test('links to files and non-HTML answers are not crawled; a non-HTML start page is delivered', () =>
    withSite(
      {
        '/': links('/report.pdf', '/data', '/page'),
        '/report.pdf': text('%PDF', 'application/pdf'),
        '/data': text('{"a":1}', 'application/json'),
        '/page': html('p'),
        '/notes': text('plain start', 'text/plain; charset=utf-8'),
      },
      async (site) => {
        const r = await crawl(site);
        assert.deepEqual(r.paths, ['/', '/page']);
        assert.ok(!site.hits.includes('/report.pdf'), 'a file link is not even requested');
        assert.deepEqual(
          r.skipped.map((s) => [new URL(s.url).pathname, s.reason.split(':')[0]]),
          [
            ['/report.pdf', 'not a web page (a file link)'],
            ['/data', 'not an HTML page (application/json)'],
          ],
        );
        const plain = await crawl(site, {}, '/notes');
        assert.deepEqual(plain.paths, ['/notes']);
        assert.equal(plain.delivered[0]?.page.contentType, 'text/plain; charset=utf-8');
      },
    ));

  test('redirects: within the site followed; to a private address or off-site refused; the start may move', () =>
    withSite(
      {
        '/': links('/old', '/meta', '/away', '/back'),
        '/old': redirect('/new', 301),
        '/new': html('new'),
        '/meta': redirect('http://169.254.169.254/latest/meta-data/'),
        '/away': redirect('http://localhost:1/'),
        '/back': redirect('/'),
        '/start': redirect('/'),
      },
      async (site) => {
        const r = await crawl(site);
        assert.deepEqual(r.paths, ['/', '/new']);
        const reasons = Object.fromEntries(r.skipped.map((s) => [new URL(s.url).pathname, s.reason]));
        assert.match(
          reasons['/meta'] ?? '',
          /redirected to http:\/\/169\.254\.169\.254\/.*private or reserved address/,
        );
        assert.match(reasons['/away'] ?? '', /^redirects off-site to http:\/\/localhost:1\//);
        assert.match(reasons['/back'] ?? '', /already crawled/);
        const moved = await crawl(site, { depth: 0 }, '/start');
        assert.deepEqual(moved.paths, ['/']);
      },
    ));

  test('a start URL on a private address, or redirecting to one, fails the crawl with invalid_file_url', () =>
    withSite({ '/': html('x'), '/evil': redirect('http://10.0.0.1/') }, async (site) => {
      await assert.rejects(
        crawlSite(`${site.origin}/`, { ...base, allowedHosts: [] }, async () => {}),
        (err) =>
          err instanceof KnowledgeError &&
          err.code === 'invalid_file_url' &&
          /private or reserved/.test(err.message),
      );
      assert.deepEqual(site.hits, [], 'not even robots.txt was requested');
      await assert.rejects(
        crawl(site, {}, '/evil'),
        (err) =>
          err instanceof KnowledgeError &&
          err.code === 'invalid_file_url' &&
          /\(10\.0\.0\.1\)/.test(err.message),
      );
    }));

  test('a page that never answers is skipped after the timeout; the crawl goes on', () =>
    withSite({ '/': links('/hang', '/ok'), '/hang': () => {}, '/ok': html('ok') }, async (site) => {
      const r = await crawl(site, { timeoutMs: 300 });
      assert.deepEqual(r.paths, ['/', '/ok']);
      assert.match(r.skipped[0]?.reason ?? '', /did not answer within 300 ms/);
    }));

  test('one request at a time per host, even across concurrent crawls of the same site', () => {
    const slow: Route = (_req, res) => setTimeout(() => html('slow')(_req, res), 30);
    const routes: Record<string, Route> = { '/': links('/1', '/2', '/3', '/4') };
    for (const p of ['/1', '/2', '/3', '/4']) routes[p] = slow;
    return withSite(routes, async (site) => {
      const [a, b] = await Promise.all([crawl(site), crawl(site)]);
      assert.equal(a.paths.length, 5);
      assert.equal(b.paths.length, 5);
      assert.equal(site.maxInFlight, 1, 'never two requests in flight to the host');
      for (let i = 0; i < 50 && hostsInTurn() > 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(hostsInTurn(), 0, 'no turn left behind');
    });
  });

  test('politeness: delayMs and a robots.txt Crawl-delay space the requests; the last pause is not waited for', async () => {
    const gaps = (site: LocalSite) => site.times.slice(1).map((t, i) => t - (site.times[i] ?? 0));
    await withSite({ '/': links('/1', '/2'), '/1': html('1'), '/2': html('2') }, async (site) => {
      await crawl(site, { delayMs: 150 });
      // robots.txt and the start page share the first turn; every later request waits out the pause.
      const later = gaps(site).slice(1);
      assert.equal(later.length, 2);
      for (const gap of later) assert.ok(gap >= 140, `gap ${gap} ms`);
    });
    await withSite(
      { '/robots.txt': text('User-agent: *\nCrawl-delay: 0.2\n'), '/': links('/1'), '/1': html('1') },
      async (site) => {
        await crawl(site);
        const last = gaps(site).at(-1) ?? 0;
        assert.ok(last >= 190, `Crawl-delay 0.2 s honoured: gap ${last} ms`);
      },
    );
    await withSite({ '/': html('only page') }, async (site) => {
      const started = performance.now();
      await crawl(site, { delayMs: 20_000 });
      // Generous: the crawl returns as soon as its last page is delivered, far before the 20 s pause.
      assert.ok(performance.now() - started < 10_000);
    });
  });

  test("the caller's abort stops the crawl with its reason", () =>
    withSite({ '/': links('/1', '/2'), '/1': html('1'), '/2': html('2') }, async (site) => {
      const controller = new AbortController();
      const reason = new Error('document deleted');
      await assert.rejects(
        crawlSite(`${site.origin}/`, { ...base, signal: controller.signal }, async () =>
          controller.abort(reason),
        ),
        (err) => err === reason,
      );
      assert.ok(pageHits(site).length <= 1, `fetched ${pageHits(site).join(',')} after the abort`);
    }));
});
