import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult } from 'kysely';
import type { Tracing } from './tracing.ts';

/**
 * A Kysely dialect whose queries each run in a client span (`db.system`, the statement's SQL with its
 * placeholders, never the values): only used when tracing is on. The driver's own connection objects are
 * what it gets back in every call (its release and transaction code may rely on their class), so the
 * wrappers are mapped back to them.
 */
export function tracedDialect(inner: Dialect, tracing: Tracing, system: 'sqlite' | 'postgresql'): Dialect {
  return {
    createQueryCompiler: () => inner.createQueryCompiler(),
    createAdapter: () => inner.createAdapter(),
    createIntrospector: (db) => inner.createIntrospector(db),
    createDriver: () => tracedDriver(inner.createDriver(), tracing, system),
  };
}

function tracedDriver(driver: Driver, tracing: Tracing, system: string): Driver {
  const own = new WeakMap<DatabaseConnection, DatabaseConnection>();
  const unwrap = (c: DatabaseConnection) => own.get(c) ?? c;
  const traced: Driver = {
    init: () => driver.init(),
    async acquireConnection() {
      const conn = await driver.acquireConnection();
      const wrapper: DatabaseConnection = {
        executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
          const op = q.sql.trimStart().split(/\s/, 1)[0]?.toUpperCase() ?? 'QUERY';
          return tracing.span(`db ${op}`, 'client', { 'db.system': system, 'db.query.text': q.sql }, () =>
            conn.executeQuery<R>(q),
          );
        },
        streamQuery: (q, chunkSize) => conn.streamQuery(q, chunkSize),
      };
      own.set(wrapper, conn);
      return wrapper;
    },
    beginTransaction: (c, settings) => driver.beginTransaction(unwrap(c), settings),
    commitTransaction: (c) => driver.commitTransaction(unwrap(c)),
    rollbackTransaction: (c) => driver.rollbackTransaction(unwrap(c)),
    releaseConnection: (c) => driver.releaseConnection(unwrap(c)),
    destroy: () => driver.destroy(),
  };
  if (driver.savepoint)
    traced.savepoint = (c, name, compile) => driver.savepoint?.(unwrap(c), name, compile) as Promise<void>;
  if (driver.rollbackToSavepoint) {
    traced.rollbackToSavepoint = (c, name, compile) =>
      driver.rollbackToSavepoint?.(unwrap(c), name, compile) as Promise<void>;
  }
  if (driver.releaseSavepoint) {
    traced.releaseSavepoint = (c, name, compile) =>
      driver.releaseSavepoint?.(unwrap(c), name, compile) as Promise<void>;
  }
  return traced;
}
