import type { AllowList, Lookup } from '../../net/outbound-url.ts';

/** One downloaded URL: where it was asked for, where it ended after redirects, and its raw bytes. */
export interface FetchedPage {
  url: string;
  finalUrl: string;
  /** The body as sent (decompressed when the server compressed it anyway); charset decoding is the extractor's. */
  bytes: Uint8Array;
  /** The Content-Type header as sent, parameters (charset) included. */
  contentType?: string;
  status: number;
}

export interface FetchOptions {
  /**
   * Private addresses that may be reached anyway: PERSONAKIT_ALLOWED_HOSTS, as config gives it (the string
   * list) or compiled with allowListOf().
   */
  allowedHosts: AllowList | readonly string[];
  /** Largest body read; a longer one is cut off and refused (file_size_too_large). */
  maxBytes: number;
  /** Whole request, every redirect hop included: connect, headers and body. */
  timeoutMs: number;
  /** The caller's cancellation (a job's lease lost, a document deleted): rejects with its reason. */
  signal?: AbortSignal;
  userAgent?: string;
  /** Redirects followed by hand, each re-validated; 5 unless given. */
  maxRedirects?: number;
  /** DNS for the guard; the system resolver unless given (tests pin host names to addresses with it). */
  lookup?: Lookup;
}

export interface CrawlOptions extends FetchOptions {
  /** Link levels below the start page: 1 = the start page plus the pages it links to. */
  depth: number;
  /** Pages delivered at most, the start page included. */
  maxPages: number;
  /**
   * Pause after each request before the next one to the same host (politeness). A robots.txt
   * Crawl-delay for personakit raises it, up to MAX_CRAWL_DELAY_MS.
   */
  delayMs?: number;
  /**
   * Extends "one request at a time per host" past this process: each request also holds the host's
   * turn here (e.g. a lease row in the shared store, src/knowledge/host-leases.ts), so instances sharing
   * a store take turns too. Without it, turns are per process.
   */
  hostLock?: HostLock;
}

/** A host's turn shared with other processes. */
export interface HostLock {
  /** Resolves once this caller holds `host`'s turn; rejects with the signal's reason when aborted. */
  acquire(host: string, signal: AbortSignal | undefined): Promise<HostTurn>;
}

export interface HostTurn {
  /** Gives the turn back; no other holder gets it before `pauseMs` from now (the politeness pause). */
  release(pauseMs: number): Promise<void>;
}

export interface CrawlResult {
  pages: number;
  /** Same-site URLs found but not delivered, and why (robots.txt, not HTML, errors, max_pages); bounded. */
  skipped: { url: string; reason: string }[];
}
