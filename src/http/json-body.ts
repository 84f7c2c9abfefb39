import type { IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { AppError } from '../core/errors.ts';
import { jsonShape, MAX_JSON_DEPTH } from '../core/json-shape.ts';
import { LARGE_CHARS, ownTurn } from '../loop-turns.ts';
import type { AppEnv } from './env.ts';
import { header, incomingOf } from './request-context.ts';
import { closeIfBodyUnreadHono } from './unread-body.ts';

export const MAX_BODY_BYTES = 1024 * 1024;
/**
 * Object members and array items in a body, all levels together. Parsing, checking and validating them
 * is work per item on the event loop: 90,000 keys in 1 MiB held it ~0.5 s (issue 11). A persona's
 * free-form parts are far smaller (attributes are at most 64 KiB, a few thousand keys at most); a long
 * chat history of a few thousand messages fits too.
 */
export const MAX_JSON_ITEMS = 10_000;

const jsonType = /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i;
const withBody = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Guards every JSON route before validation: media type (415), size (413) and well-formed JSON (400), so
 * each surface reports them in its own error shape instead of a validator's generic one.
 *
 * The body is read once and parsed once. Hono's bodyLimit middleware touches `req.raw.body`, which makes
 * @hono/node-server build a full WHATWG Request with web streams (~15% of a refine request in a profile),
 * and HonoRequest.json() re-parses the text on every call (here, then in the validator). So: Node's
 * content-length is checked up front, the body is read from the socket with a running limit (which also
 * bounds a chunked body), and the route's validator is handed the parsed value.
 */
export function jsonBody(maxBytes = MAX_BODY_BYTES): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!withBody.has(c.req.method)) return next();
    const length = header(c, 'content-length');
    try {
      checkJsonHeaders(header(c, 'content-type'), length, maxBytes);
    } catch (err) {
      closeIfBodyUnreadHono(c);
      throw err;
    }
    const incoming = incomingOf(c);
    const text = incoming ? await readLimited(incoming, maxBytes) : await c.req.text();
    // In-process requests (tests, app.request) carry no content-length: bound them after the fact.
    if (!incoming && text.length > maxBytes && Buffer.byteLength(text) > maxBytes) throw tooLarge(maxBytes);
    // A large body is parsed, checked and handled in a turn of its own, not with others that ended with it.
    if (text.length >= LARGE_CHARS) await ownTurn();
    const body = parseJsonText(text);
    // Hono's body cache holds promises at run time (its type says values).
    (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(text);
    // The validator calls c.req.json(), which would parse the text again: give it the parsed value.
    c.req.json = () => Promise.resolve(body) as never;
    await next();
  };
}

const tooLarge = (maxBytes: number) =>
  new AppError('payload_too_large', `Request body is larger than ${maxBytes} bytes`);

/** Media type (415) and declared size (413), checked before a byte of the body is read. */
export function checkJsonHeaders(
  type: string | undefined,
  length: string | undefined,
  maxBytes: number,
): void {
  if (!type || !jsonType.test(type)) {
    throw new AppError('unsupported_media_type', 'Content-Type must be application/json');
  }
  if (length !== undefined && Number(length) > maxBytes) throw tooLarge(maxBytes);
}

/**
 * What is wrong with the shape of JSON text a caller sent (too deep, too wide), as the end of a sentence
 * ("… is nested more than 64 levels deep"), or undefined. Every caller's JSON is held to it before it is
 * parsed (request bodies, and the interactions of conversation sockets and pages), since what is done
 * with a parsed value afterwards (JSON.stringify to store it, zod) recurses.
 */
export function jsonShapeProblem(text: string): string | undefined {
  // Checked before parsing: V8 takes ~0.5 s to build (and then refuse) 1 MiB of "[", the event loop waiting.
  const shape = jsonShape(text, MAX_JSON_DEPTH, MAX_JSON_ITEMS);
  if (shape === 'deep') return `is nested more than ${MAX_JSON_DEPTH} levels deep`;
  if (shape === 'wide') return `holds more than ${MAX_JSON_ITEMS} object members and array items in all`;
  return undefined;
}

/** Parses a request body: malformed JSON and values unfit for the store are a 400. */
export function parseJsonText(text: string): unknown {
  const shape = jsonShapeProblem(text);
  if (shape) throw new AppError('invalid', `Request body ${shape}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AppError('invalid', 'Request body is not valid JSON');
  }
  const problem = jsonProblem(body);
  if (problem) throw new AppError('invalid', `Request body ${problem}`);
  return body;
}

/**
 * Reads a request body from Node's request, refusing it as soon as it passes `max` bytes (413). A body
 * the socket breaks off is a 400: the client gets an answer in its surface's shape if it still listens.
 */
export function readLimited(incoming: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        cleanup();
        // Discard the rest instead of destroying the socket, so the 413 can still be sent.
        incoming.resume();
        reject(tooLarge(max));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size).toString('utf8'));
    };
    const onError = () => {
      cleanup();
      reject(new AppError('invalid', 'Request body could not be read'));
    };
    const cleanup = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
  });
}

/**
 * What makes a parsed body unfit for the store, found in one iterative walk: strings (values or keys) with
 * NUL or lone surrogates. PostgreSQL text cannot hold NUL (the insert failed: a 500 there, stored as is on
 * SQLite), and a lone surrogate cannot be encoded as UTF-8 (silently stored as U+FFFD, so the persona read
 * back differed from the one acknowledged). Nesting was already bounded on the text (nestedTooDeep).
 */
function jsonProblem(value: unknown): string | undefined {
  const stack: unknown[] = [value];
  for (let i = stack.length; i > 0; i = stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (!fitString(v)) return 'strings must be well-formed Unicode without NUL characters';
    } else if (typeof v === 'object' && v !== null) {
      if (Array.isArray(v)) {
        for (const x of v) stack.push(x);
      } else {
        for (const [k, x] of Object.entries(v)) {
          if (!fitString(k)) return 'keys must be well-formed Unicode without NUL characters';
          stack.push(x);
        }
      }
    }
  }
  return undefined;
}

const fitString = (s: string) => s.isWellFormed() && !s.includes('\0');
