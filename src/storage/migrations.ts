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
  '0002_suno': {
    async up(db: Kysely<unknown>) {
      // Clips are keyed per account: a clip id is the upstream's (Suno's) id when the client knows it, and
      // two accounts behind one operator upstream may register the same clip without seeing each other.
      await db.schema
        .createTable('clips')
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('clip_type', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('audio_url', 'text', (c) => c.notNull())
        .addColumn('video_url', 'text', (c) => c.notNull())
        .addColumn('image_url', 'text', (c) => c.notNull())
        .addColumn('image_large_url', 'text', (c) => c.notNull())
        .addColumn('major_model_version', 'text', (c) => c.notNull())
        .addColumn('model_name', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('prompt', 'text', (c) => c.notNull())
        .addColumn('duration', 'double precision')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('is_public', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('is_trashed', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('clips_pk', ['account_id', 'id'])
        .execute();
      // The Suno side of a persona; the persona itself (name, description, style attributes) is a row of
      // `personas`, so every surface reads the same persona. Deleting it anywhere removes this too.
      await db.schema
        .createTable('suno_personas')
        .addColumn('persona_id', 'text', (c) => c.primaryKey().references('personas.id').onDelete('cascade'))
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('root_clip_id', 'text', (c) => c.notNull())
        .addColumn('is_public', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('upstream_persona_id', 'text')
        .execute();
      await db.schema.createIndex('suno_personas_account').on('suno_personas').column('account_id').execute();
      await db.schema
        .createTable('persona_clips')
        .addColumn('persona_id', 'text', (c) => c.notNull().references('personas.id').onDelete('cascade'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('clip_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('persona_clips_pk', ['persona_id', 'position'])
        .addForeignKeyConstraint('persona_clips_clip', ['account_id', 'clip_id'], 'clips', [
          'account_id',
          'id',
        ])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('persona_clips').execute();
      await db.schema.dropTable('suno_personas').execute();
      await db.schema.dropTable('clips').execute();
    },
  },
};

/** Idempotency-Key replay store (see src/http/idempotency.ts). */
migrations['0004_idempotency'] = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('idempotency_keys')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('status', 'integer', (c) => c.notNull())
      .addColumn('content_type', 'text')
      .addColumn('body', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('idempotency_keys_pk', ['account_id', 'key'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('idempotency_keys').execute();
  },
};

/**
 * Idempotency-Key leases (an in-flight claim is renewed by its process and can be taken over once it
 * lapses, so a crash blocks retries for seconds, not 11 minutes), the marker for answers too large to
 * replay, and the index the 24-hour purge deletes by.
 */
migrations['0005_idempotency_lease'] = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('idempotency_keys').addColumn('lease_owner', 'text').execute();
    await db.schema.alterTable('idempotency_keys').addColumn('lease_until', 'text').execute();
    await db.schema
      .alterTable('idempotency_keys')
      .addColumn('body_omitted', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createIndex('idempotency_keys_created')
      .on('idempotency_keys')
      .column('created_at')
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex('idempotency_keys_created').execute();
    await db.schema.alterTable('idempotency_keys').dropColumn('body_omitted').execute();
    await db.schema.alterTable('idempotency_keys').dropColumn('lease_until').execute();
    await db.schema.alterTable('idempotency_keys').dropColumn('lease_owner').execute();
  },
};

/**
 * /suno as a proxy (ADR 0016): the upstream tasks each account started, and for each clip the upstream task
 * it came from (null: registered by the client). Upstream persona ids were set by callers until now, so
 * none is known to have been created through personakit for its account: they are cleared, and generation
 * creates the persona upstream again on first use.
 */
migrations['0006_suno_upstream'] = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('suno_tasks')
      .addColumn('task_id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.alterTable('clips').addColumn('task_id', 'text').execute();
    // Clip ids are looked up across accounts (an id held by two accounts is forwarded for neither).
    await db.schema.createIndex('clips_id').on('clips').column('id').execute();
    await sql`UPDATE suno_personas SET upstream_persona_id = NULL`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex('clips_id').execute();
    await db.schema.alterTable('clips').dropColumn('task_id').execute();
    await db.schema.dropTable('suno_tasks').execute();
  },
};

migrations['0007_documents'] = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('documents')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('document_url', 'text')
      .addColumn('file_name', 'text')
      .addColumn('content_type', 'text')
      .addColumn('size_bytes', 'bigint')
      .addColumn('callback_url', 'text')
      .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('progress', 'integer')
      .addColumn('error_code', 'text')
      .addColumn('error_message', 'text')
      .addColumn('crawl_config', 'text')
      .addColumn('crawled_urls', 'text')
      .addColumn('last_crawled_at', 'text')
      .addColumn('crawl_count', 'integer')
      .addColumn('generation', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('documents_account_created')
      .on('documents')
      .columns(['account_id', 'created_at', 'id'])
      .execute();
    // The extracted text, apart from the row so listings never read it.
    await db.schema
      .createTable('document_contents')
      .addColumn('document_id', 'text', (c) => c.primaryKey().references('documents.id').onDelete('cascade'))
      .addColumn('text', 'text', (c) => c.notNull())
      .execute();
    // An upload, in slices of up to 1 MiB written as they arrive: never held whole in memory while
    // receiving, and in the database so every instance on one PostgreSQL can process it.
    const bytes = db.getExecutor().adapter instanceof PostgresAdapter ? 'bytea' : 'blob';
    await db.schema
      .createTable('document_uploads')
      .addColumn('document_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('data', sql.raw(bytes), (c) => c.notNull())
      .addPrimaryKeyConstraint('document_uploads_pk', ['document_id', 'seq'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('document_uploads').execute();
    await db.schema.dropTable('document_contents').execute();
    await db.schema.dropTable('documents').execute();
  },
};

/**
 * The durable job queue (src/jobs/, ADR 0023). Claiming reads (status, run_at); a unique key holds among
 * unfinished jobs only, so a document can be processed again once its previous job finished. The partial
 * index is written as SQL: the same statement works on both backends.
 */
migrations['0008_jobs'] = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('jobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text')
      .addColumn('unique_key', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('max_attempts', 'integer', (c) => c.notNull())
      .addColumn('run_at', 'text', (c) => c.notNull())
      .addColumn('locked_by', 'text')
      .addColumn('locked_until', 'text')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('jobs_claim').on('jobs').columns(['status', 'run_at']).execute();
    await sql`CREATE UNIQUE INDEX jobs_unique_key ON jobs (unique_key) WHERE unique_key IS NOT NULL AND status IN ('pending', 'running')`.execute(
      db,
    );
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('jobs').execute();
  },
};

/**
 * Knowledge chunks and their full-text index (ADR 0024). SQLite: an FTS5 table over the chunks' text and
 * heading path (external content, kept in sync by triggers in the writing transaction), keyed by `seq`,
 * an INTEGER PRIMARY KEY so the rowid FTS5 points at never changes (VACUUM renumbers implicit rowids).
 * PostgreSQL: a generated english tsvector with a GIN index, each chunk's length in lexemes, and the
 * per-document term statistics BM25 needs (document frequency per lexeme, chunk count and total length),
 * written by replaceChunks in the same transaction.
 */
migrations['0009_knowledge_chunks'] = {
  async up(db: Kysely<unknown>) {
    const pg = db.getExecutor().adapter instanceof PostgresAdapter;
    let table = db.schema.createTable('knowledge_chunks');
    table = pg
      ? table.addColumn('id', 'text', (c) => c.primaryKey())
      : table
          .addColumn('seq', 'integer', (c) => c.primaryKey())
          .addColumn('id', 'text', (c) => c.notNull().unique());
    await table
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('document_id', 'text', (c) => c.notNull())
      .addColumn('ordinal', 'integer', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('heading_path', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('page', 'integer')
      .addColumn('sheet', 'text')
      .addColumn('url', 'text')
      .addColumn('tokens', 'integer', (c) => c.notNull())
      .addColumn('embedding', pg ? 'bytea' : 'blob')
      .addColumn('embedding_model', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('knowledge_chunks_document')
      .on('knowledge_chunks')
      .columns(['document_id', 'ordinal'])
      .execute();
    await db.schema
      .createIndex('knowledge_chunks_account')
      .on('knowledge_chunks')
      .columns(['account_id', 'document_id'])
      .execute();
    if (!pg) {
      await sql`CREATE VIRTUAL TABLE knowledge_chunks_fts USING fts5(text, heading_path, content='knowledge_chunks', content_rowid='seq', tokenize='porter unicode61')`.execute(
        db,
      );
      await sql`CREATE TRIGGER knowledge_chunks_fts_ai AFTER INSERT ON knowledge_chunks BEGIN
        INSERT INTO knowledge_chunks_fts(rowid, text, heading_path) VALUES (new.seq, new.text, new.heading_path);
      END`.execute(db);
      await sql`CREATE TRIGGER knowledge_chunks_fts_ad AFTER DELETE ON knowledge_chunks BEGIN
        INSERT INTO knowledge_chunks_fts(knowledge_chunks_fts, rowid, text, heading_path) VALUES ('delete', old.seq, old.text, old.heading_path);
      END`.execute(db);
      await sql`CREATE TRIGGER knowledge_chunks_fts_au AFTER UPDATE OF text, heading_path ON knowledge_chunks BEGIN
        INSERT INTO knowledge_chunks_fts(knowledge_chunks_fts, rowid, text, heading_path) VALUES ('delete', old.seq, old.text, old.heading_path);
        INSERT INTO knowledge_chunks_fts(rowid, text, heading_path) VALUES (new.seq, new.text, new.heading_path);
      END`.execute(db);
      return;
    }
    await sql`ALTER TABLE knowledge_chunks ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('english'::regconfig, heading_path || ' ' || text)) STORED`.execute(
      db,
    );
    await sql`ALTER TABLE knowledge_chunks ADD COLUMN dl integer NOT NULL DEFAULT 0`.execute(db);
    await sql`CREATE INDEX knowledge_chunks_tsv ON knowledge_chunks USING GIN (tsv)`.execute(db);
    await db.schema
      .createTable('knowledge_terms')
      .addColumn('lexeme', 'text', (c) => c.notNull())
      .addColumn('document_id', 'text', (c) => c.notNull())
      .addColumn('df', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('knowledge_terms_pk', ['lexeme', 'document_id'])
      .execute();
    await db.schema
      .createIndex('knowledge_terms_document')
      .on('knowledge_terms')
      .column('document_id')
      .execute();
    await db.schema
      .createTable('knowledge_doc_stats')
      .addColumn('document_id', 'text', (c) => c.primaryKey())
      .addColumn('chunks', 'integer', (c) => c.notNull())
      .addColumn('total_len', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('knowledge_doc_stats').ifExists().execute();
    await db.schema.dropTable('knowledge_terms').ifExists().execute();
    await sql`DROP TABLE IF EXISTS knowledge_chunks_fts`.execute(db);
    await db.schema.dropTable('knowledge_chunks').execute();
  },
};

/** Character-card fields of a persona (issue 16) as one JSON column; null for personas without any. */
migrations['0010_persona_card'] = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('personas').addColumn('card', 'text').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('personas').dropColumn('card').execute();
  },
};

/**
 * Versions of each account's knowledge index (ADR 0028): every replacement or deletion of a document's
 * chunks bumps the account's counter (the row lock orders concurrent writers by commit) and stamps the
 * document with it, so an instance holding an in-memory index at version v reloads exactly the documents
 * stamped above v. Existing chunks are stamped 1.
 */
migrations['0015_search_index'] = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('knowledge_index_accounts')
      .addColumn('account_id', 'text', (c) => c.primaryKey())
      .addColumn('version', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('knowledge_index_docs')
      .addColumn('document_id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('version', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('knowledge_index_docs_account')
      .on('knowledge_index_docs')
      .columns(['account_id', 'version'])
      .execute();
    await sql`INSERT INTO knowledge_index_docs (document_id, account_id, version)
      SELECT DISTINCT document_id, account_id, 1 FROM knowledge_chunks`.execute(db);
    await sql`INSERT INTO knowledge_index_accounts (account_id, version)
      SELECT DISTINCT account_id, 1 FROM knowledge_chunks`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('knowledge_index_docs').ifExists().execute();
    await db.schema.dropTable('knowledge_index_accounts').ifExists().execute();
  },
};

/**
 * Immutable persona versions (issue 16). Rows go with their persona (ON DELETE CASCADE, so no path that
 * deletes a persona can leave versions behind). No backfill: a persona's current state is recorded
 * lazily (core/persona-versions.ts), the first time its versions are read or it is changed, which also
 * covers system personas and changes made by paths that predate versions.
 */
migrations['0012_persona_versions'] = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('persona_versions')
      .addColumn('persona_id', 'text', (c) => c.notNull().references('personas.id').onDelete('cascade'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text')
      .addColumn('restored_from', 'integer')
      .addColumn('fields', 'text', (c) => c.notNull())
      // The primary key is also the index of every read: a version, a page newest first, pruning.
      .addPrimaryKeyConstraint('persona_versions_pk', ['persona_id', 'version'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('persona_versions').execute();
  },
};

/**
 * Keys over HTTP (issue 17): a name, scopes (null = every scope, which is what keys made before this
 * migration keep), an expiry, the operator flag, optional daily budgets; accounts can be disabled; and
 * the usage log every metered call adds to (sums per second, written in batches: src/core/usage.ts).
 */
migrations['0013_keys_scopes_usage'] = {
  async up(db: Kysely<unknown>) {
    // One column per statement: SQLite's ALTER TABLE adds one at a time.
    const keyColumns: [string, 'text' | 'integer'][] = [
      ['name', 'text'],
      ['scopes', 'text'],
      ['expires_at', 'text'],
      ['budget_requests', 'integer'],
      ['budget_tokens', 'integer'],
      ['replaced_by', 'text'],
    ];
    for (const [name, type] of keyColumns)
      await db.schema.alterTable('api_keys').addColumn(name, type).execute();
    await db.schema
      .alterTable('api_keys')
      .addColumn('operator', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createIndex('api_keys_account_created')
      .on('api_keys')
      .columns(['account_id', 'created_at', 'id'])
      .execute();
    await db.schema.alterTable('accounts').addColumn('disabled_at', 'text').execute();
    // Sums, not one row per call: calls of one second with the same account, key, persona, provider,
    // model, kind and outcome share a row (ADR 0042), so thousands of calls a second cost a few rows.
    await db.schema
      .createTable('usage_rollups')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('persona_id', 'text')
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('requests', 'integer', (c) => c.notNull())
      .addColumn('input_tokens', 'bigint', (c) => c.notNull())
      .addColumn('output_tokens', 'bigint', (c) => c.notNull())
      .addColumn('estimated', 'integer', (c) => c.notNull())
      .addColumn('latency_ms_total', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('usage_rollups_account_created')
      .on('usage_rollups')
      .columns(['account_id', 'created_at'])
      .execute();
    await db.schema
      .createIndex('usage_rollups_key_day')
      .on('usage_rollups')
      .columns(['key_id', 'day'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('usage_rollups').execute();
    await db.schema.dropIndex('api_keys_account_created').execute();
    await db.schema.alterTable('accounts').dropColumn('disabled_at').execute();
    for (const name of [
      'name',
      'scopes',
      'expires_at',
      'budget_requests',
      'budget_tokens',
      'replaced_by',
      'operator',
    ])
      await db.schema.alterTable('api_keys').dropColumn(name).execute();
  },
};

/**
 * A persona's card image and CHARX assets (issue 16), apart from the persona row so persona reads (the hot
 * path and its cache) never carry megabytes of image. Deleting the persona deletes them.
 */
migrations['0014_persona_images'] = {
  async up(db: Kysely<unknown>) {
    const bytes = db.getExecutor().adapter instanceof PostgresAdapter ? 'bytea' : 'blob';
    await db.schema
      .createTable('persona_images')
      .addColumn('persona_id', 'text', (c) => c.notNull().references('personas.id').onDelete('cascade'))
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('media_type', 'text', (c) => c.notNull())
      .addColumn('data', sql.raw(bytes), (c) => c.notNull())
      .addPrimaryKeyConstraint('persona_images_pk', ['persona_id', 'path'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('persona_images').execute();
  },
};

/**
 * Crawl politeness across instances (ADR 0030): one row per host being crawled, held by one request at a
 * time of any instance sharing the store, with an expiry so a crashed holder frees the host by itself.
 */
migrations['0011_ingest_locks'] = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('crawl_host_leases')
      .addColumn('host', 'text', (c) => c.primaryKey())
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('locked_until', 'text', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('crawl_host_leases').execute();
  },
};

/**
 * Tavus conversations in text (issue 15): a row per conversation and its append-only event log. `last_seq`
 * hands out each event's number under the row's lock, so seq is strictly increasing per conversation
 * even with several instances appending; events are the transcript, so a hard delete removes them.
 */
migrations['0017_conversations'] = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('conversations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('persona_id', 'text')
      .addColumn('replica_id', 'text')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('callback_url', 'text')
      .addColumn('context', 'text')
      .addColumn('fields', 'text', (c) => c.notNull())
      .addColumn('meeting_token', 'text')
      .addColumn('last_seq', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('turn_idx', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('participants', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('joined_at', 'text')
      .addColumn('shutdown_reason', 'text')
      .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('ended_at', 'text')
      .execute();
    await db.schema
      .createIndex('conversations_account_created')
      .on('conversations')
      .columns(['account_id', 'created_at'])
      .execute();
    await db.schema
      .createTable('conversation_events')
      .addColumn('conversation_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('visible', 'integer', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('conversation_events_pk', ['conversation_id', 'seq'])
      .execute();
    // Which conversations feed each memory store (memory_stores tags): their utterances are the memories.
    await db.schema
      .createTable('conversation_memories')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('store', 'text', (c) => c.notNull())
      .addColumn('conversation_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('conversation_memories_pk', ['account_id', 'store', 'conversation_id'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('conversation_memories').execute();
    await db.schema.dropTable('conversation_events').execute();
    await db.schema.dropTable('conversations').execute();
  },
};

/**
 * A turn's history reads the conversation's utterances only, newest first: without this index each turn
 * read (and parsed) every event of the conversation, streamed partials included, so a conversation's
 * cost grew with the square of its length (bench/conversations.ts: 7 ms to the first word after 30 s).
 */
migrations['0018_conversation_utterances'] = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createIndex('conversation_events_type_seq')
      .on('conversation_events')
      .columns(['conversation_id', 'event_type', 'seq'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex('conversation_events_type_seq').execute();
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
