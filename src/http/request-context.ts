import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import type { Services } from '../core/context.ts';
import type { Logger } from '../log.ts';
import type { AppEnv } from './env.ts';

/**
 * A request header, read from Node's already-parsed headers when served by @hono/node-server. Hono's
 * c.req.header() would first build a WHATWG Headers object from all of them, a measurable cost per
 * request on the hot path. `name` must be lower case.
 */
export function header(c: Context, name: string): string | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The request's logger (a child carrying reqId), made on first use: most requests only log one line. */
export function requestLog(c: Context<AppEnv>, base: Logger): Logger {
  let log = c.get('log');
  if (!log) {
    log = base.child({ reqId: c.get('requestId') });
    c.set('log', log);
  }
  return log;
}

const acceptableId = /^[\w.:=-]{1,128}$/;

/**
 * Request id (kept from an acceptable incoming x-request-id, else a new UUID) on the response and on
 * every log line of the request, plus one access-log line per request.
 */
export function requestContext(services: Services): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const given = header(c, 'x-request-id');
    const reqId = given !== undefined && acceptableId.test(given) ? given : randomUUID();
    c.set('requestId', reqId);
    c.header('x-request-id', reqId);
    await next();
    services.log.info(
      {
        reqId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: +(performance.now() - started).toFixed(2),
      },
      'request',
    );
  };
}
