import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Ctx } from '../../core/context.ts';
import { AppError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { AppEnv } from '../../http/env.ts';
import { boundaryOf, readMultipart } from '../../http/multipart.ts';
import { incomingOf } from '../../http/request-context.ts';
import { closeIfBodyUnreadHono } from '../../http/unread-body.ts';
import { zodToAppError } from '../../http/validation.ts';
import { documentWire } from '../../knowledge/document-wire.ts';
import { createDocument, MAX_UPLOAD_BYTES } from '../../knowledge/documents.ts';
import { uploadWriter } from '../../knowledge/uploads.ts';
import {
  DocumentCreateBody,
  DocumentSchema,
  docErrorResponses,
  documentUploadSchema,
} from './documents-schemas.ts';
import { security } from './schemas.ts';

export const route = createRoute({
  method: 'post',
  path: '/documents',
  tags: ['Tavus documents'],
  summary: 'Create Document',
  description:
    'Creates a document from a URL (one page, or a crawl with `crawl`) or, beyond Tavus, from an uploaded ' +
    'file (`multipart/form-data` with a `file` part, 50 MB at most, and the other fields as parts). ' +
    'Processing runs in the background: watch `status` (started → processing → ready | error).',
  security,
  request: {
    body: {
      // Not required: a multipart body skips the JSON validator and is read by the handler, streamed.
      required: false,
      content: {
        'application/json': { schema: DocumentCreateBody },
        'multipart/form-data': { schema: documentUploadSchema },
      },
    },
  },
  responses: {
    200: { description: 'The new document.', content: { 'application/json': { schema: DocumentSchema } } },
    ...docErrorResponses(400, 401, 413, 415, 429),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const ctx = c.get('ctx');
    const boundary = boundaryOf(c.req.header('content-type'));
    if (boundary !== undefined) return c.json(documentWire(await createFromUpload(ctx, c, boundary)), 200);
    // The route declares a non-zod multipart schema too, which hides the JSON type from valid().
    const body = (c.req.valid as (target: 'json') => DocumentCreateBody | undefined)('json');
    // A JSON body is required; the validator only runs when one was sent as JSON.
    if (body === undefined) throw new AppError('invalid', 'Invalid request: document_url is required');
    return c.json(documentWire(await createDocument(ctx, body)), 200);
  });
}

async function createFromUpload(ctx: Ctx, c: Context<AppEnv>, boundary: string) {
  const documentId = newId('d');
  const writer = uploadWriter(ctx.db, documentId);
  // Over a socket, from Node's request: Readable.toWeb copies every chunk, 50 MB more garbage for a 50 MB
  // upload. It is not destroyed when the reading stops early, so the error can still be answered.
  const incoming = incomingOf(c);
  const body = incoming ? incoming.iterator({ destroyOnReturn: false }) : c.req.raw.body;
  try {
    const { fields, file } = await readMultipart(
      body,
      boundary,
      () => writer.write,
      {
        maxFileBytes: MAX_UPLOAD_BYTES,
        maxFieldBytes: 64 * 1024,
        maxParts: 32,
        maxHeaderBytes: 8 * 1024,
      },
      incoming !== undefined,
    );
    if (!file) throw new AppError('invalid', 'Invalid request: a file part is required', { field: 'file' });
    if (file.size === 0)
      throw new AppError('invalid', 'Invalid request: the file is empty', { field: 'file' });
    await writer.flush();
    // Parts bypass the JSON guard: the same rule for text that reaches the store (PostgreSQL refuses NUL).
    const texts = [file.fileName, ...[...fields.values()].flat()];
    if (!texts.every((t) => t.isWellFormed() && !t.includes('\0'))) {
      throw new AppError('invalid', 'Invalid request: parts must be well-formed text without NUL characters');
    }
    const one = (k: string) => fields.get(k)?.at(-1);
    const tagParts = (fields.get('tags') ?? []).flatMap((t) => t.split(','));
    const parsed = DocumentCreateBody.omit({ document_url: true, crawl: true }).safeParse({
      document_name: one('document_name'),
      callback_url: one('callback_url'),
      tags: fields.has('tags') ? tagParts.map((t) => t.trim()).filter((t) => t !== '') : undefined,
    });
    if (!parsed.success) throw zodToAppError(parsed.error);
    return await createDocument(ctx, parsed.data, {
      documentId,
      fileName: file.fileName.slice(0, 255),
      contentType: file.contentType,
      size: file.size,
    });
  } catch (err) {
    if (incoming && !incoming.complete) {
      // The rest of the body is read and dropped while the answer goes out; the connection then closes.
      closeIfBodyUnreadHono(c);
      incoming.resume();
    }
    await writer.discard().catch(() => {});
    throw err;
  }
}
