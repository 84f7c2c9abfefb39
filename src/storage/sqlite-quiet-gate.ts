import type { DatabaseConnection, Dialect, Driver } from 'kysely';

/**
 * Lets the checkpoint worker have a quiet moment: a short span in which the server's SQLite connection
 * runs nothing, so that a PASSIVE checkpoint copies the whole WAL and the next commit starts the WAL over
 * (docs/adr/0056-sqlite-quiet-checkpoints.md).
 *
 * Without it, under a steady stream of large writes every checkpoint ends a few frames short (commits
 * append while it copies), the WAL never starts over, and once it reaches the connection's backstop
 * every commit checkpoints on the event loop (measured: 80-150 ms stalls, persona-cache attack).
 *
 * Queries wait asynchronously while the gate is shut: the event loop keeps serving everything else.
 */
export class QuietGate {
  #driver: Driver | null = null;
  #ready = false;
  #destroyed = false;
  #shut: Promise<void> | null = null;

  /** Wraps a dialect so that every connection Kysely takes passes the gate first. */
  wrap(inner: Dialect): Dialect {
    return {
      createQueryCompiler: () => inner.createQueryCompiler(),
      createAdapter: () => inner.createAdapter(),
      createIntrospector: (db) => inner.createIntrospector(db),
      createDriver: () => this.#gated(inner.createDriver()),
    };
  }

  /**
   * Shuts the gate and resolves, with the function that opens it again, once work already through it has
   * given the connection back. Null when there is nothing to hold (not started, destroyed, already shut).
   */
  async hold(): Promise<(() => Promise<void>) | null> {
    const driver = this.#driver;
    if (!driver || !this.#ready || this.#destroyed || this.#shut) return null;
    let open = () => {};
    this.#shut = new Promise<void>((resolve) => {
      open = resolve;
    });
    let conn: DatabaseConnection;
    try {
      conn = await driver.acquireConnection();
    } catch {
      this.#shut = null;
      open();
      return null;
    }
    return async () => {
      try {
        await driver.releaseConnection(conn);
      } finally {
        this.#shut = null;
        open();
      }
    };
  }

  #gated(driver: Driver): Driver {
    this.#driver = driver;
    const gated: Driver = {
      init: async () => {
        await driver.init();
        this.#ready = true;
      },
      acquireConnection: async () => {
        while (this.#shut) await this.#shut;
        return driver.acquireConnection();
      },
      beginTransaction: (c, settings) => driver.beginTransaction(c, settings),
      commitTransaction: (c) => driver.commitTransaction(c),
      rollbackTransaction: (c) => driver.rollbackTransaction(c),
      releaseConnection: (c) => driver.releaseConnection(c),
      destroy: () => {
        this.#destroyed = true;
        return driver.destroy();
      },
    };
    if (driver.savepoint) gated.savepoint = driver.savepoint.bind(driver);
    if (driver.rollbackToSavepoint) gated.rollbackToSavepoint = driver.rollbackToSavepoint.bind(driver);
    if (driver.releaseSavepoint) gated.releaseSavepoint = driver.releaseSavepoint.bind(driver);
    return gated;
  }
}
