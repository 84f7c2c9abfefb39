import { OpenAPIHono } from '@hono/zod-openapi';
import type { Services } from '../../core/context.ts';
import { authenticate } from '../../http/auth.ts';
import type { AppEnv } from '../../http/env.ts';
import { idempotency } from '../../http/idempotency.ts';
import { jsonBody } from '../../http/json-body.ts';
import { tavusError, tavusValidationHook } from './errors.ts';
import * as create from './personas-create.ts';
import * as del from './personas-delete.ts';
import * as get from './personas-get.ts';
import * as list from './personas-list.ts';
import * as patch from './personas-patch.ts';

/** Route modules of the /v2 surface; later capabilities (documents, conversations) add theirs here. */
export const routeModules = [create, list, get, patch, del];

/** The Tavus-compatible surface, mounted at /v2. */
export function tavusSurface(services: Services) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: tavusValidationHook });
  app.use('*', authenticate(services), jsonBody(), idempotency());
  for (const m of routeModules) m.register(app);
  return { prefix: '/v2', app, errorMapper: tavusError };
}
