import { KnowledgeError } from '../extract/types.ts';
import { FetchSession, FetchStop, guardedGet, withoutField } from './guarded-get.ts';
import { inTurn } from './host-turns.ts';
import { extractLinks, isHtml, looksLikeFile, mediaType, normaliseUrl } from './links.ts';
import { RobotsCache } from './robots.ts';
import type { CrawlOptions, CrawlResult, FetchedPage } from './types.ts';

/** A robots.txt Crawl-delay is honoured up to this; a longer one would stall a 100-page crawl for hours. */
export const MAX_CRAWL_DELAY_MS = 5_000;
/** `skipped` is a report, not a log: it stops growing here. */
const MAX_SKIPPED = 500;
/**
 * URLs waiting at most, per page still to fetch: enough spares for pages that fail or are skipped, while
 * a hostile page with a million links cannot grow the queue (and the seen set) without bound.
 */
const PENDING_PER_PAGE = 4;

interface Queued {
  url: URL;
  depth: number;
}

/**
 * Breadth-first crawl from `startUrl`: the start page at depth 0, the pages it links to at depth 1, and
 * so on to `depth`, at most `maxPages` pages delivered to `onPage` in crawl order. Same site only (the
 * start URL's scheme, host and port, "www." ignored; the site the start page redirected to counts too),
 * pages only (HTML; links to files are not followed), robots.txt honoured, one request at a time per
 * host. Every request goes through the guarded fetch. The start page failing fails the crawl (its
 * KnowledgeError); any later page failing is listed in `skipped` and the crawl goes on.
 */
export async function crawlSite(
  startUrl: string,
  opts: CrawlOptions,
  onPage: (page: FetchedPage, depth: number) => Promise<void>,
): Promise<CrawlResult> {
  const session = new FetchSession();
  const robots = new RobotsCache(opts, session);
  const skipped: CrawlResult['skipped'] = [];
  const skip = (url: string, reason: string) => {
    if (skipped.length < MAX_SKIPPED) skipped.push({ url, reason });
  };
  /** Site keys (see siteKey) the crawl stays on, and every URL queued or fetched (normalised). */
  const site = new Set<string>();
  const seen = new Set<string>();
  try {
    // The user's own URL may be long; only discovered links are held to the length bound.
    const start = normaliseUrl(startUrl, undefined, Number.POSITIVE_INFINITY);
    if (!start) {
      throw new KnowledgeError(
        'invalid_file_url',
        'document_url: must be an http or https URL without credentials',
      );
    }
    site.add(siteKey(start));
    seen.add(start.href);
    const queue: Queued[] = [{ url: start, depth: 0 }];
    let pages = 0;
    let next = 0;
    for (; next < queue.length && pages < opts.maxPages; next++) {
      const item = queue[next] as Queued;
      const isStart = item.depth === 0;
      let page: FetchedPage;
      try {
        page = await fetchPage(item, isStart);
      } catch (err) {
        if (err instanceof FetchStop) {
          if (isStart) throw new KnowledgeError('website_processing_failed', `document_url: ${err.message}`);
          skip(item.url.href, err.message);
          continue;
        }
        if (isStart || !(err instanceof KnowledgeError)) throw err;
        skip(item.url.href, withoutField(err.message));
        continue;
      }
      const final = new URL(page.finalUrl);
      if (isStart) site.add(siteKey(final));
      seen.add(final.href);
      pages++;
      await onPage(page, item.depth);
      // Links are only worth finding while pages may still be fetched from them.
      if (item.depth >= opts.depth || pages >= opts.maxPages || !isHtml(page.contentType)) continue;
      const maxPending = Math.max(100, (opts.maxPages - pages) * PENDING_PER_PAGE);
      for (const link of await extractLinks(page.bytes, page.contentType, page.finalUrl)) {
        if (queue.length - next - 1 >= maxPending) break;
        if (seen.has(link.href) || !site.has(siteKey(link))) continue;
        seen.add(link.href);
        if (looksLikeFile(link)) {
          skip(
            link.href,
            'not a web page (a file link): a crawl collects pages; add files as their own documents',
          );
          continue;
        }
        queue.push({ url: link, depth: item.depth + 1 });
      }
    }
    for (; next < queue.length; next++) {
      skip((queue[next] as Queued).url.href, `max_pages (${opts.maxPages}) reached`);
    }
    return { pages, skipped };
  } finally {
    await session.close();
  }

  async function fetchPage(item: Queued, isStart: boolean): Promise<FetchedPage> {
    let delayMs = opts.delayMs ?? 0;
    return inTurn(
      item.url.host,
      opts.signal,
      async () => {
        const rules = await robots.rulesFor(item.url);
        if (isStart && rules.failure) throw rules.failure;
        delayMs = Math.max(delayMs, Math.min(rules.crawlDelayMs, MAX_CRAWL_DELAY_MS));
        const verdict = rules.allows(item.url);
        if (!verdict.allowed) throw new FetchStop(verdict.reason);
        return guardedGet(item.url.href, opts, session, {
          beforeRedirect(nextUrl) {
            // The start URL may redirect anywhere the guard allows (the user named it); a later page
            // may not leave the site, nor go where this origin's robots.txt excludes us.
            if (isStart) return;
            if (!site.has(siteKey(nextUrl))) throw new FetchStop(`redirects off-site to ${nextUrl.href}`);
            const there = nextUrl.origin === item.url.origin ? rules.allows(nextUrl) : undefined;
            if (there && !there.allowed) throw new FetchStop(`redirects to ${nextUrl.href}, ${there.reason}`);
          },
          beforeBody(_status, contentType, finalUrl) {
            if (!isStart && !isHtml(contentType)) {
              throw new FetchStop(
                `not an HTML page (${mediaType(contentType) || 'no content type'}): a crawl collects pages`,
              );
            }
            if (!isStart && finalUrl.href !== item.url.href && seen.has(finalUrl.href)) {
              throw new FetchStop(`redirects to ${finalUrl.href}, already crawled`);
            }
          },
        });
      },
      () => delayMs,
      opts.hostLock,
    );
  }
}

/** The unit of "same site": scheme, host without a leading "www.", and port. */
function siteKey(url: URL): string {
  const host = url.hostname.startsWith('www.') ? url.hostname.slice(4) : url.hostname;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.protocol}//${host}:${port}`;
}
