import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { Services } from '../../core/context.ts';
import { authenticate } from '../../http/auth.ts';
import type { AppEnv } from '../../http/env.ts';
import { idempotency } from '../../http/idempotency.ts';
import { jsonBody } from '../../http/json-body.ts';
import { surfaceOperations } from '../../http/operation-lookup.ts';
import { validationHook } from '../../http/validation.ts';
import { adminRouteModules } from '../admin/index.ts';
import * as check from './check.ts';
import { openGiantError } from './errors.ts';
import * as catalog from './personas-catalog.ts';
import * as create from './personas-create.ts';
import * as del from './personas-delete.ts';
import * as cardExport from './personas-export.ts';
import * as get from './personas-get.ts';
import * as cardImport from './personas-import.ts';
import * as list from './personas-list.ts';
import * as update from './personas-update.ts';
import * as refine from './refine.ts';
import { unlessBodilessRestore, versionRouteModules } from './versions.ts';

/** Route modules of the /v1 surface; later capabilities (refine) add theirs here. */
export const routeModules = [
  create,
  list,
  get,
  update,
  del,
  refine,
  check,
  ...versionRouteModules,
  ...adminRouteModules,
  cardImport,
  cardExport,
  catalog,
];

/** The OpenGiant-compatible surface, mounted at /v1. */
export function openGiantSurface(services: Services) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use(
    '*',
    authenticate(services, surfaceOperations(app, '/v1')),
    unlessCardImport(unlessBodilessRestore(jsonBody())),
    unlessCardImport(idempotency()),
  );
  for (const m of routeModules) m.register(app);
  return { prefix: '/v1', app, errorMapper: openGiantError };
}

/**
 * POST /v1/personas/import reads its own body (a PNG, a CHARX or a card JSON of up to 32 MiB, multipart or
 * not): the JSON guard (1 MiB, JSON only) and the idempotency fingerprint must not read it first.
 */
function unlessCardImport(mw: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> {
  return (c, next) =>
    c.req.method === 'POST' && c.req.path === '/v1/personas/import' ? next() : mw(c, next);
}

/** The hot routes, also served on the native fast path (src/http/native.ts). */
export const openGiantNativeRoutes = [get.native, create.native, refine.native, check.native];
