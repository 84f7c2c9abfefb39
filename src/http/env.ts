import type { Ctx } from '../core/context.ts';
import type { Logger } from '../log.ts';

/** Per-request variables every handler can read. */
export interface AppEnv {
  Variables: {
    requestId: string;
    /** Created on first use: see requestLog(). */
    log: Logger | undefined;
    /** Set by a surface's auth middleware. */
    ctx: Ctx;
  };
}
