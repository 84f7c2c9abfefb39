import { AppError } from '../core/errors.ts';
import { freeNow } from '../core/free-now.ts';

/**
 * A streaming multipart/form-data reader (RFC 7578) for uploads: the file part is handed on slice by
 * slice as it arrives (the caller writes it to the store), so a 50 MB upload never sits whole in memory
 * while it is received. Fields are small and collected. Boundaries are found with Buffer.indexOf on a
 * window that keeps only the bytes a split delimiter may still need: no regex, no rescans.
 */

export interface MultipartLimits {
  maxFileBytes: number;
  maxFieldBytes: number;
  maxParts: number;
  maxHeaderBytes: number;
}

export const DEFAULT_MULTIPART_LIMITS: MultipartLimits = {
  maxFileBytes: 50 * 1024 * 1024,
  maxFieldBytes: 64 * 1024,
  maxParts: 32,
  maxHeaderBytes: 8 * 1024,
};

export interface FilePart {
  field: string;
  fileName: string;
  contentType: string | undefined;
  size: number;
}

export interface MultipartResult {
  fields: Map<string, string[]>;
  file: FilePart | undefined;
}

/**
 * Receives the one file part's bytes; awaited, so a slow store slows the reading (backpressure). The
 * chunk is only valid during the call (it may be freed once read, see `freeChunks`): copy what you keep.
 */
export type FileSink = (chunk: Uint8Array) => Promise<void>;

const bad = (why: string) => new AppError('invalid', `Invalid multipart body: ${why}`);

/** The boundary parameter of a multipart/form-data Content-Type, or undefined. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const [type, ...params] = splitParams(contentType);
  if (type?.toLowerCase() !== 'multipart/form-data') return undefined;
  const b = params.find(([k]) => k === 'boundary')?.[1];
  return b && b.length <= 70 ? b : undefined;
}

/** `type; a=b; c="d;e"` → ['type', [a,b], [c,'d;e']] — quoted values may hold `;`. One linear pass. */
function splitParams(header: string): [string, ...[string, string][]] {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < header.length; i++) {
    const ch = header[i] as string;
    if (quoted && ch === '\\' && i + 1 < header.length) {
      cur += header[++i];
    } else if (ch === '"') {
      quoted = !quoted;
    } else if (ch === ';' && !quoted) {
      parts.push(cur.trim());
      cur = '';
    } else {
      cur += ch;
    }
  }
  parts.push(cur.trim());
  const [first = '', ...rest] = parts;
  const params = rest.map((p): [string, string] => {
    const eq = p.indexOf('=');
    return eq < 0 ? [p.toLowerCase(), ''] : [p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim()];
  });
  return [first, ...params];
}

/**
 * Reads a multipart body from its chunks: a web ReadableStream (in-process requests) or Node's request
 * itself, which spares the copy of every chunk that Readable.toWeb makes. Leaving early (an error, or
 * the closing boundary) returns the iterator: a web stream is cancelled; a Node request should be
 * iterated with `destroyOnReturn: false`, so the answer can still be sent.
 */
export async function readMultipart(
  body: AsyncIterable<Uint8Array> | null,
  boundary: string,
  onFile: (part: Omit<FilePart, 'size'>) => FileSink,
  limits: MultipartLimits = DEFAULT_MULTIPART_LIMITS,
  /**
   * The chunks are this reader's alone (Node's request makes a buffer per read): each is freed as soon as
   * it was read (core/free-now.ts), not left for a collection the main thread may not run before the
   * upload is parsed. 50 MB of 64 KiB chunks otherwise stayed in the allocator's heap.
   */
  freeChunks = false,
): Promise<MultipartResult> {
  if (!body) throw bad('the body is empty');
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const fields = new Map<string, string[]>();
  let file: FilePart | undefined;
  let parts = 0;
  // Leading CRLF: the first delimiter then looks like every other one.
  let buf: Buffer = Buffer.from('\r\n');
  let state: 'preamble' | 'after-delimiter' | 'headers' | 'body' | 'done' = 'preamble';
  let sink: FileSink | undefined;
  let fieldName = '';
  let fieldChunks: Buffer[] = [];
  let fieldSize = 0;

  const emit = async (data: Buffer) => {
    if (data.length === 0) return;
    if (sink && file) {
      file.size += data.length;
      if (file.size > limits.maxFileBytes) {
        throw new AppError('payload_too_large', `File is larger than ${limits.maxFileBytes} bytes (50 MB)`);
      }
      await sink(data);
    } else {
      fieldSize += data.length;
      if (fieldSize > limits.maxFieldBytes)
        throw bad(`field ${fieldName} is larger than ${limits.maxFieldBytes} bytes`);
      // Copied: a view would keep the whole chunk it came in.
      fieldChunks.push(Buffer.from(data));
    }
  };

  const endPart = () => {
    if (sink) {
      sink = undefined;
      return;
    }
    const list = fields.get(fieldName) ?? [];
    list.push(Buffer.concat(fieldChunks).toString('utf8'));
    fields.set(fieldName, list);
  };

  const startPart = (head: string) => {
    if (++parts > limits.maxParts) throw bad(`more than ${limits.maxParts} parts`);
    let disposition: string | undefined;
    let type: string | undefined;
    for (const line of head.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-disposition') disposition = value;
      else if (name === 'content-type') type = value;
    }
    if (!disposition) throw bad('a part has no Content-Disposition');
    const [kind, ...params] = splitParams(disposition);
    if (kind.toLowerCase() !== 'form-data') throw bad('a part is not form-data');
    const name = params.find(([k]) => k === 'name')?.[1];
    if (name === undefined) throw bad('a part has no name');
    const fileName = params.find(([k]) => k === 'filename')?.[1];
    fieldName = name;
    fieldChunks = [];
    fieldSize = 0;
    if (fileName !== undefined) {
      if (file) throw bad('only one file may be sent');
      file = { field: name, fileName, contentType: type, size: 0 };
      sink = onFile({ field: name, fileName, contentType: type });
    }
  };

  // Each chunk is worked on as a view, not appended to what is left of the last one: only a delimiter
  // split across two chunks needs the two joined (once per part). A 50 MB file used to be copied once
  // more here, chunk by chunk.
  const withTail = (value: Buffer): Buffer | 'emit-tail' => {
    if (buf.length === 0) return value;
    // Small chunks are joined: a delimiter starting in the tail may run past this chunk too.
    if ((state !== 'preamble' && state !== 'body') || value.length < delimiter.length - 1) {
      return Buffer.concat([buf, value]);
    }
    const seam = Buffer.concat([buf, value.subarray(0, delimiter.length - 1)]);
    const at = seam.indexOf(delimiter);
    return at >= 0 && at < buf.length ? Buffer.concat([buf, value]) : 'emit-tail';
  };
  for await (const chunk of body) {
    const value = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const joined = withTail(value);
    if (joined === 'emit-tail') {
      // No delimiter starts in the kept tail: it is file or field bytes (or preamble, dropped).
      if (state === 'body') await emit(buf);
      buf = value;
    } else {
      buf = joined;
    }
    // Consume as much of buf as the state machine can.
    for (;;) {
      if (state === 'preamble' || state === 'body') {
        const at = buf.indexOf(delimiter);
        if (at < 0) {
          // Keep the tail a delimiter split across reads may start in (copied: it must not pin the chunk).
          const keep = Math.min(buf.length, delimiter.length - 1);
          if (state === 'body') await emit(buf.subarray(0, buf.length - keep));
          else if (buf.length > 64 * 1024) throw bad('no boundary found');
          buf = Buffer.from(buf.subarray(buf.length - keep));
          break;
        }
        if (state === 'body') {
          await emit(buf.subarray(0, at));
          endPart();
        }
        buf = buf.subarray(at + delimiter.length);
        state = 'after-delimiter';
      }
      if (state === 'after-delimiter') {
        if (buf.length < 2) break;
        if (buf[0] === 0x2d && buf[1] === 0x2d) {
          state = 'done';
          break;
        }
        // Transport padding (spaces, tabs) may precede the CRLF.
        const eol = buf.indexOf('\r\n');
        if (eol < 0) {
          if (buf.length > 256) throw bad('malformed boundary line');
          break;
        }
        buf = buf.subarray(eol + 2);
        state = 'headers';
      }
      if (state === 'headers') {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buf.length > limits.maxHeaderBytes) throw bad('part headers are too large');
          break;
        }
        startPart(buf.subarray(0, end).toString('utf8'));
        buf = buf.subarray(end + 4);
        state = 'body';
        continue;
      }
      break;
    }
    // Nothing holds the chunk now unless buf is still a view of it (headers split across reads).
    if (freeChunks && buf.buffer !== value.buffer) freeNow(value);
    if (state === 'done') break;
  }
  if (state !== 'done') throw bad('the body ended before the closing boundary');
  return { fields, file };
}
