import { sniff } from './detect.ts';
import { type ParseRequest, parseBytes } from './parse.ts';
import { runParseWorker } from './run-worker.ts';
import {
  DEFAULT_EXTRACT_LIMITS,
  type ExtractedDocument,
  type ExtractFormat,
  type ExtractInput,
  type ExtractLimits,
  KnowledgeError,
  SUPPORTED_FORMATS_TEXT,
} from './types.ts';

export { detectFormat } from './detect.ts';
export * from './types.ts';

/**
 * Small files of the plain-text formats are parsed on this thread: their parsers are linear (no regex
 * backtracking, bounded by maxTextChars), so 64 KiB takes well under a millisecond, while a worker thread
 * costs tens of milliseconds to start (ingesting many small files was bound by worker start-up:
 * bench/knowledge-ingest.ts). Everything else, and anything larger, still runs in a worker.
 */
const INLINE_FORMATS: ReadonlySet<ExtractFormat> = new Set(['txt', 'md', 'csv']);
export const INLINE_MAX_BYTES = 64 * 1024;

/** parseBytes on this thread, with the worker's error mapping (src/knowledge/extract/worker.ts). */
async function parseInline(request: ParseRequest): Promise<ExtractedDocument> {
  try {
    return await parseBytes(request);
  } catch (err) {
    if (err instanceof KnowledgeError) throw err;
    const detail = err instanceof Error ? err.message : String(err);
    throw new KnowledgeError(
      'file_format_unsupported',
      `The file could not be read as ${request.format.toUpperCase()}: it is damaged or not what its name says (${detail.slice(0, 200)}).`,
    );
  }
}

const mib = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;

/**
 * Bytes → text with structure. Cheap checks first, on this thread (size, emptiness, format); then (past
 * a small plain-text file, see INLINE_MAX_BYTES) the parser runs in a worker thread with a capped heap and a hard timeout, so a hostile file can neither block
 * the event loop nor exhaust the process's memory. Throws KnowledgeError only (or the signal's reason).
 */
export async function extractDocument(
  input: ExtractInput,
  limits?: Partial<ExtractLimits>,
): Promise<ExtractedDocument> {
  const l = { ...DEFAULT_EXTRACT_LIMITS, ...limits };
  const size = input.bytes.byteLength;
  if (size > l.maxBytes) {
    throw new KnowledgeError(
      'file_size_too_large',
      `The file is ${mib(size)}; the limit is ${mib(l.maxBytes)}.`,
    );
  }
  if (size === 0) throw new KnowledgeError('file_empty', 'The file is empty.');
  const found = sniff(input);
  if (!found || 'unsupported' in found) {
    const what = found
      ? `The file is ${found.unsupported}, which is not supported`
      : 'The file format is not supported';
    const ocr = found?.unsupported.includes('image')
      ? ' (images need OCR, which personakit does not do)'
      : '';
    throw new KnowledgeError('file_format_unsupported', `${what}${ocr}. ${SUPPORTED_FORMATS_TEXT}.`);
  }
  if (INLINE_FORMATS.has(found.format) && size <= INLINE_MAX_BYTES) {
    if (input.signal?.aborted) throw input.signal.reason;
    return parseInline({
      bytes: input.bytes,
      format: found.format,
      ...(input.url === undefined ? {} : { url: input.url }),
      maxTextChars: l.maxTextChars,
      maxUnzippedBytes: l.maxUnzippedBytes,
      maxZipEntries: l.maxZipEntries ?? 10_000,
      maxZipRatio: l.maxZipRatio ?? 100,
    });
  }
  return runParseWorker(
    {
      bytes: input.bytes,
      format: found.format,
      ...(input.url === undefined ? {} : { url: input.url }),
      maxTextChars: l.maxTextChars,
      maxUnzippedBytes: l.maxUnzippedBytes,
      maxZipEntries: l.maxZipEntries ?? 10_000,
      maxZipRatio: l.maxZipRatio ?? 100,
    },
    { timeoutMs: l.timeoutMs, maxMemoryMb: l.maxMemoryMb, ...(input.signal ? { signal: input.signal } : {}) },
  );
}
