import robotsParserModule from 'robots-parser';
import { KnowledgeError } from '../extract/types.ts';
import { type FetchSession, guardedGet } from './guarded-get.ts';
import type { FetchOptions } from './types.ts';

/** RFC 9309: a crawler must read at least the first 500 KiB of a robots.txt; the rest is ignored. */
const MAX_ROBOTS_BYTES = 512 * 1024;
/** The robots.txt product token we answer to (RFC 9309 matches it case-insensitively). */
export const ROBOTS_AGENT = 'personakit';

type Parse = (
  url: string,
  contents: string,
) => {
  isDisallowed(url: string, ua?: string): boolean | undefined;
  getMatchingLineNumber(url: string, ua?: string): number;
  getCrawlDelay(ua?: string): number | undefined;
};
/** robots-parser is CommonJS (`module.exports = fn`) but typed as an ES default export: take either. */
const robotsParser: Parse =
  (robotsParserModule as unknown as { default?: Parse }).default ?? (robotsParserModule as unknown as Parse);

export type RobotsVerdict = { allowed: true } | { allowed: false; reason: string };

interface Rules {
  allows(url: URL): RobotsVerdict;
  crawlDelayMs: number;
  /** Set when the file could not be read: nothing on that origin may be crawled (RFC 9309 §2.3.1.4). */
  failure?: KnowledgeError;
}

/**
 * robots.txt per origin, fetched once per crawl through the same guard as the pages. Per RFC 9309: a
 * 4xx (missing) file allows everything; a 5xx or an unreachable file disallows everything; otherwise
 * the group for "personakit" (else "*") decides, longest match first, Allow winning ties.
 */
export class RobotsCache {
  readonly #byOrigin = new Map<string, Promise<Rules>>();
  readonly #opts: FetchOptions;
  readonly #session: FetchSession;

  constructor(opts: FetchOptions, session: FetchSession) {
    this.#opts = opts;
    this.#session = session;
  }

  rulesFor(url: URL): Promise<Rules> {
    let rules = this.#byOrigin.get(url.origin);
    if (!rules) {
      rules = this.#load(url.origin);
      this.#byOrigin.set(url.origin, rules);
    }
    return rules;
  }

  async #load(origin: string): Promise<Rules> {
    const robotsUrl = `${origin}/robots.txt`;
    let page: Awaited<ReturnType<typeof guardedGet>>;
    try {
      page = await guardedGet(robotsUrl, { ...this.#opts, maxBytes: MAX_ROBOTS_BYTES }, this.#session, {
        acceptStatus: (status) => status >= 400,
        truncate: true,
      });
    } catch (err) {
      if (this.#opts.signal?.aborted) throw err;
      const failure =
        err instanceof KnowledgeError
          ? err
          : new KnowledgeError('website_processing_failed', `${robotsUrl} could not be read`);
      return denyAll(`${robotsUrl} could not be read (${failure.message})`, failure);
    }
    if (page.status >= 500) {
      const reason = `${robotsUrl} answered HTTP ${page.status}: a site whose robots.txt fails is not crawled`;
      return denyAll(reason, new KnowledgeError('website_processing_failed', reason));
    }
    if (page.status >= 400) return { allows: () => ({ allowed: true }), crawlDelayMs: 0 };
    const robots = robotsParser(robotsUrl, new TextDecoder('utf-8').decode(page.bytes));
    const delay = robots.getCrawlDelay(ROBOTS_AGENT);
    return {
      allows: (url) =>
        robots.isDisallowed(url.href, ROBOTS_AGENT) === true
          ? {
              allowed: false,
              reason: `disallowed by ${robotsUrl} (line ${robots.getMatchingLineNumber(url.href, ROBOTS_AGENT)})`,
            }
          : { allowed: true },
      crawlDelayMs: typeof delay === 'number' && Number.isFinite(delay) && delay > 0 ? delay * 1000 : 0,
    };
  }
}

function denyAll(reason: string, failure: KnowledgeError): Rules {
  return { allows: () => ({ allowed: false, reason }), crawlDelayMs: 0, failure };
}
