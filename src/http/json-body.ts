import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AppError } from '../core/errors.ts';
import type { AppEnv } from './env.ts';
import { header } from './request-context.ts';

export const MAX_BODY_BYTES = 1024 * 1024;
/**
 * JSON.parse accepts any nesting, but JSON.stringify, zod and structuredClone recurse: 10,000 levels of
 * `[[[…]]]` in a free-form field overflowed the stack (a 500). Real persona documents nest a few levels.
 */
export const MAX_JSON_DEPTH = 64;

const jsonType = /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i;
const withBody = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Guards every JSON route before validation: size (413), media type (415) and well-formed JSON (400), so
 * each surface reports them in its own error shape instead of a validator's generic one.
 */
export function jsonBody(maxBytes = MAX_BODY_BYTES): MiddlewareHandler<AppEnv> {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AppError('payload_too_large', `Request body is larger than ${maxBytes} bytes`);
    },
  });
  return async (c, next) => {
    if (!withBody.has(c.req.method)) return next();
    const type = header(c, 'content-type');
    if (!type || !jsonType.test(type)) {
      throw new AppError('unsupported_media_type', 'Content-Type must be application/json');
    }
    return limit(c, async () => {
      let body: unknown;
      try {
        // Parsed once here; Hono caches it for the route's validator.
        body = await c.req.json();
      } catch (err) {
        if (err instanceof AppError) throw err;
        throw new AppError('invalid', 'Request body is not valid JSON');
      }
      const problem = jsonProblem(body);
      if (problem) throw new AppError('invalid', `Request body ${problem}`);
      await next();
    });
  };
}

/**
 * What makes a parsed body unfit for the store, found in one iterative walk: nesting deeper than
 * MAX_JSON_DEPTH, and strings (values or keys) with NUL or lone surrogates. PostgreSQL text cannot hold
 * NUL (the insert failed: a 500 there, stored as is on SQLite), and a lone surrogate cannot be encoded as
 * UTF-8 (silently stored as U+FFFD, so the persona read back differed from the one acknowledged).
 */
export function jsonProblem(value: unknown): string | undefined {
  const stack: [unknown, number][] = [[value, 0]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [v, depth] = item;
    if (typeof v === 'string') {
      if (!fitString(v)) return 'strings must be well-formed Unicode without NUL characters';
    } else if (typeof v === 'object' && v !== null) {
      if (depth >= MAX_JSON_DEPTH) return `is nested more than ${MAX_JSON_DEPTH} levels deep`;
      if (Array.isArray(v)) {
        for (const x of v) stack.push([x, depth + 1]);
      } else {
        for (const [k, x] of Object.entries(v)) {
          if (!fitString(k)) return 'keys must be well-formed Unicode without NUL characters';
          stack.push([x, depth + 1]);
        }
      }
    }
  }
  return undefined;
}

const fitString = (s: string) => s.isWellFormed() && !s.includes('\0');
