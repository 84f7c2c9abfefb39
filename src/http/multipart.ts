import { AppError } from '../core/errors.ts';

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

/** Receives the one file part's bytes; awaited, so a slow store slows the reading (backpressure). */
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

export async function readMultipart(
  body: ReadableStream<Uint8Array> | null,
  boundary: string,
  onFile: (part: Omit<FilePart, 'size'>) => FileSink,
  limits: MultipartLimits = DEFAULT_MULTIPART_LIMITS,
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
      fieldChunks.push(data);
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

  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (value) buf = buf.length === 0 ? Buffer.from(value) : Buffer.concat([buf, value]);
      // Consume as much of buf as the state machine can.
      for (;;) {
        if (state === 'preamble' || state === 'body') {
          const at = buf.indexOf(delimiter);
          if (at < 0) {
            // Keep the tail a delimiter split across reads may start in.
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
      if (state === 'done') break;
      if (done) throw bad('the body ended before the closing boundary');
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return { fields, file };
}
