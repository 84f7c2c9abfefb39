import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Services } from '../core/context.ts';
import { AppError } from '../core/errors.ts';
import { requireScope } from '../core/scopes.ts';
import type { AppEnv } from './env.ts';
import type { OperationLookup } from './operation-lookup.ts';
import { header } from './request-context.ts';
import { RequestCtx } from './request-ctx.ts';
import { anyKeyOperations, meteredOperations, operationScopes } from './scopes.ts';
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
 * The request's core context for the key its headers carry: unauthorized without a valid key, forbidden
 * without the scope its operation needs (src/http/scopes.ts), rate limited past the key's limit or daily
 * budget. Both transports (the Hono middleware below, the native fast path) call it. `operationId` is
 * undefined only when no route matched (the answer is then a 404 or 405).
 */
export async function authorize(
  services: Services,
  header: (name: string) => string | undefined,
  reqId: string,
  operationId: string | undefined,
): Promise<RequestCtx> {
  const principal = await services.keys.authenticate(readKey(header));
  if (!principal) throw new AppError('unauthorized', 'Missing or invalid API key');
  if (operationId !== undefined && !anyKeyOperations.has(operationId)) {
    const scope = operationScopes[operationId];
    // Fail closed: an operation nobody gave a scope is open only to keys that hold every scope.
    if (scope) requireScope(principal, scope, operationId);
    else if (principal.scopes !== null || principal.accountId === '')
      throw new AppError(
        'forbidden',
        `${operationId} has no scope assigned; only full-access keys may call it`,
      );
  }
  await services.limiter.consume(principal.keyId);
  if (principal.budget && operationId !== undefined && meteredOperations.has(operationId))
    await services.budgets.check(principal);
  return new RequestCtx(services, principal, reqId);
}

/** Resolves the caller's account and puts the request's core context on `c.get('ctx')`. */
export function authenticate(services: Services, operations: OperationLookup): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    try {
      c.set(
        'ctx',
        await authorize(services, (n) => header(c, n), c.get('requestId'), operationOf(c, operations)),
      );
    } catch (err) {
      // Refused before its body was read: the connection closes after the answer (unread-body.ts).
      closeIfBodyUnreadHono(c);
      throw err;
    }
    await next();
  };
}

/** The operation the router matched: its last handler that is a route (middleware is method ALL). */
function operationOf(c: Parameters<MiddlewareHandler<AppEnv>>[0], operations: OperationLookup) {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const r = routes[i];
    if (r && r.method !== 'ALL') return operations(r.method, r.path);
  }
  return undefined;
}
