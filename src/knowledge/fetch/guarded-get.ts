import type { Readable } from 'node:stream';
import type { Client } from 'undici';
import { AppError } from '../../core/errors.ts';
import { loadUndici } from '../../net/lazy-pool.ts';
import { pinnedLookup, type ResolvedUrl, resolveOutboundUrl } from '../../net/outbound-url.ts';
import { KnowledgeError } from '../extract/types.ts';
import { discard, formatBytes, readBounded } from './bounded-body.ts';
import type { FetchedPage, FetchOptions } from './types.ts';

export const DEFAULT_USER_AGENT = 'personakit/0.1 (+knowledge ingestion; robots.txt honoured)';
export const DEFAULT_MAX_REDIRECTS = 5;
/** The request field users know the URL by: error messages name it. */
const FIELD = 'document_url';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const ENCODINGS = new Set(['gzip', 'x-gzip', 'deflate', 'br']);

/** Thrown by a hook to end a fetch with a reason of the caller's own (passed through untouched). */
export class FetchStop extends Error {}

/** What a caller (the crawler) may decide along the way; a FetchStop from a hook ends the fetch. */
export interface FetchHooks {
  /** Before each redirect hop is requested (after the guard accepted it). */
  beforeRedirect?(next: URL): void;
  /** Once the final answer's headers are in, before its body is read (e.g. "HTML only"). */
  beforeBody?(status: number, contentType: string | undefined, finalUrl: URL): void;
  /** Statuses delivered instead of refused (robots.txt reads its 4xx/5xx). */
  acceptStatus?(status: number): boolean;
  /** Keep the first maxBytes instead of refusing a longer body. */
  truncate?: boolean;
}

/**
 * Connections of one fetch or one crawl, keyed by origin and the validated address they are pinned to:
 * a crawl reuses its keep-alive connection page after page; everything is closed at the end.
 */
export class FetchSession {
  readonly #clients = new Map<string, Client>();

  async clientFor(resolved: ResolvedUrl, timeoutMs: number): Promise<Client> {
    const key = `${resolved.url.origin}|${resolved.address}`;
    let client = this.#clients.get(key);
    if (!client) {
      const { Client } = await loadUndici();
      client = new Client(resolved.url.origin, {
        connect: { lookup: pinnedLookup(resolved), timeout: timeoutMs },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      this.#clients.set(key, client);
    }
    return client;
  }

  async close(): Promise<void> {
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(clients.map((c) => c.destroy().catch(() => {})));
  }
}

/**
 * GET through the outbound-URL guard, hop by hop: each URL (the first and every Location) is parsed,
 * checked (http(s), no credentials, no private address unless allow-listed) and connected to at exactly
 * the address that was checked, so neither a redirect nor a DNS answer that changes can lead the request
 * into the internal network. Redirects are never followed by undici; at most `maxRedirects`. One
 * deadline covers the whole fetch (DNS, connect, headers and body of every hop).
 */
export async function guardedGet(
  url: string,
  opts: FetchOptions,
  session: FetchSession,
  hooks: FetchHooks = {},
): Promise<FetchedPage> {
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
  const maxRedirects = opts.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  let current = url;
  try {
    for (let hop = 0; ; hop++) {
      const resolved = await untilAborted(guard(current, url, hop, opts), signal);
      if (hop > 0) hooks.beforeRedirect?.(resolved.url);
      const client = await session.clientFor(resolved, opts.timeoutMs);
      const res = await client.request({
        method: 'GET',
        path: `${resolved.url.pathname}${resolved.url.search}`,
        headers: {
          'user-agent': opts.userAgent ?? DEFAULT_USER_AGENT,
          accept: 'text/html,application/xhtml+xml,application/pdf,text/*;q=0.9,*/*;q=0.8',
          'accept-encoding': 'identity',
        },
        signal,
      });
      const body = res.body as unknown as Readable;
      try {
        const location = header(res.headers, 'location');
        if (REDIRECTS.has(res.statusCode) && location !== undefined) {
          if (hop >= maxRedirects) {
            throw new KnowledgeError(
              'invalid_file_url',
              `${FIELD}: more than ${maxRedirects} redirects (last to ${safeUrl(location, resolved.url)})`,
            );
          }
          current = redirectTarget(location, resolved.url);
          continue;
        }
        if ((res.statusCode < 200 || res.statusCode > 299) && !hooks.acceptStatus?.(res.statusCode)) {
          throw new KnowledgeError(
            'invalid_file_url',
            `${FIELD}: ${resolved.url.href} answered HTTP ${res.statusCode}${res.statusCode >= 500 ? ' (server error)' : ''}`,
          );
        }
        const contentType = header(res.headers, 'content-type');
        hooks.beforeBody?.(res.statusCode, contentType, resolved.url);
        const encoding = contentEncoding(res.headers);
        if (encoding !== undefined && !ENCODINGS.has(encoding)) {
          throw new KnowledgeError(
            'website_processing_failed',
            `${FIELD}: ${resolved.url.href} sent an unsupported content-encoding "${encoding.slice(0, 40)}"`,
          );
        }
        const declared = Number(header(res.headers, 'content-length'));
        if (!hooks.truncate && encoding === undefined && declared > opts.maxBytes) {
          throw new KnowledgeError(
            'file_size_too_large',
            `${FIELD}: ${resolved.url.href} is ${declared} bytes, more than the ${formatBytes(opts.maxBytes)} limit`,
          );
        }
        const bytes = await readBounded(
          body,
          encoding,
          opts.maxBytes,
          `${FIELD}: ${resolved.url.href}`,
          hooks.truncate,
          Number.isFinite(declared) ? declared : undefined,
        );
        const page: FetchedPage = { url, finalUrl: resolved.url.href, bytes, status: res.statusCode };
        if (contentType !== undefined) page.contentType = contentType;
        return page;
      } finally {
        // Redirect and error bodies are not read: closing the stream stops them (readBounded closed its own).
        discard(body);
      }
    }
  } catch (err) {
    throw translate(err, current, opts, deadline);
  }
}

/** The guard's refusal as the knowledge error users see; a redirect's names where it came from. */
async function guard(current: string, first: string, hop: number, opts: FetchOptions): Promise<ResolvedUrl> {
  try {
    const resolved = await resolveOutboundUrl(current, opts.allowedHosts, FIELD, opts.lookup);
    resolved.url.hash = '';
    return resolved;
  } catch (err) {
    if (err instanceof AppError) {
      const message =
        hop === 0
          ? err.message
          : `${FIELD} ${safeUrl(first)} redirected to ${safeUrl(current)}, refused: ${withoutField(err.message)}`;
      throw new KnowledgeError('invalid_file_url', message);
    }
    throw err;
  }
}

/** The guard's message starts with the field name; inside a sentence that already names it, drop it. */
export function withoutField(message: string): string {
  return message.startsWith(`${FIELD}: `) ? message.slice(FIELD.length + 2) : message;
}

/** DNS has no cancellation of its own: the fetch stops waiting for it when the deadline passes. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function translate(err: unknown, current: string, opts: FetchOptions, deadline: AbortSignal): unknown {
  if (err instanceof KnowledgeError || err instanceof FetchStop) return err;
  // The caller's own cancellation is not a document error: it goes back as the caller's reason.
  if (opts.signal?.aborted) return opts.signal.reason;
  const where = safeUrl(current);
  if (deadline.aborted || isTimeout(err)) {
    return new KnowledgeError(
      'invalid_file_url',
      `${FIELD}: ${where} did not answer within ${opts.timeoutMs} ms (timed out)`,
    );
  }
  const code = (err as { code?: unknown }).code;
  const detail = typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
  return new KnowledgeError('invalid_file_url', `${FIELD}: could not download ${where} (${detail})`);
}

function isTimeout(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    (err instanceof Error && err.name === 'TimeoutError')
  );
}

/** The body's encoding, lower-cased; undefined when it is sent as is ("identity" or no header). */
function contentEncoding(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = header(headers, 'content-encoding')?.trim().toLowerCase();
  return value === undefined || value === '' || value === 'identity' ? undefined : value;
}

function redirectTarget(location: string, from: URL): string {
  try {
    return new URL(location, from).href;
  } catch {
    throw new KnowledgeError(
      'invalid_file_url',
      `${FIELD}: ${from.href} redirected to an invalid Location "${location.slice(0, 200)}"`,
    );
  }
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** A URL for a message: resolved, at most 300 characters, and never with credentials. */
function safeUrl(raw: string, base?: URL): string {
  try {
    const u = new URL(raw, base);
    u.username = '';
    u.password = '';
    return u.href.slice(0, 300);
  } catch {
    return raw.slice(0, 300);
  }
}
