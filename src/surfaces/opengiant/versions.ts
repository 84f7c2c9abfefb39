import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../http/env.ts';
import { incomingOf } from '../../http/request-context.ts';
import * as diff from './versions-diff.ts';
import * as get from './versions-get.ts';
import * as list from './versions-list.ts';
import * as restore from './versions-restore.ts';

/** The /v1/personas/{id}/versions routes (docs/versions.md). */
export const versionRouteModules = [list, get, diff, restore];

const restorePath = /^\/v1\/personas\/[^/]+\/versions\/[^/]+\/restore$/;

/**
 * POST …/versions/{n}/restore takes no body: a request without one (curl -X POST) skips the JSON guard
 * instead of being a 415. A request that does carry a body is still guarded (and the body ignored).
 */
export function unlessBodilessRestore(mw: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> {
  return (c, next) => {
    if (c.req.method === 'POST' && restorePath.test(c.req.path)) {
      const length = c.req.header('content-length');
      const chunked = c.req.header('transfer-encoding') !== undefined;
      // Over a socket, HTTP/1.1 has a body only with content-length or transfer-encoding; an in-process
      // request (tests) carries no content-length, so there the Request itself says.
      const none = incomingOf(c)
        ? length === undefined || length === '0'
        : length === '0' || c.req.raw.body === null;
      if (!chunked && none) return next();
    }
    return mw(c, next);
  };
}
