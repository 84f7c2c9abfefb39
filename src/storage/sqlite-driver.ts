import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Adapts node:sqlite to the better-sqlite3 subset Kysely's SqliteDialect needs, so the embedded default
 * needs no native addon build. Prepared statements are cached by SQL text: Kysely prepares on every query,
 * and preparing dominates the cost of small queries.
 */
export class NodeSqliteDatabase implements SqliteDatabase {
  readonly raw: DatabaseSync;
  readonly #statements = new Map<string, CachedStatement>();

  constructor(path: string) {
    this.raw = new DatabaseSync(path);
  }

  prepare(sql: string): SqliteStatement {
    let stmt = this.#statements.get(sql);
    if (!stmt) {
      stmt = new CachedStatement(this.raw.prepare(sql));
      // Query text is generated from a bounded set of builders; the cap guards against unbounded IN lists.
      if (this.#statements.size > 500) this.#statements.clear();
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }

  close(): void {
    this.#statements.clear();
    if (this.raw.isOpen) this.raw.close();
  }
}

type SqlValue = null | number | bigint | string | NodeJS.ArrayBufferView;

class CachedStatement implements SqliteStatement {
  readonly reader: boolean;
  readonly #stmt: StatementSync;

  constructor(stmt: StatementSync) {
    this.#stmt = stmt;
    this.reader = stmt.columns().length > 0;
  }

  all(parameters: ReadonlyArray<unknown>): unknown[] {
    return this.#stmt.all(...toSql(parameters));
  }

  run(parameters: ReadonlyArray<unknown>) {
    const r = this.#stmt.run(...toSql(parameters));
    return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
  }

  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    return this.#stmt.iterate(...toSql(parameters)) as IterableIterator<unknown>;
  }
}

function toSql(parameters: ReadonlyArray<unknown>): SqlValue[] {
  return parameters.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : (p as SqlValue)));
}
