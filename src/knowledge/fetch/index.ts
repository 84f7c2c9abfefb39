import { FetchSession, guardedGet } from './guarded-get.ts';
import type { FetchedPage, FetchOptions } from './types.ts';

/**
 * Guarded downloads and a polite crawler for knowledge documents. Nothing here decodes or parses the
 * content beyond finding links: bytes go to the extractor as sent.
 */
export { crawlSite } from './crawl.ts';
export { DEFAULT_USER_AGENT } from './guarded-get.ts';
export type { CrawlOptions, CrawlResult, FetchedPage, FetchOptions, HostLock, HostTurn } from './types.ts';

/**
 * Downloads one URL: every hop through the outbound-URL guard and pinned to the address it checked,
 * redirects followed by hand (at most 5), at most `maxBytes` read, one deadline for the whole fetch.
 * Throws KnowledgeError: invalid_file_url (refused, unreachable, timed out, 4xx/5xx, too many redirects),
 * file_size_too_large; the caller's abort rejects with the caller's reason.
 */
export async function fetchUrl(url: string, opts: FetchOptions): Promise<FetchedPage> {
  const session = new FetchSession();
  try {
    return await guardedGet(url, opts, session);
  } finally {
    await session.close();
  }
}
