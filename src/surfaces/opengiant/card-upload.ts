import type { Context } from 'hono';
import { cardTooLarge } from '../../cards/card-errors.ts';
import { AppError } from '../../core/errors.ts';
import type { AppEnv } from '../../http/env.ts';
import { boundaryOf, readMultipart } from '../../http/multipart.ts';
import { incomingOf } from '../../http/request-context.ts';
import { closeIfBodyUnreadHono } from '../../http/unread-body.ts';

/** A card file is read whole (its chunks and zip directory are at the end): this bounds the memory. */
export const MAX_CARD_FILE_BYTES = 32 * 1024 * 1024;

const tooLarge = () => cardTooLarge(`the file is larger than ${MAX_CARD_FILE_BYTES} bytes (32 MiB)`);

/**
 * The uploaded card's bytes: the `file` part of a multipart/form-data body, or the body itself (a card's
 * JSON, PNG or CHARX bytes with any media type: the content decides the format, not the label).
 */
export async function readCardUpload(c: Context<AppEnv>): Promise<Buffer> {
  const length = c.req.header('content-length');
  if (length !== undefined && Number(length) > MAX_CARD_FILE_BYTES + 64 * 1024) {
    closeIfBodyUnreadHono(c);
    throw tooLarge();
  }
  const boundary = boundaryOf(c.req.header('content-type'));
  const bytes = boundary ? await fromMultipart(c, boundary) : await readRaw(c);
  if (bytes.length === 0) throw new AppError('invalid', 'file: the card file is empty', { field: 'file' });
  return bytes;
}

async function fromMultipart(c: Context<AppEnv>, boundary: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  const result = await readMultipart(
    c.req.raw.body,
    boundary,
    () => async (chunk) => {
      size += chunk.length;
      if (size > MAX_CARD_FILE_BYTES) throw tooLarge();
      parts.push(Buffer.from(chunk));
    },
    { maxFileBytes: MAX_CARD_FILE_BYTES, maxFieldBytes: 64 * 1024, maxParts: 8, maxHeaderBytes: 8 * 1024 },
  ).catch((err: unknown) => {
    throw err instanceof AppError && err.code === 'payload_too_large' ? tooLarge() : err;
  });
  if (!result.file) throw new AppError('invalid', 'file: a part named "file" is required', { field: 'file' });
  if (result.file.field !== 'file') {
    throw new AppError(
      'invalid',
      `file: the file part must be named "file", not "${result.file.field.slice(0, 40)}"`,
      {
        field: 'file',
      },
    );
  }
  return Buffer.concat(parts, size);
}

/**
 * Over a socket, from Node's request with a running limit (WHATWG streams cost ~25 ms more on a 2 MB card
 * under load); an in-process request (tests, app.request) has no Node request behind it.
 */
async function readRaw(c: Context<AppEnv>): Promise<Buffer> {
  const incoming = incomingOf(c);
  if (!incoming) return readAll(c.req.raw.body);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_CARD_FILE_BYTES) {
      // Drain the rest instead of destroying the socket, so the 413 can still be sent.
      incoming.resume();
      throw tooLarge();
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts, size);
}

async function readAll(body: ReadableStream<Uint8Array> | null): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const parts: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > MAX_CARD_FILE_BYTES) throw tooLarge();
      parts.push(value);
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(parts, size);
}
