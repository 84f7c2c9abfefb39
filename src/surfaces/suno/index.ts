import { OpenAPIHono } from '@hono/zod-openapi';
import type { Services } from '../../core/context.ts';
import { SunoUpstream } from '../../core/suno-upstream.ts';
import { authenticate } from '../../http/auth.ts';
import type { AppEnv } from '../../http/env.ts';
import { idempotency } from '../../http/idempotency.ts';
import { jsonBody } from '../../http/json-body.ts';
import { surfaceOperations } from '../../http/operation-lookup.ts';
import { validationHook } from '../../http/validation.ts';
import * as registerClip from './clips-register.ts';
import * as trash from './clips-trash.ts';
import * as upload from './clips-upload.ts';
import { sunoError } from './errors.ts';
import * as feed from './feed.ts';
import * as fetchTask from './fetch-task.ts';
import * as generate from './generate.ts';
import * as personaCreate from './persona-create.ts';
import * as personaDelete from './persona-delete.ts';
import * as personaGet from './persona-get.ts';
import * as personasList from './personas-list.ts';

/** Route modules of /suno that need nothing but the app. */
export const routeModules = [registerClip, upload, trash, personaGet, personaDelete, personasList];

/** Route modules that reach the operator's upstream. */
export const upstreamRouteModules = [feed, personaCreate, generate, fetchTask];

/**
 * The Suno-proxy-compatible surface, mounted at /suno: clips, personas made of clips (created upstream
 * too), generation through a persona forwarded to the operator's upstream, and task polling (one pool per
 * origin, made once here and shared by every route that reaches the upstream).
 */
export function sunoSurface(services: Services) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use('*', authenticate(services, surfaceOperations(app, '/suno')), jsonBody(), idempotency());
  for (const m of routeModules) m.register(app);
  const upstream = new SunoUpstream(services.config);
  for (const m of upstreamRouteModules) m.register(app, upstream);
  return { prefix: '/suno', app, errorMapper: sunoError };
}
