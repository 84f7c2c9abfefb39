import type { ExtractedBlock, ExtractedDocument } from './extract/types.ts';

/** One retrievable passage of a document, with where it came from (for citations). */
export interface Chunk {
  ordinal: number;
  text: string;
  headingPath: string[];
  page?: number;
  sheet?: string;
  url?: string;
  tokens: number;
}

export interface ChunkOptions {
  /** A chunk is closed before it would grow past this (default 300). */
  targetTokens?: number;
  /** A single block longer than this is split at sentence boundaries (default 512). */
  maxTokens?: number;
}

const DEFAULT_TARGET = 300;
const DEFAULT_MAX = 512;

/**
 * Token estimate: characters / 4, rounded up. It is what OpenAI's tokenizers average on English prose
 * and needs no tokenizer (which would cost more than the whole chunking pass); chunk sizes only need to
 * be about right.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

interface Open {
  parts: string[];
  /** Characters so far, separators included: the chunk's token estimate is exact, not a sum of roundings. */
  chars: number;
  headingPath: string[];
  key: string;
  page?: number;
  sheet?: string;
  url?: string;
  lastKind?: ExtractedBlock['kind'];
}

/**
 * Structure-aware chunking, one pass over the blocks (linear in the text):
 * - a heading closes the current chunk; the heading itself travels as the next chunks' headingPath;
 * - a block under another heading path, sheet or page URL starts a new chunk;
 * - blocks are kept whole while they fit (table rows are never split, even when one alone is long);
 * - a paragraph, list or code block longer than maxTokens is split at sentence (or line) boundaries.
 * A chunk spanning pages cites the page it starts on.
 */
export function chunkDocument(doc: ExtractedDocument, options: ChunkOptions = {}): Chunk[] {
  const maxTokens = Math.max(16, options.maxTokens ?? DEFAULT_MAX);
  const target = Math.max(8, Math.min(options.targetTokens ?? DEFAULT_TARGET, maxTokens));
  const chunks: Chunk[] = [];
  let open: Open | null = null;

  const flush = () => {
    if (open && open.parts.length > 0) {
      const text = open.parts.join('');
      const chunk: Chunk = {
        ordinal: chunks.length,
        text,
        headingPath: open.headingPath,
        tokens: estimateTokens(text),
      };
      if (open.page !== undefined) chunk.page = open.page;
      if (open.sheet !== undefined) chunk.sheet = open.sheet;
      if (open.url !== undefined) chunk.url = open.url;
      chunks.push(chunk);
    }
    open = null;
  };

  const add = (block: ExtractedBlock, text: string) => {
    const key = placeKey(block);
    // Rows of one table stay one per line; other blocks are separated as paragraphs.
    const sep = open?.lastKind === 'table-row' && block.kind === 'table-row' ? '\n' : '\n\n';
    if (open && (open.key !== key || Math.ceil((open.chars + sep.length + text.length) / 4) > target))
      flush();
    if (!open) {
      open = { parts: [], chars: 0, headingPath: block.headingPath, key };
      if (block.page !== undefined) open.page = block.page;
      if (block.sheet !== undefined) open.sheet = block.sheet;
      if (block.url !== undefined) open.url = block.url;
    } else {
      open.parts.push(sep);
      open.chars += sep.length;
    }
    open.parts.push(text);
    open.chars += text.length;
    open.lastKind = block.kind;
  };

  const bodyBlocks = doc.blocks.some((b) => b.kind !== 'heading' && b.text.trim() !== '');
  for (const block of doc.blocks) {
    const text = block.text.trim();
    if (text === '') continue;
    // A document of headings only still gets chunks: then headings are its text.
    if (block.kind === 'heading' && bodyBlocks) {
      flush();
      continue;
    }
    if (estimateTokens(text) <= maxTokens || block.kind === 'table-row') {
      add(block, text);
      continue;
    }
    flush();
    for (const piece of splitLong(text, target, maxTokens)) {
      add(block, piece);
      flush();
    }
  }
  flush();
  return chunks;
}

function placeKey(block: ExtractedBlock): string {
  // Pages are left out: a paragraph running onto the next page belongs with its neighbours.
  return `${block.sheet ?? ''}\u0000${block.url ?? ''}\u0000${block.headingPath.join('\u0001')}`;
}

/**
 * Splits a long text into pieces of about `target` tokens at sentence ends ('.', '!', '?', '。' followed
 * by whitespace) or line breaks; a sentence longer than maxTokens is cut at the last space before the
 * limit (or at the limit). One forward scan, no regular expressions.
 */
export function splitLong(text: string, target: number, maxTokens: number): string[] {
  const sentences: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const isEnd =
      c === 10 ||
      ((c === 46 || c === 33 || c === 63 || c === 0x3002) &&
        (i + 1 === text.length || isSpace(text.charCodeAt(i + 1))));
    if (isEnd) {
      sentences.push(text.slice(start, i + 1));
      start = i + 1;
    }
  }
  if (start < text.length) sentences.push(text.slice(start));

  const maxChars = maxTokens * 4;
  const pieces: string[] = [];
  let current = '';
  const push = () => {
    const t = current.trim();
    if (t !== '') pieces.push(t);
    current = '';
  };
  for (const sentence of sentences) {
    if (sentence.length > maxChars) {
      push();
      for (const part of hardSplit(sentence, maxChars)) pieces.push(part);
      continue;
    }
    if (current !== '' && estimateTokens(current) + estimateTokens(sentence) > target) push();
    current += sentence;
  }
  push();
  return pieces;
}

function hardSplit(text: string, maxChars: number): string[] {
  const out: string[] = [];
  let start = 0;
  while (text.length - start > maxChars) {
    let cut = start + maxChars;
    // Back up to a space, but never more than a quarter of the piece (a space-free run is cut as is).
    const floor = start + Math.floor((maxChars * 3) / 4);
    let j = cut;
    while (j > floor && !isSpace(text.charCodeAt(j))) j--;
    if (j > floor) cut = j;
    const piece = text.slice(start, cut).trim();
    if (piece !== '') out.push(piece);
    start = cut;
  }
  const rest = text.slice(start).trim();
  if (rest !== '') out.push(rest);
  return out;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 0xa0 || c === 0x3000;
}
