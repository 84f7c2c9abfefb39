import type { Config } from './config.ts';
import { KeyCache } from './core/api-keys.ts';
import type { Services } from './core/context.ts';
import { PersonaCache } from './core/persona-cache.ts';
import { createRateLimiter } from './core/rate-limit.ts';
import type { Logger } from './log.ts';
import { openDb } from './storage/db.ts';

/** Opens the store (migrating it) and builds the long-lived services. */
export async function createServices(config: Config, log: Logger): Promise<Services> {
  const db = await openDb(config.DATABASE_URL);
  const limiter = createRateLimiter(config);
  await limiter.ready();
  return {
    config,
    db,
    log,
    keys: new KeyCache(db),
    personas: new PersonaCache(db),
    limiter,
    now: () => new Date(),
  };
}

/** Releases what createServices opened. */
export async function closeServices(services: Services): Promise<void> {
  await services.db.close();
  await services.limiter.close();
}
