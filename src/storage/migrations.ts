import { type Kysely, type Migration, Migrator, PostgresAdapter, sql } from 'kysely';

/**
 * Versioned migrations, one list for both backends, written with Kysely's schema builder so the same
 * definition produces SQLite and PostgreSQL DDL. Append only: never edit a migration that has shipped.
 */
export const migrations: Record<string, Migration> = {
  '0001_accounts_keys_personas': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema
        .createTable('personas')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('persona_type', 'text', (c) => c.notNull().defaultTo('user'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('attributes', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('system_prompt', 'text')
        .addColumn('context', 'text')
        .addColumn('pipeline_mode', 'text', (c) => c.notNull().defaultTo('full'))
        .addColumn('default_replica_id', 'text')
        .addColumn('document_ids', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('document_tags', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('layers', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('secrets', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      // Newest-first keyset pagination per account reads this index only; pages stay flat at any size.
      await db.schema
        .createIndex('personas_account_created')
        .on('personas')
        .columns(['account_id', 'created_at', 'id'])
        .execute();
      await db.schema.createIndex('personas_type').on('personas').column('persona_type').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('personas').execute();
      await db.schema.dropTable('api_keys').execute();
      await db.schema.dropTable('accounts').execute();
    },
  },
};

export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'personakit_migrations',
    migrationLockTableName: 'personakit_migrations_lock',
    ...(await schemaOption(db)),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * On PostgreSQL, pin the migration tables to the connection's current schema. Without it Kysely decides
 * whether its tables exist by looking at every schema of the database, so a second personakit (or test
 * suite) in another schema of the same database makes it skip creating them and fail.
 */
async function schemaOption(db: Kysely<unknown>): Promise<{ migrationTableSchema?: string }> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return {};
  const { rows } = await sql<{ schema: string | null }>`SELECT current_schema() AS schema`.execute(db);
  const schema = rows[0]?.schema;
  return schema ? { migrationTableSchema: schema } : {};
}

export { sql };
