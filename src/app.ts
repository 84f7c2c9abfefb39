import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { registerConsole } from './console/serve.ts';
import type { Services } from './core/context.ts';
import { AppError, toAppError } from './core/errors.ts';
import { corsMiddleware } from './http/cors.ts';
import { registerDocsPage } from './http/docs-page.ts';
import type { AppEnv } from './http/env.ts';
import { type ErrorMapper, sendError } from './http/error-shape.ts';
import { finishOperations } from './http/openapi-operations.ts';
import { header, requestContext, requestLog } from './http/request-context.ts';
import { validationHook } from './http/validation.ts';
import { metricsAnswer } from './observability/metrics-endpoint.ts';
import { errorMapperFor } from './surfaces/error-mappers.ts';
import { openAiSurface } from './surfaces/openai/index.ts';
import { openGiantSurface } from './surfaces/opengiant/index.ts';
import { sunoSurface } from './surfaces/suno/index.ts';
import { registerConversationPage } from './surfaces/tavus/conversation-page.ts';
import { tavusSurface } from './surfaces/tavus/index.ts';

export interface Surface {
  prefix: string;
  app: OpenAPIHono<AppEnv>;
  errorMapper: ErrorMapper;
  /** Which paths are this surface's, when it shares its prefix with another (OpenAI and OpenGiant on /v1). */
  owns?: (path: string) => boolean;
}

/** Every API surface, each a thin mapping of one vendor's wire format onto the core. */
export function buildSurfaces(services: Services): Surface[] {
  // The OpenAI surface comes first: it shares /v1 with OpenGiant and answers only its own paths.
  return [openAiSurface(services), openGiantSurface(services), tavusSurface(services), sunoSurface(services)];
}

const VERSION = '0.1.0';

/**
 * The one app factory, for production and tests alike: request ids and logs, health, the surfaces,
 * the OpenAPI document and reference page, and per-surface error, 404 and 405 handling.
 */
export function createApp(services: Services) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const surfaces = buildSurfaces(services);

  app.use('*', requestContext(services));
  const cors = corsMiddleware(services.config);
  if (cors) app.use('*', cors);
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await services.db.ping();
      return c.json({ status: 'ready' });
    } catch {
      return c.json({ status: 'unavailable', message: 'database unreachable' }, 503);
    }
  });

  // Metrics on the API port, behind their token (without one they are only on their own port, if any).
  const { metrics } = services;
  const metricsToken = services.config.PERSONAKIT_METRICS_TOKEN;
  if (metrics && metricsToken !== undefined && services.config.PERSONAKIT_METRICS_PORT === undefined) {
    app.get('/metrics', async (c) => {
      const a = await metricsAnswer(metrics, metricsToken, header(c, 'authorization'));
      return c.body(a.body, a.status as 200 | 401, { 'content-type': a.contentType });
    });
  }

  for (const s of surfaces) app.route(s.prefix, s.app);
  // conversation_url's chat page: outside /v2, it takes the URL (and meeting token) instead of a key.
  registerConversationPage(app, services);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKeyAuth', {
    type: 'apiKey',
    in: 'header',
    name: 'x-api-key',
  });
  // Built on first request (every route is registered by then) and kept: the routes never change.
  let document: ReturnType<typeof app.getOpenAPI31Document> | undefined;
  app.get('/openapi.json', (c) => {
    if (!document) {
      document = app.getOpenAPI31Document({
        openapi: '3.1.0',
        info: {
          title: 'personakit',
          version: VERSION,
          description:
            'Self-hosted persona server: OpenGiant-, Tavus- and Suno-compatible APIs over one persona store.',
        },
      });
      finishOperations((document.paths ?? {}) as Record<string, Record<string, unknown>>);
    }
    return c.json(document);
  });
  registerDocsPage(app);
  // The web console at /console (and / redirecting to it).
  registerConsole(app, services);

  // A known path with the wrong method is 405 (with Allow). Checked only on the error path: whatever a
  // surface's middleware refused (auth, body checks) or a 404, the method decides first. Requests that
  // match a route never pay for it.
  let allowed: ((path: string) => string[]) | undefined;
  const wrongMethod = (c: Context<AppEnv>): AppError | undefined => {
    allowed ??= methodTable(app.routes);
    const methods = allowed(c.req.path);
    const method = c.req.method === 'HEAD' ? 'GET' : c.req.method;
    if (methods.length === 0 || methods.includes(method)) return undefined;
    c.header('allow', methods.join(', '));
    return new AppError('method_not_allowed', `Method ${c.req.method} is not allowed on ${c.req.path}`);
  };

  const onError = (err: unknown, c: Context<AppEnv>) => {
    let e = toAppError(err);
    if (e.status < 500) e = wrongMethod(c) ?? e;
    if (e.status >= 500) requestLog(c, services.log).error({ err: e.cause ?? e, code: e.code }, e.message);
    return sendError(c, errorMapperFor(c.req.path), e);
  };
  app.onError(onError);
  for (const s of surfaces) s.app.onError(onError);

  app.notFound((c) => onError(new AppError('not_found', `No route for ${c.req.method} ${c.req.path}`), c));

  return app;
}

/** For 405: which methods do exist on a path that matched no route for this method. */
function methodTable(routes: { method: string; path: string }[]) {
  const table = routes
    .filter((r) => r.method !== 'ALL' && !r.path.includes('*'))
    .map((r) => ({
      method: r.method,
      re: new RegExp(`^${r.path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\/:[^/]+/g, '/[^/]+')}/?$`),
    }));
  return (path: string) => [...new Set(table.filter((r) => r.re.test(path)).map((r) => r.method))];
}
