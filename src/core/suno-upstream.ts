import type { Dispatcher } from 'undici';
import type { Config } from '../config.ts';
import { LazyPool } from '../net/lazy-pool.ts';
import { scrub } from '../providers/upstream-errors.ts';
import { AppError, type ErrorCode } from './errors.ts';

/**
 * The operator's Suno-compatible upstream (a reseller's API or Suno proxy), reached over one keep-alive
 * undici Pool per origin, as the providers are (see design.md: fetch costs ~3x on the hot path). The
 * operator's base URL is trusted configuration. Only the operator's key is ever sent: the caller's
 * personakit key and headers never leave personakit.
 */
export type SunoUpstreamConfig = Pick<
  Config,
  'PERSONAKIT_SUNO_BASE_URL' | 'PERSONAKIT_SUNO_API_KEY' | 'PERSONAKIT_UPSTREAM_TIMEOUT_MS'
>;

export interface UpstreamReply {
  status: number;
  body: unknown;
}

export const NOT_CONFIGURED =
  'No Suno upstream is configured: set PERSONAKIT_SUNO_BASE_URL (the base URL of a Suno-compatible API, ' +
  'e.g. https://api.example.com) and PERSONAKIT_SUNO_API_KEY (its bearer key) on the personakit server';

export const MAX_ANSWER_DEPTH = 64;
/** Suno answers are small JSON (a task, a persona, a few clips); anything past this is not one. */
export const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** The answer's text, refusing (502) past `max` bytes instead of holding whatever the upstream sends. */
async function readCapped(body: Dispatcher.ResponseData['body'], max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      body.destroy();
      throw new AppError('upstream_failed', `The Suno upstream answered more than ${max} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Delay-seconds or an HTTP date: the only retry-after values passed on (anything else could carry text). */
const retryAfterForm = /^(\d{1,10}|[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT)$/;

/** Upstream refusals that are the caller's to fix keep their status; the rest are the operator's (502). */
const passedThrough: Record<number, ErrorCode> = {
  400: 'invalid',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  422: 'unprocessable',
  429: 'rate_limited',
};

export class SunoUpstream {
  readonly #config: SunoUpstreamConfig;
  readonly #pools = new Map<string, LazyPool>();

  constructor(config: SunoUpstreamConfig) {
    this.#config = config;
  }

  get configured(): boolean {
    return this.#config.PERSONAKIT_SUNO_BASE_URL !== undefined;
  }

  /** POSTs JSON to base URL + path; 2xx JSON comes back (without the operator's key), else an AppError. */
  postJson(path: string, body: unknown): Promise<UpstreamReply> {
    return this.#request('POST', path, JSON.stringify(body));
  }

  /** GETs base URL + path (the task-polling route); same answers as postJson. */
  getJson(path: string): Promise<UpstreamReply> {
    return this.#request('GET', path, undefined);
  }

  async #request(method: 'GET' | 'POST', path: string, body: string | undefined): Promise<UpstreamReply> {
    const base = this.#config.PERSONAKIT_SUNO_BASE_URL;
    if (!base) throw new AppError('not_implemented', NOT_CONFIGURED);
    const url = new URL(base.replace(/\/+$/, '') + path);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const key = this.#config.PERSONAKIT_SUNO_API_KEY;
    if (key) headers.authorization = `Bearer ${key}`;
    const ms = this.#config.PERSONAKIT_UPSTREAM_TIMEOUT_MS;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), ms);
    try {
      const res = await this.#pool(url.origin).request({
        method,
        path: url.pathname + url.search,
        headers,
        body,
        signal: controller.signal,
      });
      const text = await readCapped(res.body, MAX_ANSWER_BYTES);
      const retryAfter = res.headers['retry-after'];
      return interpret(
        res.statusCode,
        text,
        typeof retryAfter === 'string' && retryAfterForm.test(retryAfter) ? retryAfter : undefined,
        key ?? '',
      );
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (controller.signal.aborted) {
        throw new AppError('upstream_timeout', `The Suno upstream did not answer within ${ms} ms`);
      }
      throw new AppError('upstream_failed', 'The Suno upstream could not be reached', { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((p) => p.close()));
    this.#pools.clear();
  }

  #pool(origin: string): LazyPool {
    let pool = this.#pools.get(origin);
    if (!pool) {
      pool = new LazyPool(origin, { connections: 32, keepAliveTimeout: 10_000 });
      this.#pools.set(origin, pool);
    }
    return pool;
  }
}

function interpret(status: number, text: string, retryAfter: string | undefined, key: string): UpstreamReply {
  let body: unknown;
  let json = true;
  try {
    body = JSON.parse(text);
  } catch {
    json = false;
  }
  if (status >= 200 && status < 300) {
    if (!json || body === null || typeof body !== 'object') {
      throw new AppError('upstream_failed', `The Suno upstream answered HTTP ${status} without a JSON body`);
    }
    // An upstream may quote the key it was sent anywhere in its answer; the caller must never see it.
    return { status, body: redactKey(body, key) };
  }
  const code = passedThrough[status];
  // Upstreams may quote the key they were sent ("invalid key Bearer …"); the message reaches the caller
  // and the logs, and the operator's key must reach neither (found by the secrets test).
  const said = json ? messageOf(body, key) : undefined;
  const suffix = said ? `: ${said}` : '';
  if (code) {
    throw new AppError(code, `The Suno upstream refused the request (HTTP ${status})${suffix}`, {
      retryAfter: code === 'rate_limited' ? retryAfter : undefined,
    });
  }
  if (status >= 400 && status < 500) {
    // 401/402/403: the operator's key or credits, which the caller cannot fix.
    throw new AppError(
      'upstream_failed',
      `The Suno upstream refused the operator's request (HTTP ${status})${suffix}`,
    );
  }
  throw new AppError('upstream_failed', `The Suno upstream failed (HTTP ${status})`);
}

/** The message of the common reseller error shapes, cleaned, without the operator's key, and bounded. */
function messageOf(body: unknown, key: string): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const o = body as Record<string, unknown>;
  const nested =
    o.error && typeof o.error === 'object' ? (o.error as Record<string, unknown>).message : undefined;
  const found = [o.message, o.msg, o.detail, o.error, nested].find((v) => typeof v === 'string' && v.trim());
  if (typeof found !== 'string') return undefined;
  return scrub(found.replace(/\p{Cc}+/gu, ' '), key);
}

/**
 * A copy of a JSON value with the operator's key (and its first 8 characters, which some APIs echo as a
 * hint) replaced in every string and key. Linear in the answer's size; nesting past MAX_ANSWER_DEPTH is a
 * 502 rather than a stack overflow.
 */
export function redactKey(value: unknown, key: string): unknown {
  if (!key) return value;
  const prefix = key.length >= 12 ? key.slice(0, 8) : undefined;
  const clean = (s: string) => {
    let out = s.includes(key) ? s.split(key).join('[redacted]') : s;
    if (prefix !== undefined && out.includes(prefix)) out = out.split(prefix).join('[redacted]');
    return out;
  };
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return clean(v);
    if (v === null || typeof v !== 'object') return v;
    if (depth > MAX_ANSWER_DEPTH) {
      throw new AppError('upstream_failed', 'The Suno upstream answered JSON nested too deeply');
    }
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      // defineProperty: a "__proto__" key stays data, as JSON.parse made it.
      Object.defineProperty(out, clean(k), {
        value: walk(x, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  };
  return walk(value, 0);
}
