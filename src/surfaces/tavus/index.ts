import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { Services } from '../../core/context.ts';
import { authenticate } from '../../http/auth.ts';
import type { AppEnv } from '../../http/env.ts';
import { idempotency } from '../../http/idempotency.ts';
import { jsonBody } from '../../http/json-body.ts';
import { boundaryOf } from '../../http/multipart.ts';
import { surfaceOperations } from '../../http/operation-lookup.ts';
import { incomingOf } from '../../http/request-context.ts';
import * as convEvents from './conversations-events.ts';
import * as convRest from './conversations-rest.ts';
import * as docContent from './documents-content.ts';
import * as docCreate from './documents-create.ts';
import * as docDelete from './documents-delete.ts';
import * as docGet from './documents-get.ts';
import * as docList from './documents-list.ts';
import * as docPatch from './documents-patch.ts';
import * as docRecrawl from './documents-recrawl.ts';
import { tavusError, tavusValidationHook } from './errors.ts';
import * as knowledgeSearch from './knowledge-search.ts';
import * as memoriesDelete from './memories-delete.ts';
import * as create from './personas-create.ts';
import * as del from './personas-delete.ts';
import * as get from './personas-get.ts';
import * as list from './personas-list.ts';
import * as patch from './personas-patch.ts';

/** Route modules of the /v2 surface; later capabilities (documents, conversations) add theirs here. */
export const routeModules = [
  create,
  list,
  get,
  patch,
  del,
  docCreate,
  docList,
  docGet,
  docPatch,
  docDelete,
  docRecrawl,
  docContent,
  knowledgeSearch,
  convRest,
  convEvents,
  memoriesDelete,
];

/** The Tavus-compatible surface, mounted at /v2. */
export function tavusSurface(services: Services) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: tavusValidationHook });
  app.use(
    '*',
    authenticate(services, surfaceOperations(app, '/v2')),
    unlessUpload(unlessBodiless(jsonBody())),
    unlessUpload(idempotency()),
  );
  for (const m of routeModules) m.register(app);
  return { prefix: '/v2', app, errorMapper: tavusError };
}

/**
 * A multipart upload to POST /v2/documents is streamed to the store by its handler: the JSON guard (1 MiB,
 * JSON only) and the idempotency fingerprint (which reads the whole body) must not touch it.
 */
function unlessUpload(mw: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> {
  return (c, next) => {
    if (
      c.req.method === 'POST' &&
      c.req.path === '/v2/documents' &&
      boundaryOf(c.req.header('content-type'))
    ) {
      return next();
    }
    return mw(c, next);
  };
}

/** POST /v2/documents/{id}/recrawl and /v2/conversations/{id}/end take no body: none at all is not a 415. */
function unlessBodiless(mw: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> {
  return (c, next) => {
    if (
      c.req.method === 'POST' &&
      ((c.req.path.endsWith('/recrawl') && c.req.path.startsWith('/v2/documents/')) ||
        (c.req.path.endsWith('/end') && c.req.path.startsWith('/v2/conversations/')))
    ) {
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
