import type { Ctx, Services } from '../core/context.ts';
import type { Principal } from '../core/scopes.ts';
import type { Logger } from '../log.ts';

/**
 * The core context of one authenticated request, the same whichever transport served it (Hono or the
 * native fast path). A class rather than an object spread: one monomorphic allocation per request, and
 * the request logger (a pino child carrying reqId) is only made if something logs.
 */
export class RequestCtx implements Ctx {
  readonly config: Services['config'];
  readonly db: Services['db'];
  readonly keys: Services['keys'];
  readonly personas: Services['personas'];
  readonly limiter: Services['limiter'];
  readonly secrets: Services['secrets'];
  readonly jobs: Services['jobs'];
  readonly metrics: Services['metrics'];
  readonly tracing: Services['tracing'];
  readonly usage: Services['usage'];
  readonly budgets: Services['budgets'];
  readonly embedder: Services['embedder'];
  readonly now: Services['now'];
  readonly accountId: string;
  readonly keyId: string;
  readonly principal: Principal;
  readonly reqId: string;
  readonly #base: Logger;
  #log: Logger | undefined;

  constructor(services: Services, principal: Principal, reqId: string) {
    this.config = services.config;
    this.db = services.db;
    this.keys = services.keys;
    this.personas = services.personas;
    this.limiter = services.limiter;
    this.secrets = services.secrets;
    this.jobs = services.jobs;
    this.metrics = services.metrics;
    this.tracing = services.tracing;
    this.usage = services.usage;
    this.budgets = services.budgets;
    this.embedder = services.embedder;
    this.now = services.now;
    this.accountId = principal.accountId;
    this.keyId = principal.keyId;
    this.principal = principal;
    this.reqId = reqId;
    this.#base = services.log;
  }

  get log(): Logger {
    this.#log ??= this.#base.child({ reqId: this.reqId });
    return this.#log;
  }
}
