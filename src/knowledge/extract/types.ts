/**
 * The extract stage's contract: bytes of one file or page in, text with its structure out. Pure and bounded;
 * every failure a user can cause is a KnowledgeError whose code is one of the document error codes Tavus
 * documents, so the ingestion job can store it on the document as it is.
 */
export type KnowledgeErrorCode =
  | 'file_size_too_large'
  | 'file_format_unsupported'
  | 'invalid_file_url'
  | 'file_empty'
  | 'website_processing_failed'
  | 'chunking_failed'
  | 'processing_timeout'
  | 'internal_error';

export class KnowledgeError extends Error {
  readonly code: KnowledgeErrorCode;

  constructor(code: KnowledgeErrorCode, message: string) {
    super(message);
    this.name = 'KnowledgeError';
    this.code = code;
  }
}

export interface ExtractedBlock {
  kind: 'heading' | 'paragraph' | 'list' | 'table-row' | 'code';
  text: string;
  /** Heading level 1-6. */
  level?: number;
  /** Headings above this block, outermost first (a heading's own path excludes itself). */
  headingPath: string[];
  /** PDF page / PPTX slide (1-based). */
  page?: number;
  /** XLSX sheet name. */
  sheet?: string;
  /** Web page the block came from (crawls). */
  url?: string;
}

export interface ExtractedDocument {
  format: string;
  title?: string;
  blocks: ExtractedBlock[];
}

export interface ExtractInput {
  /**
   * The file. When this view spans its whole ArrayBuffer, the buffer is MOVED into the parser's worker
   * (transferred, not copied), so a 50 MB file is held once: the caller's view is empty afterwards. Pass a
   * copy (`bytes.slice()`) if you still need the bytes after calling extractDocument. (A small plain-text
   * file, parsed on the calling thread, is left as it is.)
   */
  bytes: Uint8Array;
  fileName?: string;
  contentType?: string;
  url?: string;
  /** Aborting terminates the parser at once (e.g. the document was deleted mid-processing). */
  signal?: AbortSignal;
}

export interface ExtractLimits {
  maxBytes: number;
  maxUnzippedBytes: number;
  maxTextChars: number;
  timeoutMs: number;
  maxMemoryMb: number;
  /** Zip-based formats: most entries an archive may list. */
  maxZipEntries?: number;
  /** Zip-based formats: largest inflated/compressed ratio of an entry past its first MiB. */
  maxZipRatio?: number;
}

export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = {
  maxBytes: 50 * 1024 * 1024,
  maxUnzippedBytes: 200 * 1024 * 1024,
  maxTextChars: 20_000_000,
  timeoutMs: 120_000,
  maxMemoryMb: 512,
  maxZipEntries: 10_000,
  maxZipRatio: 100,
};

/** Formats extractDocument reads. */
export type ExtractFormat = 'pdf' | 'docx' | 'pptx' | 'xlsx' | 'csv' | 'txt' | 'md' | 'html';

/** Said in every file_format_unsupported message, so a user knows what to send instead. */
export const SUPPORTED_FORMATS_TEXT =
  'Supported formats: PDF (.pdf), Word (.docx), PowerPoint (.pptx), Excel (.xlsx), CSV (.csv), text (.txt), ' +
  'Markdown (.md) and web pages (HTML)';
