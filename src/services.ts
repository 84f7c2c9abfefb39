import type { Config } from './config.ts';
import { KeyCache } from './core/api-keys.ts';
import type { Services } from './core/context.ts';
import { PersonaCache } from './core/persona-cache.ts';
import type { Logger } from './log.ts';
import { openDb } from './storage/db.ts';

/** Opens the store (migrating it) and builds the long-lived services. */
export async function createServices(config: Config, log: Logger): Promise<Services> {
  const db = await openDb(config.DATABASE_URL);
  return {
    config,
    db,
    log,
    keys: new KeyCache(db),
    personas: new PersonaCache(db),
    now: () => new Date(),
  };
}
