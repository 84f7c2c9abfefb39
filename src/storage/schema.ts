import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Row types of the store, shared by both backends. JSON columns are TEXT on both: PostgreSQL's jsonb
 * would reorder and deduplicate object keys, and the OpenGiant surface returns attributes exactly as
 * they were sent. Timestamps are ISO-8601 UTC strings with milliseconds, which sort correctly as text.
 */
export interface AccountsTable {
  id: string;
  name: string;
  created_at: string;
  /** A disabled account's keys all stop working (0013). */
  disabled_at: Generated<string | null>;
}

export interface ApiKeysTable {
  id: string;
  account_id: string;
  /** sha256 of the key, hex. Keys are 144-bit random, so a fast hash is enough and keeps auth cheap. */
  key_hash: string;
  /** The first characters of the key, to recognise it in `keys list`. */
  prefix: string;
  created_at: string;
  revoked_at: string | null;
  /** The fields below came with 0013 (keys over HTTP). */
  name: Generated<string | null>;
  /** JSON array of scopes (core/scopes.ts); null = every scope (keys made before 0013). */
  scopes: Generated<string | null>;
  expires_at: Generated<string | null>;
  /** 1 for an operator key: manages accounts and any account's keys. */
  operator: Generated<number>;
  /** Per-day budgets (UTC days); null = none. */
  budget_requests: Generated<number | null>;
  budget_tokens: Generated<number | null>;
  /** The key a rotation made in its place. */
  replaced_by: Generated<string | null>;
}

/**
 * Metered calls (refine, chat, conversation turns) summed per second and per account, key, persona,
 * provider, model, kind and outcome (core/usage.ts): written in batches of a few rows however many calls.
 */
export interface UsageRollupsTable {
  id: string;
  account_id: string;
  key_id: string;
  /** refine | chat | conversation */
  kind: string;
  persona_id: string | null;
  provider: string;
  model: string;
  /** ok, or the error code the calls ended with. */
  outcome: string;
  /** The UTC day, YYYY-MM-DD: group_by=day and the daily budgets read it. */
  day: string;
  /** The second the calls ended in (ISO-8601, milliseconds zero). */
  created_at: string;
  requests: number;
  input_tokens: number | string;
  output_tokens: number | string;
  /** How many of the calls have estimated tokens (the local engine reports none). */
  estimated: number;
  latency_ms_total: number | string;
}

export interface PersonasTable {
  id: string;
  account_id: string;
  /** 'user' for account personas, 'system' for built-ins readable by every account. */
  persona_type: Generated<string>;
  name: string;
  description: Generated<string>;
  attributes: Generated<string>;
  system_prompt: string | null;
  context: string | null;
  pipeline_mode: Generated<string>;
  default_replica_id: string | null;
  document_ids: Generated<string>;
  document_tags: Generated<string>;
  layers: Generated<string>;
  /** AES-256-GCM envelope of the secrets a persona keeps (Tavus layer keys), or null. */
  secrets: string | null;
  /** Character-card fields as JSON (core/persona-card.ts), or null. */
  card: string | null;
  created_at: string;
  updated_at: string;
  version: Generated<number>;
}

/**
 * One immutable row per state a persona has been in (issue 16): written in the transaction that made the
 * change, never updated. `fields` is the JSON of fieldsToRow() (secrets still sealed), so a field added to
 * personas later is captured without a migration here.
 */
export interface PersonaVersionsTable {
  persona_id: string;
  version: number;
  account_id: string;
  created_at: string;
  /** The API key that made the change; null when no key did (system personas, recorded later). */
  key_id: string | null;
  /** Set on a version made by a restore: the version it copies. */
  restored_from: number | null;
  fields: string;
}

export interface IdempotencyKeysTable {
  account_id: string;
  key: string;
  /** sha256 of method, path and body: a reused key with another request is refused. */
  fingerprint: string;
  /** 0 while the first request is in flight. */
  status: number;
  content_type: string | null;
  body: string | null;
  created_at: string;
  /** The in-flight claim's owner (a random token) and until when it holds unless renewed (0005). */
  lease_owner: string | null;
  lease_until: string | null;
  /** 1 when the answer was larger than the replay limit: the key still detects reuse, nothing replays. */
  body_omitted: Generated<number>;
}

/** A music clip registered by an account (generated elsewhere, or uploaded). URLs are stored, never fetched. */
export interface ClipsTable {
  account_id: string;
  id: string;
  /** 'gen' (generated) or 'upload'. */
  clip_type: string;
  title: string;
  audio_url: string;
  video_url: string;
  image_url: string;
  image_large_url: string;
  major_model_version: string;
  model_name: string;
  /** Suno style tags, comma-separated as Suno writes them. */
  tags: string;
  prompt: string;
  duration: number | null;
  status: string;
  /** Booleans are 0/1 integers on both backends. */
  is_public: Generated<number>;
  is_trashed: Generated<number>;
  created_at: string;
  /** The upstream task that generated it, when it came from the upstream through personakit; else null. */
  task_id: Generated<string | null>;
}

/** An upstream generation task and the account that started it: only that account may poll it. */
export interface SunoTasksTable {
  task_id: string;
  account_id: string;
  created_at: string;
}

/** The Suno-specific part of a persona row. */
export interface SunoPersonasTable {
  persona_id: string;
  account_id: string;
  root_clip_id: string;
  is_public: Generated<number>;
  /** The same persona's id at the operator's upstream, sent there as persona_id when set. */
  upstream_persona_id: string | null;
}

/** The clips of a persona, in order; `position` (1-based) is the persona_clips[].id on the wire. */
export interface PersonaClipsTable {
  persona_id: string;
  position: number;
  account_id: string;
  clip_id: string;
}

/**
 * A background job (0008, src/jobs/): claimed with a lease, retried with backoff, resumed after a crash.
 * `status`: pending | running | done | failed | cancelled.
 */
export interface JobsTable {
  id: string;
  kind: string;
  /** JSON text. */
  payload: string;
  account_id: string | null;
  /** At most one pending or running job per key (a partial unique index); finished jobs keep theirs. */
  unique_key: string | null;
  status: string;
  /** Claims so far, counted when claimed: a claim whose process died counts too. */
  attempts: number;
  max_attempts: number;
  /** When a pending job may be claimed (ISO-8601 UTC). */
  run_at: string;
  /** The claiming queue's owner id and until when the claim holds unless renewed. */
  locked_by: string | null;
  locked_until: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

/** A knowledge document (Tavus /v2/documents): a URL, a crawl or an upload, and its ingestion state. */
export interface DocumentsTable {
  id: string;
  account_id: string;
  name: string;
  /** The source URL; null for an upload. */
  document_url: string | null;
  /** An upload's file name and declared type; null for a URL. */
  file_name: string | null;
  content_type: string | null;
  size_bytes: number | string | null;
  callback_url: string | null;
  /** JSON array of strings. */
  tags: Generated<string>;
  /** started | processing | recrawling | ready | error */
  status: string;
  /** 0-100 while processing, else null. */
  progress: number | null;
  error_code: string | null;
  error_message: string | null;
  /** JSON `{depth, max_pages}` for crawl documents, else null. */
  crawl_config: string | null;
  /** JSON array of URLs, after a crawl completed. */
  crawled_urls: string | null;
  last_crawled_at: string | null;
  crawl_count: number | null;
  /** Bumped by each (re)ingestion: a job for an older generation must not write its result. */
  generation: Generated<number>;
  created_at: string;
  updated_at: string;
}

/**
 * One retrievable passage of a document (src/knowledge/index-store.ts). Not typed here: SQLite's `seq`
 * (the FTS5 rowid) and PostgreSQL's generated `tsv` and `dl` columns, used only by raw SQL.
 */
export interface KnowledgeChunksTable {
  id: string;
  account_id: string;
  document_id: string;
  ordinal: number;
  text: string;
  /** JSON array of the headings above the chunk, outermost first. */
  heading_path: string;
  page: number | null;
  sheet: string | null;
  url: string | null;
  tokens: number;
  /** float32 little-endian vector from the operator's embeddings endpoint, or null. */
  embedding: Uint8Array | null;
  embedding_model: string | null;
  created_at: string;
}

/** PostgreSQL only: in how many chunks of a document each lexeme occurs (BM25 document frequency). */
export interface KnowledgeTermsTable {
  lexeme: string;
  document_id: string;
  df: number;
}

/** PostgreSQL only: a document's chunk count and total length in lexemes (BM25 N and avgdl). */
export interface KnowledgeDocStatsTable {
  document_id: string;
  chunks: number;
  total_len: number | string;
}

/** Per account: the knowledge index version, bumped by every chunk write (ADR 0028). */
export interface KnowledgeIndexAccountsTable {
  account_id: string;
  version: number | string;
}

/** Per document: the account version at which its chunks last changed (ADR 0028). */
export interface KnowledgeIndexDocsTable {
  document_id: string;
  account_id: string;
  version: number | string;
}

export interface DocumentContentsTable {
  document_id: string;
  text: string;
}

export interface DocumentUploadsTable {
  document_id: string;
  seq: number;
  data: Uint8Array;
}

/** A persona's card image (`role` icon) and other card assets (`role` asset), by path (0014). */
export interface PersonaImagesTable {
  persona_id: string;
  path: string;
  role: string;
  media_type: string;
  data: Uint8Array;
}

/** A host's crawl turn (migration 0011): who holds it and until when (ISO time; lapsed = free). */
export interface CrawlHostLeasesTable {
  host: string;
  holder: string;
  locked_until: string;
}

/** A Tavus conversation (src/conversations/). */
export interface ConversationsTable {
  id: string;
  account_id: string;
  persona_id: string | null;
  replica_id: string | null;
  name: string;
  /** active | ended */
  status: string;
  callback_url: string | null;
  /** The conversational_context as it is now (overwrite/append interactions change it). */
  context: string | null;
  /** JSON: every field of the create request, as given. */
  fields: string;
  meeting_token: string | null;
  last_seq: Generated<number>;
  turn_idx: Generated<number>;
  /** Live clients connected now (page, WebSocket, SSE), across instances. */
  participants: Generated<number>;
  joined_at: string | null;
  shutdown_reason: string | null;
  /** 1 after a soft DELETE: gone from the API, events kept. */
  deleted: Generated<number>;
  created_at: string;
  updated_at: string;
  ended_at: string | null;
}

/** One event of a conversation's log; `visible` 0 for interactions kept only for the engine. */
export interface ConversationEventsTable {
  conversation_id: string;
  seq: number;
  event_type: string;
  visible: number;
  /** JSON: the envelope as broadcast. */
  body: string;
  created_at: string;
}

/** A conversation that feeds a memory store of its account (its utterances are the store's memories). */
export interface ConversationMemoriesTable {
  account_id: string;
  store: string;
  conversation_id: string;
  created_at: string;
}

export type ConversationRow = Selectable<ConversationsTable>;

export interface Database {
  conversation_memories: ConversationMemoriesTable;
  conversations: ConversationsTable;
  conversation_events: ConversationEventsTable;
  crawl_host_leases: CrawlHostLeasesTable;
  documents: DocumentsTable;
  document_contents: DocumentContentsTable;
  document_uploads: DocumentUploadsTable;
  accounts: AccountsTable;
  api_keys: ApiKeysTable;
  usage_rollups: UsageRollupsTable;
  personas: PersonasTable;
  persona_versions: PersonaVersionsTable;
  idempotency_keys: IdempotencyKeysTable;
  clips: ClipsTable;
  suno_personas: SunoPersonasTable;
  persona_clips: PersonaClipsTable;
  suno_tasks: SunoTasksTable;
  jobs: JobsTable;
  knowledge_chunks: KnowledgeChunksTable;
  knowledge_terms: KnowledgeTermsTable;
  knowledge_doc_stats: KnowledgeDocStatsTable;
  knowledge_index_accounts: KnowledgeIndexAccountsTable;
  knowledge_index_docs: KnowledgeIndexDocsTable;
  persona_images: PersonaImagesTable;
}

export type PersonaRow = Selectable<PersonasTable>;
export type NewPersonaRow = Insertable<PersonasTable>;
export type PersonaRowUpdate = Updateable<PersonasTable>;
export type PersonaVersionRow = Selectable<PersonaVersionsTable>;
export type NewPersonaVersionRow = Insertable<PersonaVersionsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type AccountRow = Selectable<AccountsTable>;
export type ClipRow = Selectable<ClipsTable>;
export type JobRow = Selectable<JobsTable>;
export type DocumentRow = Selectable<DocumentsTable>;
