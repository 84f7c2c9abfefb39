import type { Context, MiddlewareHandler } from 'hono';
import type { Ctx, Services } from '../core/context.ts';
import { AppError } from '../core/errors.ts';
import type { AppEnv } from './env.ts';
import { header, requestLog } from './request-context.ts';

/** `Authorization: Bearer KEY` or `x-api-key: KEY`, on every surface. */
export function readKey(header: (name: string) => string | undefined): string | undefined {
  const apiKey = header('x-api-key');
  if (apiKey) return apiKey.trim();
  const auth = header('authorization');
  if (auth && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ') return auth.slice(7).trim();
  return undefined;
}

/** Resolves the caller's account and puts the request's core context on `c.get('ctx')`. */
export function authenticate(services: Services): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = await services.keys.authenticate(readKey((n) => header(c, n)));
    if (!principal) throw new AppError('unauthorized', 'Missing or invalid API key');
    await services.limiter.consume(principal.keyId);
    c.set('ctx', new RequestCtx(services, principal.accountId, principal.keyId, c));
    await next();
  };
}

/**
 * The core context of one request. A class rather than an object spread: one monomorphic allocation
 * per request, and the request logger (a pino child) is only made if something logs.
 */
class RequestCtx implements Ctx {
  readonly config: Services['config'];
  readonly db: Services['db'];
  readonly keys: Services['keys'];
  readonly personas: Services['personas'];
  readonly limiter: Services['limiter'];
  readonly secrets: Services['secrets'];
  readonly now: Services['now'];
  readonly accountId: string;
  readonly keyId: string;
  readonly #services: Services;
  readonly #c: Context<AppEnv>;

  constructor(services: Services, accountId: string, keyId: string, c: Context<AppEnv>) {
    this.config = services.config;
    this.db = services.db;
    this.keys = services.keys;
    this.personas = services.personas;
    this.limiter = services.limiter;
    this.secrets = services.secrets;
    this.now = services.now;
    this.accountId = accountId;
    this.keyId = keyId;
    this.#services = services;
    this.#c = c;
  }

  get log() {
    return requestLog(this.#c, this.#services.log);
  }
}
