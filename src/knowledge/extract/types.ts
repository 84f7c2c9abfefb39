// STAND-IN: replaced by the k-extract branch
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
    this.code = code;
  }
}

export interface ExtractedBlock {
  kind: 'heading' | 'paragraph' | 'list' | 'table-row' | 'code';
  text: string;
  level?: number;
  headingPath: string[];
  page?: number;
  sheet?: string;
  url?: string;
}
export interface ExtractedDocument {
  format: string;
  title?: string;
  blocks: ExtractedBlock[];
}
export interface ExtractInput {
  bytes: Uint8Array;
  fileName?: string;
  contentType?: string;
  url?: string;
}
export interface ExtractLimits {
  maxBytes: number;
  maxUnzippedBytes: number;
  maxTextChars: number;
  timeoutMs: number;
  maxMemoryMb: number;
}
export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = {
  maxBytes: 50 * 1024 * 1024,
  maxUnzippedBytes: 200 * 1024 * 1024,
  maxTextChars: 20_000_000,
  timeoutMs: 120_000,
  maxMemoryMb: 512,
};
