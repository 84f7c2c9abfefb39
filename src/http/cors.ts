import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { Config } from '../config.ts';
import type { AppEnv } from './env.ts';

/**
 * CORS for browser clients, off by default (PERSONAKIT_CORS_ORIGINS unset). Keys travel in headers, never
 * cookies, so credentials are not allowed; `*` is then safe to offer. Preflights are answered 204 before
 * authentication (a browser sends them without the key); the answers themselves carry the allow-origin
 * header on both transports (Hono here, the native fast path through nativeCors).
 */

export const CORS_ALLOW_HEADERS = [
  'authorization',
  'x-api-key',
  'content-type',
  'idempotency-key',
  'x-request-id',
  'accept',
];
export const CORS_ALLOW_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
export const CORS_EXPOSE_HEADERS = ['x-request-id', 'retry-after', 'idempotent-replayed', 'allow'];
const MAX_AGE_S = 600;

/**
 * The configured origins, read once: a function from a request's Origin to the allow-origin value, or
 * undefined when it is not allowed.
 */
function originPolicy(allowed: readonly string[]): (origin: string | undefined) => string | undefined {
  if (allowed.includes('*')) return () => '*';
  const origins = new Set(allowed);
  return (origin) => (origin !== undefined && origins.has(origin) ? origin : undefined);
}

/** Hono middleware, or undefined when CORS is off. */
export function corsMiddleware(config: Config): MiddlewareHandler<AppEnv> | undefined {
  const allowed = config.PERSONAKIT_CORS_ORIGINS;
  if (allowed.length === 0) return undefined;
  const allowOrigin = originPolicy(allowed);
  return cors({
    origin: (origin) => allowOrigin(origin) ?? null,
    allowHeaders: CORS_ALLOW_HEADERS,
    allowMethods: CORS_ALLOW_METHODS,
    exposeHeaders: CORS_EXPOSE_HEADERS,
    maxAge: MAX_AGE_S,
  });
}

/** For the native fast path (GET and POST only; preflights go to Hono): headers set before the answer. */
export function nativeCors(
  config: Config,
): ((req: IncomingMessage, res: ServerResponse) => void) | undefined {
  const allowed = config.PERSONAKIT_CORS_ORIGINS;
  if (allowed.length === 0) return undefined;
  const expose = CORS_EXPOSE_HEADERS.join(', ');
  const allowOrigin = originPolicy(allowed);
  return (req, res) => {
    const value = allowOrigin(req.headers.origin);
    if (value === undefined) return;
    res.setHeader('access-control-allow-origin', value);
    res.setHeader('access-control-expose-headers', expose);
    if (value !== '*') res.setHeader('vary', 'Origin');
  };
}
