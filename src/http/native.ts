import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { RouteConfig } from '@hono/zod-openapi';
import type { z } from 'zod';
import type { Services } from '../core/context.ts';
import { toAppError } from '../core/errors.ts';
import { type AccessLog, accessLog } from '../log.ts';
import type { ClientSignal } from '../providers/types.ts';
import { authorize } from './auth.ts';
import { nativeCors } from './cors.ts';
import type { ErrorMapper } from './error-shape.ts';
import { checkJsonHeaders, MAX_BODY_BYTES, parseJsonText, readLimited } from './json-body.ts';
import { operationIdOf } from './openapi-operations.ts';
import { nodeHeader, requestIdFrom } from './request-context.ts';
import type { RequestCtx } from './request-ctx.ts';
import { closeIfBodyUnread } from './unread-body.ts';
import { zodToAppError } from './validation.ts';

/**
 * The native fast path (ADR 0011): the few hot routes (GET a persona, create one, refine) are served
 * straight on node:http, with the same route contract (its zod schemas validate), the same auth, body
 * guards, core functions and error mapper as the Hono app, so a client cannot tell the two apart; a test
 * sends the same requests through both. Everything else, and any request the fast path does not fully
 * handle (Idempotency-Key, HEAD, encoded paths), falls through to Hono unchanged. What it saves per
 * request is the web-standard layer: a WHATWG Request and Response per call, Hono's middleware compose
 * across app and sub-app, and the validator middleware, measured at about half of a GET in a profile.
 */

/** The handler wrote the response itself (a stream). */
export const SENT = Symbol('sent');

/**
 * JSON ready to send, with its length in UTF-8 bytes (handlers that keep answers encoded): text, or the
 * bytes of a large reply encoded off the event loop (large-json.ts).
 */
export interface EncodedJson {
  text: string | Buffer;
  bytes: number;
}

/** A JSON answer: a value to serialize, or its text when the handler keeps it ready. */
export type Reply =
  | { status: number; json: unknown }
  | { status: number; encoded: EncodedJson }
  | typeof SENT;

export const encodeJson = (value: unknown): EncodedJson => {
  const text = JSON.stringify(value);
  return { text, bytes: Buffer.byteLength(text) };
};

/** What a handler may need of the exchange beyond its validated input. */
export interface Exchange {
  reqId: string;
  /** Node's response, for handlers that stream. */
  res: ServerResponse;
  /** Aborted when the client goes away before the response is complete; watched from first use. */
  readonly signal: ClientSignal;
}

export interface NativeRoute {
  method: 'GET' | 'POST';
  /** The scope table's key (src/http/scopes.ts), as /openapi.json names the operation. */
  operationId: string;
  /** Path segments; null where the contract has a `{param}`. */
  segments: (string | null)[];
  paramNames: string[];
  /** The path as Hono names the route (`/v1/personas/:id`): the route label of metrics and spans. */
  template: string;
  params: z.ZodType | undefined;
  body: z.ZodType | undefined;
  /**
   * A hand check of the body's common case (optional): true only for a body the schema accepts as it is,
   * which is then used as parsed without running the schema; false sends it through the schema.
   */
  plainBody: ((body: unknown) => boolean) | undefined;
  errors: ErrorMapper;
  // biome-ignore lint/suspicious/noExplicitAny: each route types its own input (see nativeRoute)
  handle(ctx: RequestCtx, input: { params: any; body: any }, ex: Exchange): Promise<Reply>;
}

/**
 * A native route from a route contract: path and schemas come from the contract itself. `P` and `B` are
 * the contract's param and body types (z.infer of the same schemas).
 */
export function nativeRoute<P = undefined, B = undefined>(
  prefix: string,
  route: RouteConfig,
  errors: ErrorMapper,
  handle: (ctx: RequestCtx, input: { params: P; body: B }, ex: Exchange) => Promise<Reply>,
  plainBody?: (body: unknown) => boolean,
): NativeRoute {
  const parts = `${prefix}${route.path}`.split('/').slice(1);
  const paramNames: string[] = [];
  const segments = parts.map((p) => {
    const m = /^\{(\w+)\}$/.exec(p);
    if (!m?.[1]) return p;
    paramNames.push(m[1]);
    return null;
  });
  const json = route.request?.body?.content?.['application/json'] as { schema?: z.ZodType } | undefined;
  const body = json?.schema;
  const params = route.request?.params as z.ZodType | undefined;
  const method = route.method.toUpperCase();
  if (method !== 'GET' && method !== 'POST')
    throw new Error(`native routes serve GET and POST, not ${method}`);
  const operationId = operationIdOf(method, `${prefix}${route.path}`, route.operationId);
  const template = `/${parts.map((p, i) => (segments[i] === null ? `:${p.slice(1, -1)}` : p)).join('/')}`;
  return {
    method,
    operationId,
    segments,
    paramNames,
    template,
    params,
    body,
    plainBody,
    errors,
    handle,
  };
}

/**
 * Params of the path (split at `/` once per request, not once per route tried) if it matches the route:
 * plain segments only (anything encoded goes to Hono).
 */
function match(route: NativeRoute, parts: readonly string[]): Record<string, string> | undefined {
  if (parts.length !== route.segments.length + 1 || parts[0] !== '') return undefined;
  let params: Record<string, string> | undefined;
  let n = 0;
  for (let i = 0; i < route.segments.length; i++) {
    const want = route.segments[i];
    const got = parts[i + 1] as string;
    if (want === null) {
      if (got === '' || got.includes('%')) return undefined;
      params ??= {};
      params[route.paramNames[n++] as string] = got;
    } else if (got !== want) return undefined;
  }
  return params ?? {};
}

/** node:http request listener: native routes first, everything else to `fallback` (Hono's listener). */
export function nativeListener(
  services: Services,
  routes: NativeRoute[],
  fallback: RequestListener,
): RequestListener {
  const access = accessLog(services.log);
  const cors = nativeCors(services.config);
  const byMethod = {
    GET: routes.filter((r) => r.method === 'GET'),
    POST: routes.filter((r) => r.method === 'POST'),
  };
  return (req, res) => {
    const method = req.method;
    const url = req.url ?? '';
    if ((method === 'GET' || method === 'POST') && url.charCodeAt(0) === 47 /* / */) {
      // Idempotency-Key needs the stored-answer middleware, which only the Hono app has.
      if (method === 'GET' || req.headers['idempotency-key'] === undefined) {
        const q = url.indexOf('?');
        const path = q < 0 ? url : url.slice(0, q);
        const parts = path.split('/');
        for (const route of byMethod[method]) {
          const params = match(route, parts);
          if (params) {
            cors?.(req, res);
            serve(services, access, route, params, path, req, res).catch((err: unknown) => {
              // serve() answers every error itself; this is the net under a bug there, so that one
              // request fails instead of an unhandled rejection taking the process down.
              services.log.error({ err }, 'native route failed outside its error handling');
              if (res.headersSent) res.destroy();
              else
                res
                  .writeHead(500, { 'content-type': 'application/json' })
                  .end('{"error":500,"message":"Internal error"}');
            });
            return;
          }
        }
      }
    }
    fallback(req, res);
  };
}

/**
 * The exchange, and the client's signal on it: 'close' before the response finished means the client
 * left. It is the ClientSignal of the upstream call (no AbortController and EventTarget per request);
 * the 'close' listener is only added when a handler asks for the signal.
 */
class NodeExchange implements Exchange, ClientSignal {
  readonly reqId: string;
  readonly res: ServerResponse;
  aborted = false;
  #watching = false;
  #listeners: (() => void)[] = [];

  constructor(reqId: string, res: ServerResponse) {
    this.reqId = reqId;
    this.res = res;
  }

  get signal(): ClientSignal {
    if (!this.#watching) {
      this.#watching = true;
      this.res.once('close', this.#onClose);
    }
    return this;
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.aborted) this.#listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const i = this.#listeners.indexOf(listener);
    if (i >= 0) this.#listeners.splice(i, 1);
  }

  readonly #onClose = () => {
    if (this.res.writableFinished) return;
    this.aborted = true;
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const l of listeners) l();
  };
}

async function serve(
  services: Services,
  access: AccessLog,
  route: NativeRoute,
  rawParams: Record<string, string>,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const started = performance.now();
  const reqId = requestIdFrom(nodeHeader(req, 'x-request-id'));
  const { tracing } = services;
  if (!tracing) return answer(services, access, route, rawParams, path, req, res, started, reqId, undefined);
  const { template } = route;
  const method = req.method as string;
  return tracing.span(
    `${method} ${template}`,
    'server',
    { 'http.request.method': method, 'http.route': template },
    (span) =>
      answer(services, access, route, rawParams, path, req, res, started, reqId, tracing.traceId()).finally(
        () => span.set({ 'http.response.status_code': res.headersSent ? res.statusCode : 499 }),
      ),
  );
}

async function answer(
  services: Services,
  access: AccessLog,
  route: NativeRoute,
  rawParams: Record<string, string>,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
  started: number,
  reqId: string,
  traceId: string | undefined,
): Promise<void> {
  let ctx: RequestCtx | undefined;
  try {
    ctx = await authorize(services, (n) => nodeHeader(req, n), reqId, route.operationId);
    let body: unknown;
    if (route.body) {
      checkJsonHeaders(nodeHeader(req, 'content-type'), nodeHeader(req, 'content-length'), MAX_BODY_BYTES);
      const parsed = parseJsonText(await readLimited(req, MAX_BODY_BYTES));
      body = route.plainBody?.(parsed) ? parsed : validate(route.body, parsed, 'json');
    }
    const params = route.params ? validate(route.params, rawParams, 'param') : rawParams;
    const reply = await route.handle(ctx, { params, body }, new NodeExchange(reqId, res));
    if (reply === SENT) {
      // the handler answered (a stream)
    } else if ('encoded' in reply) sendText(res, reply.status, reply.encoded, reqId, undefined);
    else sendJson(res, reply.status, reply.json, reqId, undefined);
  } catch (err) {
    const e = toAppError(err);
    if (e.status >= 500) {
      (ctx?.log ?? services.log.child({ reqId })).error({ err: e.cause ?? e, code: e.code }, e.message);
    }
    const mapped = route.errors(e);
    // Refused before its body was read (no key, bad media type…): the connection closes after the answer.
    closeIfBodyUnread(req, res);
    if (res.headersSent) res.destroy();
    else sendJson(res, mapped.status, mapped.status === 304 ? undefined : mapped.body, reqId, e.retryAfter);
  }
  // A client that left before any answer was sent is logged as 499 (nginx's "client closed request").
  const status = res.headersSent ? res.statusCode : 499;
  const ms = performance.now() - started;
  services.metrics?.request(req.method as string, route.template, status, ms / 1000);
  access(reqId, req.method as string, path, status, +ms.toFixed(2), traceId);
}

function validate(schema: z.ZodType, value: unknown, target: string): unknown {
  const result = schema.safeParse(value);
  if (!result.success) throw zodToAppError(result.error, target);
  return result.data;
}

/** The same bytes and headers Hono's c.json() sends through @hono/node-server. */
function sendJson(
  res: ServerResponse,
  status: number,
  json: unknown,
  reqId: string,
  retryAfter: string | undefined,
): void {
  if (res.destroyed) return;
  if (json === undefined) {
    res.writeHead(
      status,
      retryAfter ? { 'x-request-id': reqId, 'retry-after': retryAfter } : { 'x-request-id': reqId },
    );
    res.end();
    return;
  }
  sendText(res, status, encodeJson(json), reqId, retryAfter);
}

/**
 * Headers and body in one string: Node's response then joins them and makes one socket write, where a
 * Buffer body costs a Buffer and a two-part writev (measured ~2 µs of a refine).
 */
function sendText(
  res: ServerResponse,
  status: number,
  json: EncodedJson,
  reqId: string,
  retryAfter: string | undefined,
) {
  if (res.destroyed) return;
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'x-request-id': reqId,
    'content-length': json.bytes,
  };
  if (retryAfter) headers['retry-after'] = retryAfter;
  res.writeHead(status, headers).end(json.text);
}
