import type { Services } from './context.ts';

/**
 * One value per store handle (a process, or a test harness with its own store), made on first use. A
 * request's Ctx copies the services but keeps the db handle, so what lives as long as the store (the
 * conversation bus, the running turns, the live clients) is keyed by it. `forget` drops the handle's value
 * (a new one is made on next use) and returns it, for a close.
 */
export function perStore<S extends Pick<Services, 'db'>, T>(make: (services: S) => T) {
  const made = new WeakMap<object, T>();
  const of = (services: S): T => {
    let value = made.get(services.db);
    if (value === undefined) {
      value = make(services);
      made.set(services.db, value);
    }
    return value;
  };
  const forget = (services: Pick<Services, 'db'>): T | undefined => {
    const value = made.get(services.db);
    made.delete(services.db);
    return value;
  };
  return Object.assign(of, { forget });
}
