import type { MiddlewareHandler } from 'hono';
import type { Services } from '../core/context.ts';
import { AppError } from '../core/errors.ts';
import type { AppEnv } from './env.ts';
import { header } from './request-context.ts';
import { RequestCtx } from './request-ctx.ts';
import { closeIfBodyUnreadHono } from './unread-body.ts';

/** `Authorization: Bearer KEY` or `x-api-key: KEY`, on every surface. */
export function readKey(header: (name: string) => string | undefined): string | undefined {
  const apiKey = header('x-api-key');
  if (apiKey) return apiKey.trim();
  const auth = header('authorization');
  if (auth && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ') return auth.slice(7).trim();
  return undefined;
}

/**
 * The request's core context for the key its headers carry: unauthorized without a valid key, rate
 * limited past the key's limit. Both transports (the Hono middleware below, the native fast path) call it.
 */
export async function authorize(
  services: Services,
  header: (name: string) => string | undefined,
  reqId: string,
): Promise<RequestCtx> {
  const principal = await services.keys.authenticate(readKey(header));
  if (!principal) throw new AppError('unauthorized', 'Missing or invalid API key');
  await services.limiter.consume(principal.keyId);
  return new RequestCtx(services, principal.accountId, principal.keyId, reqId);
}

/** Resolves the caller's account and puts the request's core context on `c.get('ctx')`. */
export function authenticate(services: Services): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    try {
      c.set('ctx', await authorize(services, (n) => header(c, n), c.get('requestId')));
    } catch (err) {
      // Refused before its body was read: the connection closes after the answer (unread-body.ts).
      closeIfBodyUnreadHono(c);
      throw err;
    }
    await next();
  };
}
