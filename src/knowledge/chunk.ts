// STAND-IN: replaced by the k-index branch
import type { ExtractedDocument } from './extract/types.ts';

export interface Chunk {
  ordinal: number;
  text: string;
  headingPath: string[];
  page?: number;
  sheet?: string;
  url?: string;
  tokens: number;
}

/** Stand-in: one chunk per block (headings fold into the path). */
export function chunkDocument(
  doc: ExtractedDocument,
  _options: { targetTokens?: number; maxTokens?: number } = {},
): Chunk[] {
  const out: Chunk[] = [];
  for (const b of doc.blocks) {
    if (b.kind === 'heading') continue;
    out.push({
      ordinal: out.length,
      text: b.text,
      headingPath: b.headingPath,
      ...(b.page !== undefined ? { page: b.page } : {}),
      ...(b.sheet !== undefined ? { sheet: b.sheet } : {}),
      ...(b.url !== undefined ? { url: b.url } : {}),
      tokens: b.text.split(' ').length,
    });
  }
  return out;
}
