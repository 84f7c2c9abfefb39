import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Services } from '../core/context.ts';
import { accessLog, type Logger } from '../log.ts';
import type { AppEnv } from './env.ts';

/**
 * A request header, read from Node's already-parsed headers when served by @hono/node-server. Hono's
 * c.req.header() would first build a WHATWG Headers object from all of them, a measurable cost per
 * request on the hot path. `name` must be lower case.
 */
export function header(c: Context, name: string): string | undefined {
  const incoming = incomingOf(c);
  return incoming ? nodeHeader(incoming, name) : c.req.header(name);
}

/** Node's request behind a Hono context; undefined for in-process requests (tests, app.request). */
export function incomingOf(c: Context): IncomingMessage | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
}

/** A header from Node's parsed headers (the first, if repeated). `name` must be lower case. */
export function nodeHeader(incoming: IncomingMessage, name: string): string | undefined {
  const value = incoming.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The request's logger (a child carrying reqId), made on first use: most requests only log one line. An
 * authenticated request's context owns it.
 */
export function requestLog(c: Context<AppEnv>, base: Logger): Logger {
  let log = c.get('ctx')?.log ?? c.get('log');
  if (!log) {
    log = base.child({ reqId: c.get('requestId') });
    c.set('log', log);
  }
  return log;
}

const acceptableRequestId = /^[\w.:=-]{1,128}$/;

/** The request's id: the client's x-request-id if it is an acceptable one, else a new UUID. */
export function requestIdFrom(given: string | undefined): string {
  return given !== undefined && acceptableRequestId.test(given) ? given : randomUUID();
}

/**
 * Request id (kept from an acceptable incoming x-request-id, else a new UUID) on the response and on
 * every log line of the request, plus one access-log line per request.
 */
export function requestContext(services: Services): MiddlewareHandler<AppEnv> {
  const access = accessLog(services.log);
  const { metrics, tracing } = services;
  return async (c, next) => {
    const started = performance.now();
    const reqId = requestIdFrom(header(c, 'x-request-id'));
    c.set('requestId', reqId);
    c.header('x-request-id', reqId);
    const method = c.req.method;
    let traceId: string | undefined;
    if (tracing) {
      await tracing.span(method, 'server', { 'http.request.method': method }, async (span) => {
        traceId = tracing.traceId();
        await next();
        const route = routeOf(c);
        span.rename(`${method} ${route}`);
        span.set({ 'http.route': route, 'http.response.status_code': c.res.status });
      });
    } else await next();
    const ms = performance.now() - started;
    metrics?.request(method, routeOf(c), c.res.status, ms / 1000);
    access(reqId, method, c.req.path, c.res.status, +ms.toFixed(2), traceId);
  };
}

/**
 * The template of the route that answered (`/v1/personas/:id`), for metrics and span names: never the
 * raw path, whose ids would make a series per persona. Requests no route matched share one label.
 */
export function routeOf(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const r = routes[i];
    if (r && r.method !== 'ALL') return r.path;
  }
  return 'unmatched';
}
