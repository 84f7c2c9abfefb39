// STAND-IN: replaced by the k-crawl branch

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent, type Dispatcher, request } from 'undici';
import { type AllowList, isPrivateAddress, pinnedLookup } from '../../net/outbound-url.ts';
import { KnowledgeError } from '../extract/types.ts';

export interface FetchedPage {
  url: string;
  finalUrl: string;
  bytes: Uint8Array;
  contentType?: string;
  status: number;
}
export interface FetchOptions {
  allowedHosts: AllowList;
  maxBytes: number;
  timeoutMs: number;
  signal?: AbortSignal;
  userAgent?: string;
  maxRedirects?: number;
}

async function guard(raw: string, allowed: AllowList): Promise<{ address: string; family: 4 | 6 }> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new KnowledgeError('invalid_file_url', `Not a valid URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new KnowledgeError('invalid_file_url', 'Not http(s)');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addrs = isIP(host)
    ? [{ address: host, family: isIP(host) }]
    : await lookup(host, { all: true }).catch(() => []);
  const first = addrs[0];
  if (!first) throw new KnowledgeError('invalid_file_url', `Host ${host} does not resolve`);
  for (const a of addrs) {
    const type = a.family === 6 ? 'ipv6' : 'ipv4';
    if (
      isPrivateAddress(a.address) &&
      !allowed.hosts.has(host) &&
      !allowed.addresses.check(a.address, type)
    ) {
      throw new KnowledgeError(
        'invalid_file_url',
        `Host ${host} resolves to a private address (${a.address})`,
      );
    }
  }
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

export async function fetchUrl(url: string, opts: FetchOptions): Promise<FetchedPage> {
  const target = await guard(url, opts.allowedHosts);
  const dispatcher: Dispatcher = new Agent({ connect: { lookup: pinnedLookup(target) } });
  try {
    const signal = opts.signal
      ? AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)])
      : AbortSignal.timeout(opts.timeoutMs);
    const res = await request(url, { dispatcher, signal, maxRedirections: 0 } as never).catch(
      (err: unknown) => {
        throw new KnowledgeError('invalid_file_url', `Could not fetch ${url}: ${(err as Error).message}`);
      },
    );
    if (res.statusCode >= 400) {
      await res.body.dump();
      throw new KnowledgeError('invalid_file_url', `Fetching ${url} answered HTTP ${res.statusCode}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > opts.maxBytes) {
        res.body.destroy();
        throw new KnowledgeError('file_size_too_large', `The file is larger than ${opts.maxBytes} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    const type = res.headers['content-type'];
    return {
      url,
      finalUrl: url,
      bytes: Buffer.concat(chunks),
      ...(typeof type === 'string' ? { contentType: type } : {}),
      status: res.statusCode,
    };
  } finally {
    await dispatcher.close();
  }
}

export interface CrawlOptions extends FetchOptions {
  depth: number;
  maxPages: number;
}

/** Stand-in: fetches the start page only. */
export async function crawlSite(
  startUrl: string,
  opts: CrawlOptions,
  onPage: (page: FetchedPage, depth: number) => Promise<void>,
): Promise<{ pages: number; skipped: { url: string; reason: string }[] }> {
  await onPage(await fetchUrl(startUrl, opts), 0);
  return { pages: 1, skipped: [] };
}
