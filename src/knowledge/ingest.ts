import type { Services } from '../core/context.ts';
import type { JobRecord } from '../jobs/queue.ts';
import { allowListOf } from '../net/outbound-url.ts';
import type { DocumentRow } from '../storage/schema.ts';
import { CALLBACK_JOB, deliverCallback, enqueueCallback } from './callbacks.ts';
import { type Chunk, chunkDocument } from './chunk.ts';
import type { CrawlConfig } from './document-wire.ts';
import { INGEST_JOB, MAX_UPLOAD_BYTES } from './documents.ts';
import { enqueueEmbedding, registerEmbedJob } from './embed-job.ts';
import { embedConcurrently } from './embeddings.ts';
import { extractDocument } from './extract/index.ts';
import { type ExtractedBlock, type ExtractedDocument, KnowledgeError } from './extract/types.ts';
import { crawlSite, fetchUrl, type HostLock } from './fetch/index.ts';
import { storeHostLock } from './host-leases.ts';
import { embeddingText, replaceChunks } from './index-store.ts';
import { noteDocumentsWrite } from './ready-documents.ts';
import { readUpload } from './uploads.ts';

/**
 * The 'knowledge.ingest' job: source (upload, URL or crawl) → extractDocument → chunkDocument →
 * replaceChunks → ready. Every write re-reads the row in its transaction and checks the generation the
 * job was enqueued for: a document deleted (or recrawled anew) meanwhile is left alone, so nothing of it
 * comes back. A KnowledgeError is the document's fault (bad file, unreachable URL): the document goes to
 * `error` with its code at once. Anything else is retried by the queue; after the last attempt the
 * document says `internal_error`.
 */

/**
 * Chunks embedded inside the ingestion job, before the document is `ready` (ADR 0057). A larger document
 * goes `ready` with full text at once and the background embedding job gives it vectors in bounded
 * rounds: 2,000 vectors of 1,536 dimensions are 12 MB held until the chunks are written.
 */
export const INLINE_EMBED_MAX_CHUNKS = 2000;

interface IngestPayload {
  documentId: string;
  generation: number;
}

export function registerKnowledgeJobs(services: Services): void {
  // Crawls take turns per host with every instance on this store, not only within this process.
  const hostLock = storeHostLock(services.db);
  services.jobs.handle(INGEST_JOB, (job, signal) => ingest(services, job, signal, hostLock), {
    concurrency: services.config.PERSONAKIT_INGEST_CONCURRENCY,
    // Renewed while it runs (extraction is in a worker thread, so the event loop is free to renew): a
    // short lease only bounds how long a crashed process's document waits before another takes it over.
    leaseMs: services.config.PERSONAKIT_JOB_LEASE_MS,
    onFailed: async (job, err) => {
      services.log.error({ err, jobId: job.id }, 'document ingestion failed');
      const p = job.payload as IngestPayload;
      await finish(services, p, { status: 'error', code: 'internal_error', message: 'Processing failed' });
    },
  });
  services.jobs.handle(CALLBACK_JOB, (job, signal) => deliverCallback(services, job, signal), {
    concurrency: 4,
  });
  registerEmbedJob(services);
}

async function ingest(
  services: Services,
  job: JobRecord,
  signal: AbortSignal,
  hostLock: HostLock,
): Promise<void> {
  const p = job.payload as IngestPayload;
  const doc = await current(services, p);
  if (!doc) return;
  // `recrawling` stays as is while it runs (Tavus shows it until ready); a new document is `processing`.
  if (
    !(await update(services, p, {
      status: doc.status === 'recrawling' ? 'recrawling' : 'processing',
      progress: 10,
    }))
  )
    return;
  let extracted: ExtractedDocument;
  let crawledUrls: string[] | undefined;
  try {
    const source = await load(services, doc, signal, hostLock);
    if (signal.aborted || !(await update(services, p, { progress: 50 }))) return;
    extracted = source.doc;
    crawledUrls = source.crawledUrls;
  } catch (err) {
    if (signal.aborted) return;
    if (err instanceof KnowledgeError) {
      await finish(services, p, { status: 'error', code: err.code, message: err.message });
      return;
    }
    throw err;
  }
  let chunks: Chunk[];
  try {
    chunks = chunkDocument(extracted);
  } catch (err) {
    services.log.warn({ err, documentId: p.documentId }, 'chunking failed');
    await finish(services, p, {
      status: 'error',
      code: 'chunking_failed',
      message: 'The document could not be split into passages',
    });
    return;
  }
  if (chunks.length === 0) {
    await finish(services, p, { status: 'error', code: 'file_empty', message: 'The document has no text' });
    return;
  }
  const embedded = await embedChunks(services, p, chunks, signal);
  if (signal.aborted) return;
  await finish(services, p, {
    status: 'ready',
    chunks,
    text: contentText(extracted),
    crawledUrls,
    vectors: embedded,
  });
}

/**
 * The chunks' vectors when an embedder is configured, fetched before the terminal transaction (a slow
 * endpoint never holds the store's write lock). A failing endpoint does not fail the document: it becomes
 * `ready` with full-text search, the failure is logged, and finish() queues the background embedding job,
 * which retries with the queue's backoff. Null: no vectors now (none configured, failed, or too many).
 */
async function embedChunks(
  services: Services,
  p: IngestPayload,
  chunks: Chunk[],
  signal: AbortSignal,
): Promise<EmbeddedChunks | null> {
  const embedder = services.embedder;
  if (!embedder || chunks.length > INLINE_EMBED_MAX_CHUNKS) return null;
  if (!(await update(services, p, { progress: 75 }))) return null;
  try {
    const vectors = await embedConcurrently(
      embedder,
      chunks.map((c) => embeddingText(c)),
      signal,
    );
    return { model: embedder.model, vectors };
  } catch (err) {
    if (signal.aborted) return null;
    services.log.warn(
      { err, documentId: p.documentId, model: embedder.model },
      'embedding the document failed: it is ready with full-text search; vectors follow in the background',
    );
    return null;
  }
}

interface EmbeddedChunks {
  model: string;
  vectors: Float32Array[];
}

async function current(services: Services, p: IngestPayload): Promise<DocumentRow | undefined> {
  const row = await services.db.kysely
    .selectFrom('documents')
    .selectAll()
    .where('id', '=', p.documentId)
    .executeTakeFirst();
  return row && row.generation === p.generation ? row : undefined;
}

/** Writes progress (and a status change, with its callback). False when the document is gone. */
async function update(
  services: Services,
  p: IngestPayload,
  set: { status?: string; progress: number },
): Promise<boolean> {
  let changed: string | undefined;
  const written = await services.db.kysely.transaction().execute(async (tx) => {
    let q = tx
      .selectFrom('documents')
      .selectAll()
      .where('id', '=', p.documentId)
      .where('generation', '=', p.generation);
    if (services.db.dialect === 'postgres') q = q.forUpdate();
    const row = await q.executeTakeFirst();
    if (!row) return false;
    const next: DocumentRow = { ...row, ...set, updated_at: services.now().toISOString() };
    await tx
      .updateTable('documents')
      .set({ status: next.status, progress: next.progress, updated_at: next.updated_at })
      .where('id', '=', p.documentId)
      .execute();
    if (next.status !== row.status) await enqueueCallback(services, next, tx);
    if (leavesOrEntersReady(row.status, next.status)) {
      await services.db.announceChange(tx, 'documents');
      changed = row.account_id;
    }
    return true;
  });
  if (changed !== undefined) noteDocumentsWrite(services.db, changed);
  return written;
}

/** Whether a status change moves the document into or out of the searchable set (ready-documents.ts). */
const leavesOrEntersReady = (from: string, to: string) => from !== to && (from === 'ready' || to === 'ready');

type Outcome =
  | {
      status: 'ready';
      chunks: Chunk[];
      text: string;
      crawledUrls: string[] | undefined;
      vectors?: EmbeddedChunks | null;
    }
  | { status: 'error'; code: string; message: string };

/** The terminal write: chunks, text and status together, only if the document is still this generation. */
async function finish(services: Services, p: IngestPayload, outcome: Outcome): Promise<void> {
  const written = await services.db.kysely.transaction().execute(async (tx) => {
    let q = tx
      .selectFrom('documents')
      .selectAll()
      .where('id', '=', p.documentId)
      .where('generation', '=', p.generation);
    if (services.db.dialect === 'postgres') q = q.forUpdate();
    const row = await q.executeTakeFirst();
    if (!row) return false;
    const now = services.now().toISOString();
    const next: DocumentRow = { ...row, status: outcome.status, progress: null, updated_at: now };
    if (outcome.status === 'ready') {
      await replaceChunks(services.db, row.account_id, row.id, outcome.chunks, tx, {
        vectors: outcome.vectors ?? null,
      });
      // Vectors missing (failed, or too many to do inline): the account's embedding job fills them in.
      if (services.embedder && !outcome.vectors) await enqueueEmbedding(services, row.account_id, tx);
      await tx.deleteFrom('document_contents').where('document_id', '=', row.id).execute();
      await tx.insertInto('document_contents').values({ document_id: row.id, text: outcome.text }).execute();
      next.error_code = null;
      next.error_message = null;
      if (row.crawl_config !== null) {
        next.crawled_urls = JSON.stringify(outcome.crawledUrls ?? []);
        next.last_crawled_at = now;
        next.crawl_count = (row.crawl_count ?? 0) + 1;
      }
    } else {
      next.error_code = outcome.code;
      next.error_message = outcome.message;
    }
    await tx
      .updateTable('documents')
      .set({
        status: next.status,
        progress: null,
        error_code: next.error_code,
        error_message: next.error_message,
        crawled_urls: next.crawled_urls,
        last_crawled_at: next.last_crawled_at,
        crawl_count: next.crawl_count,
        updated_at: now,
      })
      .where('id', '=', row.id)
      .execute();
    // An upload is only read by its one ingestion: once it ends, the bytes go.
    await tx.deleteFrom('document_uploads').where('document_id', '=', row.id).execute();
    await enqueueCallback(services, next, tx);
    if (leavesOrEntersReady(row.status, next.status)) await services.db.announceChange(tx, 'documents');
    return row.account_id;
  });
  if (!written) return;
  noteDocumentsWrite(services.db, written);
  services.log.info(
    {
      documentId: p.documentId,
      status: outcome.status,
      ...(outcome.status === 'ready'
        ? {
            chunks: outcome.chunks.length,
            ...(services.embedder ? { embedded: outcome.vectors ? outcome.vectors.model : false } : {}),
          }
        : { code: outcome.code }),
    },
    'document processed',
  );
}

async function load(
  services: Services,
  doc: DocumentRow,
  signal: AbortSignal,
  hostLock: HostLock,
): Promise<{ doc: ExtractedDocument; crawledUrls?: string[] }> {
  // The parser is stopped when the job is (a deleted document, a lost claim, shutdown), not only at its timeout.
  const limits = { timeoutMs: services.config.PERSONAKIT_EXTRACT_TIMEOUT_MS };
  if (doc.document_url === null) {
    const bytes = await readUpload(services.db, doc.id);
    return {
      doc: await extractDocument(
        {
          bytes,
          signal,
          ...(doc.file_name !== null ? { fileName: doc.file_name } : {}),
          ...(doc.content_type !== null ? { contentType: doc.content_type } : {}),
        },
        limits,
      ),
    };
  }
  const fetchOptions = {
    allowedHosts: allowListOf(services.config.PERSONAKIT_ALLOWED_HOSTS),
    maxBytes: MAX_UPLOAD_BYTES,
    timeoutMs: services.config.PERSONAKIT_FETCH_TIMEOUT_MS,
    signal,
  };
  if (doc.crawl_config === null) {
    const page = await fetchUrl(doc.document_url, fetchOptions);
    return { doc: await extractDocument(pageInput(page, signal), limits) };
  }
  const crawl = JSON.parse(doc.crawl_config) as CrawlConfig;
  const blocks: ExtractedBlock[] = [];
  const urls: string[] = [];
  let title: string | undefined;
  await crawlSite(
    doc.document_url,
    { ...fetchOptions, depth: crawl.depth, maxPages: crawl.max_pages, hostLock },
    async (page) => {
      try {
        const one = await extractDocument(pageInput(page, signal), limits);
        title ??= one.title;
        for (const b of one.blocks) blocks.push({ ...b, url: b.url ?? page.finalUrl });
        urls.push(page.finalUrl);
      } catch (err) {
        // One unusable page (an image, an empty page) does not fail the crawl.
        if (!(err instanceof KnowledgeError)) throw err;
      }
    },
  );
  if (blocks.length === 0) {
    throw new KnowledgeError('website_processing_failed', 'No page of the site had usable text');
  }
  return { doc: { format: 'html', ...(title !== undefined ? { title } : {}), blocks }, crawledUrls: urls };
}

const pageInput = (
  page: { bytes: Uint8Array; contentType?: string; finalUrl: string },
  signal: AbortSignal,
) => ({
  bytes: page.bytes,
  signal,
  url: page.finalUrl,
  ...(page.contentType !== undefined ? { contentType: page.contentType } : {}),
  fileName: new URL(page.finalUrl).pathname,
});

/** The text a user sees at GET /v2/documents/{id}/content: blocks in order, headings as Markdown. */
function contentText(doc: ExtractedDocument): string {
  return doc.blocks
    .map((b) =>
      b.kind === 'heading' ? `${'#'.repeat(Math.min(Math.max(b.level ?? 1, 1), 6))} ${b.text}` : b.text,
    )
    .join('\n\n');
}
