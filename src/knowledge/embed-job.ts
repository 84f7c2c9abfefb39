import type { Services } from '../core/context.ts';
import type { Tx } from '../storage/db.ts';
import { embedConcurrently } from './embeddings.ts';
import { accountsToEmbed, chunksToEmbed, embeddingText, storeVectors } from './index-store.ts';

/**
 * The 'knowledge.embed' job (ADR 0057): gives every chunk of one account a vector of the configured
 * model, REEMBED_BATCH chunks per round. It runs when the model changed (or embeddings were just
 * configured), found at start, and after an ingestion whose embedding failed or was too large to do
 * inline. One pending job per account (its unique key), in the store's queue: it survives a restart, and
 * of several instances one does it. Until it is done, search compares only vectors of the current model.
 */
export const EMBED_JOB = 'knowledge.embed';

const embedKey = (accountId: string) => `embed:${accountId}`;

interface EmbedPayload {
  accountId: string;
}

export function registerEmbedJob(services: Services): void {
  services.jobs.handle(
    EMBED_JOB,
    (job, signal) => embedAccount(services, job.payload as EmbedPayload, signal),
    {
      concurrency: 1,
      leaseMs: services.config.PERSONAKIT_JOB_LEASE_MS,
      onFailed: async (job, err) => {
        // The chunks keep full-text search; the next start (or the next ingestion) tries again.
        services.log.warn(
          { err, accountId: (job.payload as EmbedPayload).accountId },
          'embedding chunks failed; search stays full-text for them',
        );
      },
    },
  );
}

/** Queues the account's embedding job (once: a pending one is reused). */
export async function enqueueEmbedding(services: Services, accountId: string, tx?: Tx): Promise<void> {
  if (!services.embedder) return;
  await services.jobs.enqueue(
    EMBED_JOB,
    { accountId } satisfies EmbedPayload,
    { uniqueKey: embedKey(accountId), accountId },
    tx,
  );
}

/** At start: one job per account whose chunks lack vectors of the configured model. */
export async function enqueueStaleEmbeddings(services: Services): Promise<number> {
  const embedder = services.embedder;
  if (!embedder) return 0;
  const accounts = await accountsToEmbed(services.db, embedder.model);
  for (const accountId of accounts) await enqueueEmbedding(services, accountId);
  if (accounts.length > 0) {
    services.log.info(
      { accounts: accounts.length, model: embedder.model },
      'chunks without vectors of the configured embeddings model: re-embedding in the background',
    );
  }
  return accounts.length;
}

async function embedAccount(services: Services, p: EmbedPayload, signal: AbortSignal): Promise<void> {
  const embedder = services.embedder;
  if (!embedder) return;
  let after = '';
  let embedded = 0;
  let thisPass = 0;
  for (;;) {
    signal.throwIfAborted();
    const rows = await chunksToEmbed(services.db, p.accountId, embedder.model, after);
    if (rows.length === 0) {
      // Chunks written during the pass (random ids, some behind the cursor) found no new job to queue
      // (this one held the key): one more pass from the start until a pass finds nothing.
      if (thisPass === 0) break;
      after = '';
      thisPass = 0;
      continue;
    }
    const vectors = await embedConcurrently(
      embedder,
      rows.map((r) => embeddingText({ headingPath: headings(r.heading_path), text: r.text })),
      signal,
    );
    signal.throwIfAborted();
    await storeVectors(
      services.db,
      embedder.model,
      rows.map((r, i) => ({ id: r.id, vector: vectors[i] as Float32Array })),
    );
    embedded += rows.length;
    thisPass += rows.length;
    after = rows[rows.length - 1]?.id ?? after;
  }
  if (embedded > 0) {
    services.log.info({ accountId: p.accountId, chunks: embedded, model: embedder.model }, 'chunks embedded');
  }
}

function headings(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
