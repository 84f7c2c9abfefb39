import { sql } from 'kysely';
import type { Ctx } from '../core/context.ts';
import { AppError, type ErrorCode } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { fieldsOf, rowToPersona } from '../core/persona.ts';
import { forgetVersions } from '../core/persona-version-cache.ts';
import { writeChange } from '../core/personas.ts';
import { resolveOutboundUrl } from '../net/outbound-url.ts';
import type { Tx } from '../storage/db.ts';
import type { DocumentRow } from '../storage/schema.ts';
import { enqueueCallback } from './callbacks.ts';
import type { CrawlConfig } from './document-wire.ts';
import { deleteChunks } from './index-store.ts';
import { noteDocumentsWrite } from './ready-documents.ts';

/**
 * Knowledge documents (Tavus /v2/documents): the rows, their limits and their lifecycle. Every read and
 * write is scoped to the caller's account: another account's document is "not found". Processing is a
 * 'knowledge.ingest' job enqueued in the transaction that writes the row (src/knowledge/ingest.ts).
 */

export const INGEST_JOB = 'knowledge.ingest';
export const MAX_CRAWL_DOCUMENTS = 100;
export const MAX_CONCURRENT_CRAWLS = 5;
export const RECRAWL_COOLDOWN_MS = 60 * 60 * 1000;
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
const ACTIVE = ['started', 'processing', 'recrawling'];

/** Errors Tavus words as `{"error": ...}` even though their status is not 400 (recrawl's 409, crawl 429s). */
export class DocumentRequestError extends AppError {
  constructor(code: ErrorCode, message: string) {
    super(code, message);
    this.name = 'DocumentRequestError';
  }
}

export const documentNotFound = () => new AppError('not_found', 'Document not found');
export const ingestKey = (documentId: string) => `document:${documentId}`;

export interface NewDocument {
  document_url?: string | undefined;
  document_name?: string | undefined;
  callback_url?: string | undefined;
  tags?: string[] | undefined;
  crawl?: CrawlConfig | undefined;
}

/** An upload already written to document_uploads under `documentId`. */
export interface UploadedFile {
  documentId: string;
  fileName: string;
  contentType: string | undefined;
  size: number;
}

export async function createDocument(
  ctx: Ctx,
  input: NewDocument,
  upload?: UploadedFile,
): Promise<DocumentRow> {
  const allowed = ctx.config.PERSONAKIT_ALLOWED_HOSTS;
  if (input.document_url !== undefined) await resolveOutboundUrl(input.document_url, allowed, 'document_url');
  if (input.callback_url !== undefined) await resolveOutboundUrl(input.callback_url, allowed, 'callback_url');
  if (input.crawl) await checkCrawlLimits(ctx, true);
  const now = ctx.now().toISOString();
  const row: DocumentRow = {
    id: upload?.documentId ?? newId('d'),
    account_id: ctx.accountId,
    name: input.document_name ?? defaultName(input.document_url, upload?.fileName),
    document_url: upload ? null : (input.document_url ?? null),
    file_name: upload?.fileName ?? null,
    content_type: upload?.contentType ?? null,
    size_bytes: upload?.size ?? null,
    callback_url: input.callback_url ?? null,
    tags: JSON.stringify(input.tags ?? []),
    status: 'started',
    progress: null,
    error_code: null,
    error_message: null,
    crawl_config: input.crawl && !upload ? JSON.stringify(input.crawl) : null,
    crawled_urls: null,
    last_crawled_at: null,
    crawl_count: input.crawl && !upload ? 0 : null,
    generation: 1,
    created_at: now,
    updated_at: now,
  };
  await ctx.db.kysely.transaction().execute(async (tx) => {
    await tx.insertInto('documents').values(row).execute();
    await ctx.jobs.enqueue(
      INGEST_JOB,
      { documentId: row.id, generation: 1 },
      { uniqueKey: ingestKey(row.id), accountId: ctx.accountId, maxAttempts: 3 },
      tx,
    );
  });
  return row;
}

function defaultName(url: string | undefined, fileName: string | undefined): string {
  if (fileName) return fileName;
  if (url) {
    const u = new URL(url);
    const last = u.pathname.split('/').filter(Boolean).at(-1);
    return last ? `${u.hostname}/${last}` : u.hostname;
  }
  return 'Untitled document';
}

/** The documented crawl limits: 100 crawl documents per account (for a new one), 5 crawls at a time. */
async function checkCrawlLimits(ctx: Ctx, isNew: boolean): Promise<void> {
  const crawls = ctx.db.kysely
    .selectFrom('documents')
    .where('account_id', '=', ctx.accountId)
    .where('crawl_config', 'is not', null)
    .select((eb) => eb.fn.countAll<number | string>().as('n'));
  if (isNew) {
    const total = Number((await crawls.executeTakeFirstOrThrow()).n);
    if (total >= MAX_CRAWL_DOCUMENTS) {
      throw new DocumentRequestError(
        'rate_limited',
        `Crawl document limit reached (${MAX_CRAWL_DOCUMENTS}). Contact your operator to increase your limit.`,
      );
    }
  }
  const active = Number((await crawls.where('status', 'in', ACTIVE).executeTakeFirstOrThrow()).n);
  if (active >= MAX_CONCURRENT_CRAWLS) {
    throw new DocumentRequestError(
      'rate_limited',
      `Concurrent crawl limit reached (${MAX_CONCURRENT_CRAWLS}). Wait for a crawl to finish and try again.`,
    );
  }
}

export async function getDocument(ctx: Ctx, id: string): Promise<DocumentRow> {
  const row = await ctx.db.kysely
    .selectFrom('documents')
    .selectAll()
    .where('id', '=', id)
    .where('account_id', '=', ctx.accountId)
    .executeTakeFirst();
  if (!row) throw documentNotFound();
  return row;
}

export interface DocumentListQuery {
  limit: number;
  page: number;
  sort: 'ascending' | 'descending';
  status?: string | undefined;
  name_or_uuid?: string | undefined;
  tags?: string[] | undefined;
}

/** LIKE with the pattern's own wildcards escaped, so user text matches literally. */
const likeEscape = (s: string) => s.replaceAll('\\', '\\\\').replaceAll('%', '\\%').replaceAll('_', '\\_');

export async function listDocuments(
  ctx: Ctx,
  q: DocumentListQuery,
): Promise<{ items: DocumentRow[]; total: number }> {
  let base = ctx.db.kysely.selectFrom('documents').where('account_id', '=', ctx.accountId);
  if (q.status) base = base.where('status', '=', q.status);
  const term = q.name_or_uuid;
  if (term) {
    const pattern = `%${likeEscape(term.toLowerCase())}%`;
    base = base.where((eb) =>
      eb.or([eb('id', '=', term), sql<boolean>`lower(name) LIKE ${pattern} ESCAPE '\\'`]),
    );
  }
  const tags = q.tags ?? [];
  if (tags.length > 0) {
    // Tags are a JSON array of strings: a tag appears in the text exactly as JSON.stringify writes it.
    base = base.where((eb) =>
      eb.or(tags.map((t) => sql<boolean>`tags LIKE ${`%${likeEscape(JSON.stringify(t))}%`} ESCAPE '\\'`)),
    );
  }
  const dir = q.sort === 'descending' ? 'desc' : 'asc';
  const [items, count] = await Promise.all([
    base
      .selectAll()
      .orderBy('created_at', dir)
      .orderBy('id', dir)
      .limit(q.limit)
      .offset(q.page * q.limit)
      .execute(),
    base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(count.n) };
}

export async function patchDocument(
  ctx: Ctx,
  id: string,
  patch: { document_name?: string | undefined; tags?: string[] | undefined },
): Promise<DocumentRow> {
  const current = await getDocument(ctx, id);
  const set: Partial<DocumentRow> = { updated_at: later(ctx, current.updated_at) };
  if (patch.document_name !== undefined) set.name = patch.document_name;
  if (patch.tags !== undefined) set.tags = JSON.stringify(patch.tags);
  await ctx.db.kysely.transaction().execute(async (tx) => {
    const res = await tx
      .updateTable('documents')
      .set(set)
      .where('id', '=', id)
      .where('account_id', '=', ctx.accountId)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw documentNotFound();
    // A name or tags change moves what searches find and call it (ready-documents.ts).
    await ctx.db.announceChange(tx, 'documents');
  });
  noteDocumentsWrite(ctx.db, ctx.accountId);
  return { ...current, ...set };
}

const later = (ctx: Ctx, previous: string) =>
  new Date(Math.max(ctx.now().getTime(), Date.parse(previous) + 1)).toISOString();

/**
 * Deletes the document and everything it left: chunks, extracted text, the stored upload, its place in
 * the account's personas' document_ids, and its ingestion job. A job mid-processing finds the row gone
 * when it commits (it writes only inside a transaction that re-reads the row), so nothing comes back.
 */
export async function deleteDocument(ctx: Ctx, id: string): Promise<void> {
  const touched = await ctx.db.kysely.transaction().execute(async (tx) => {
    let q = tx
      .selectFrom('documents')
      .select('id')
      .where('id', '=', id)
      .where('account_id', '=', ctx.accountId);
    if (ctx.db.dialect === 'postgres') q = q.forUpdate();
    if (!(await q.executeTakeFirst())) throw documentNotFound();
    await deleteChunks(ctx.db, id, tx);
    await tx.deleteFrom('document_uploads').where('document_id', '=', id).execute();
    await tx.deleteFrom('document_contents').where('document_id', '=', id).execute();
    await tx.deleteFrom('documents').where('id', '=', id).execute();
    const personas = await removeFromPersonas(ctx, tx, id);
    if (personas.length > 0) await ctx.db.announceChange(tx, 'personas');
    await ctx.db.announceChange(tx, 'documents');
    return personas;
  });
  noteDocumentsWrite(ctx.db, ctx.accountId);
  for (const p of touched) {
    ctx.personas.invalidate(p.personaId);
    if (p.pruned.length > 0) forgetVersions(ctx.db, p.personaId, p.pruned);
  }
  await ctx.jobs.cancel({ kind: INGEST_JOB, uniqueKey: ingestKey(id) });
}

/**
 * Drops the document from the lists of the account's personas that name it, each a change like any other:
 * the row locked (FOR UPDATE on PostgreSQL; SQLite has one writer), a new version written in this same
 * transaction, retention applied. Returns the personas changed and the versions retention removed.
 */
async function removeFromPersonas(ctx: Ctx, tx: Tx, id: string): Promise<RemovedFrom[]> {
  let q = tx
    .selectFrom('personas')
    .selectAll()
    .where('account_id', '=', ctx.accountId)
    .where(sql<boolean>`document_ids LIKE ${`%${likeEscape(JSON.stringify(id))}%`} ESCAPE '\\'`)
    // One lock order for every deletion, so two of them on shared personas cannot deadlock.
    .orderBy('id');
  if (ctx.db.dialect === 'postgres') q = q.forUpdate();
  const rows = await q.execute();
  const changed: RemovedFrom[] = [];
  for (const row of rows) {
    const current = rowToPersona(row);
    const documentIds = current.documentIds.filter((d) => d !== id);
    // The LIKE is a prefilter: an id that only contains this one is not a match.
    if (documentIds.length === current.documentIds.length) continue;
    const { pruned } = await writeChange(ctx, tx, current, { ...fieldsOf(current), documentIds });
    changed.push({ personaId: current.id, pruned });
  }
  return changed;
}

interface RemovedFrom {
  personaId: string;
  pruned: number[];
}

export async function recrawlDocument(ctx: Ctx, id: string, crawl?: CrawlConfig): Promise<DocumentRow> {
  const current = await getDocument(ctx, id);
  if (current.document_url === null || (current.crawl_config === null && !crawl)) {
    throw new AppError('invalid', 'Document was not created with crawl configuration');
  }
  if (current.status !== 'ready' && current.status !== 'error') {
    throw new DocumentRequestError(
      'conflict',
      `Document must be in 'ready' or 'error' state to recrawl, current status: ${current.status}`,
    );
  }
  if (current.last_crawled_at !== null) {
    const wait = Date.parse(current.last_crawled_at) + RECRAWL_COOLDOWN_MS - ctx.now().getTime();
    if (wait > 0) {
      const minutes = Math.ceil(wait / 60_000);
      throw new DocumentRequestError(
        'rate_limited',
        `Recrawl cooldown: please wait ${minutes} minute${minutes === 1 ? '' : 's'} before recrawling this document.`,
      );
    }
  }
  await checkCrawlLimits(ctx, current.crawl_config === null);
  const generation = current.generation + 1;
  const next: DocumentRow = {
    ...current,
    status: 'recrawling',
    progress: null,
    error_code: null,
    error_message: null,
    crawl_config: JSON.stringify(crawl ?? JSON.parse(current.crawl_config ?? '{}')),
    crawl_count: current.crawl_count ?? 0,
    generation,
    updated_at: later(ctx, current.updated_at),
  };
  await ctx.db.kysely.transaction().execute(async (tx) => {
    const res = await tx
      .updateTable('documents')
      .set({
        status: next.status,
        progress: null,
        error_code: null,
        error_message: null,
        crawl_config: next.crawl_config,
        crawl_count: next.crawl_count,
        generation,
        updated_at: next.updated_at,
      })
      .where('id', '=', id)
      .where('generation', '=', current.generation)
      .where('status', 'in', ['ready', 'error'])
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) {
      throw new DocumentRequestError(
        'conflict',
        'Document changed while the recrawl was being started; retry',
      );
    }
    await ctx.jobs.enqueue(
      INGEST_JOB,
      { documentId: id, generation },
      { uniqueKey: ingestKey(id), accountId: ctx.accountId, maxAttempts: 3 },
      tx,
    );
    await enqueueCallback(ctx, next, tx);
    // ready → recrawling: out of the searchable set until the new text is in.
    await ctx.db.announceChange(tx, 'documents');
  });
  noteDocumentsWrite(ctx.db, ctx.accountId);
  return next;
}

/** The extracted text of a ready document. */
export async function documentContent(ctx: Ctx, id: string): Promise<string> {
  const doc = await getDocument(ctx, id);
  const row = await ctx.db.kysely
    .selectFrom('document_contents')
    .select('text')
    .where('document_id', '=', id)
    .executeTakeFirst();
  if (!row) {
    throw new DocumentRequestError('conflict', `Document has no extracted text yet (status: ${doc.status})`);
  }
  return row.text;
}

/** Ids among `ids` that are not documents of the caller's account (for personas' document_ids). */
export async function unknownDocumentIds(ctx: Ctx, ids: readonly string[]): Promise<string[]> {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return [];
  const found = new Set<string>();
  for (let i = 0; i < wanted.length; i += 500) {
    const rows = await ctx.db.kysely
      .selectFrom('documents')
      .select('id')
      .where('account_id', '=', ctx.accountId)
      .where('id', 'in', wanted.slice(i, i + 500))
      .execute();
    for (const r of rows) found.add(r.id);
  }
  return wanted.filter((id) => !found.has(id));
}
