import {
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type Kysely,
  PostgresDialect,
  PostgresIntrospector,
  type SchemaMetadata,
  sql,
  type TableMetadata,
} from 'kysely';

/**
 * PostgreSQL as Kysely's dialect, with one change: introspection sees only the connection's own schema.
 *
 * Kysely's introspector (which its Migrator uses to ask "does the migrations table exist?") reads every
 * schema of the database and calls has_schema_privilege() on each by name. When another install in the
 * same database (or a parallel test suite) drops its schema during that scan, the call fails with
 * "schema … does not exist" and our start fails with it. Our migrations only ever look at our own schema,
 * so that is all this introspector reads.
 */
export class OwnSchemaPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new OwnSchemaIntrospector(db);
  }
}

class OwnSchemaIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<unknown>;
  readonly #full: PostgresIntrospector;

  constructor(db: Kysely<unknown>) {
    this.#db = db;
    this.#full = new PostgresIntrospector(db);
  }

  getSchemas(): Promise<SchemaMetadata[]> {
    return this.#full.getSchemas();
  }

  /** Tables and views of current_schema(), with their columns (internal tables included: the Migrator asks for them). */
  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{
      schema: string;
      table: string;
      kind: string;
      column: string | null;
      type: string | null;
      type_schema: string | null;
      not_null: boolean | null;
      has_default: boolean | null;
    }>`
      SELECT ns.nspname AS schema, c.relname AS table, c.relkind AS kind,
             a.attname AS column, typ.typname AS type, tns.nspname AS type_schema,
             a.attnotnull AS not_null, a.atthasdef AS has_default
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
      LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      LEFT JOIN pg_catalog.pg_type typ ON typ.oid = a.atttypid
      LEFT JOIN pg_catalog.pg_namespace tns ON tns.oid = typ.typnamespace
      WHERE ns.nspname = current_schema() AND c.relkind IN ('r', 'v', 'p')
      ORDER BY c.relname, a.attnum`.execute(this.#db);
    const tables = new Map<string, TableMetadata & { columns: TableMetadata['columns'][number][] }>();
    for (const r of rows) {
      let t = tables.get(r.table);
      if (!t) {
        t = { name: r.table, schema: r.schema, isView: r.kind === 'v', columns: [] };
        tables.set(r.table, t);
      }
      if (r.column !== null) {
        t.columns.push({
          name: r.column,
          dataType: r.type ?? '',
          dataTypeSchema: r.type_schema ?? undefined,
          isNullable: !r.not_null,
          hasDefaultValue: r.has_default === true,
          isAutoIncrementing: false,
        });
      }
    }
    return [...tables.values()];
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}
