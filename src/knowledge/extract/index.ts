import { sniff } from './detect.ts';
import { runParseWorker } from './run-worker.ts';
import {
  DEFAULT_EXTRACT_LIMITS,
  type ExtractedDocument,
  type ExtractInput,
  type ExtractLimits,
  KnowledgeError,
  SUPPORTED_FORMATS_TEXT,
} from './types.ts';

export { detectFormat } from './detect.ts';
export * from './types.ts';

const mib = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;

/**
 * Bytes → text with structure. Cheap checks first, on this thread (size, emptiness, format); then the
 * parser runs in a worker thread with a capped heap and a hard timeout, so a hostile file can neither block
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
