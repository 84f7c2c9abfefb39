import type { Config } from '../config.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { Embedder } from '../knowledge/embeddings.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Tracing } from '../observability/tracing.ts';
import type { Db } from '../storage/db.ts';
import type { KeyCache } from './api-keys.ts';
import type { BudgetGuard } from './budgets.ts';
import type { PersonaCache } from './persona-cache.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { Principal } from './scopes.ts';
import type { SecretBox } from './secrets.ts';
import type { UsageRecorder } from './usage.ts';

/**
 * Long-lived services, built once at start and shared by every request. Core functions reach the world
 * only through these, so a test can build them around an in-memory database and a silent logger.
 */
export interface Services {
  config: Config;
  db: Db;
  log: Logger;
  keys: KeyCache;
  personas: PersonaCache;
  limiter: RateLimiter;
  /** Seals the secrets personas keep (AES-256-GCM); disabled when no key is configured. */
  secrets: SecretBox;
  /** The durable job queue in the store (knowledge ingestion, callbacks). */
  jobs: JobQueue;
  /** Prometheus metrics; null when they are not exposed (nothing is recorded then). */
  metrics: Metrics | null;
  /** OpenTelemetry tracing; null unless an OTLP endpoint is configured. */
  tracing: Tracing | null;
  /** The usage log (batched writes) and the per-key daily budgets that read it. */
  usage: UsageRecorder;
  budgets: BudgetGuard;
  /**
   * The operator's embeddings endpoint (PERSONAKIT_EMBEDDINGS_URL + _MODEL), made once per process;
   * null when not configured (knowledge search is then full text alone).
   */
  embedder: Embedder | null;
  now: () => Date;
}

/** What a core function gets for one authenticated call. */
export interface Ctx extends Services {
  accountId: string;
  /** The API key used for this call. */
  keyId: string;
  /** What the key may do (scopes, operator); absent outside a request. */
  principal?: Principal;
  log: Logger;
}
