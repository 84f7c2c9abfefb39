import { getDocumentProxy } from 'unpdf';
import { type BlockCollector, messageOf } from './blocks.ts';
import { MAX_PARAGRAPH_CHARS } from './parse-text.ts';
import { KnowledgeError } from './types.ts';

interface TextItem {
  str: string;
  hasEOL: boolean;
  transform: number[];
  height: number;
}

const isTextItem = (item: unknown): item is TextItem =>
  typeof item === 'object' && item !== null && typeof (item as TextItem).str === 'string';

/** A vertical gap this many times the line height between two lines starts a new paragraph. */
const PARAGRAPH_GAP = 1.6;

/** Lines of one page into paragraphs: a large vertical gap splits them; words hyphenated across lines rejoin. */
function pageParagraphs(items: unknown[]): string[] {
  const paragraphs: string[] = [];
  let para = '';
  let line = '';
  let lineY: number | undefined;
  let lineHeight = 0;
  let prevY: number | undefined;
  let prevHeight = 0;
  const endLine = () => {
    const text = line.trim();
    line = '';
    if (!text) return;
    const gap = prevY !== undefined && lineY !== undefined ? Math.abs(prevY - lineY) : 0;
    const height = Math.max(prevHeight, lineHeight, 1);
    if (para && (gap > PARAGRAPH_GAP * height || para.length >= MAX_PARAGRAPH_CHARS)) {
      paragraphs.push(para);
      para = '';
    }
    if (!para) para = text;
    else if (para.endsWith('-') && /^[a-z]/.test(text)) para = para.slice(0, -1) + text;
    else para += ` ${text}`;
    prevY = lineY;
    prevHeight = lineHeight;
    lineY = undefined;
    lineHeight = 0;
  };
  for (const item of items) {
    if (!isTextItem(item)) continue;
    const y = item.transform[5] ?? 0;
    const h = Math.abs(item.height || item.transform[3] || 0);
    // A change of baseline without an end-of-line mark is a new line all the same.
    if (line && lineY !== undefined && Math.abs(y - lineY) > Math.max(h, lineHeight, 1) / 2) endLine();
    if (lineY === undefined && item.str.trim()) lineY = y;
    lineHeight = Math.max(lineHeight, h);
    line += item.str;
    if (item.hasEOL) endLine();
  }
  endLine();
  if (para) paragraphs.push(para);
  return paragraphs;
}

/**
 * Characters of text after which pdf.js drops its document-wide caches. Each font keeps every string it
 * drew with its glyphs for the life of the document: ~17 bytes of live heap per character of text, so
 * parsing a 3,000-page PDF (10 MB of text) peaked ~185 MiB above the process's start, and the 20 MB text
 * limit would need ~340 MB of the worker's 512. Cleaned every 256 Ki characters: ~115 MiB. A font is
 * loaded again after a cleanup, which no measurement could tell from noise (docs/adr/0058).
 */
export const CLEANUP_EVERY_CHARS = 256 * 1024;

/** One paragraph block per paragraph, each with its 1-based page. PDF text carries no headings to keep. */
export async function parsePdf(bytes: Uint8Array, out: BlockCollector): Promise<{ title?: string }> {
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    pdf = await getDocumentProxy(bytes, { verbosity: 0, stopAtErrors: false });
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'PasswordException') {
      throw new KnowledgeError(
        'file_format_unsupported',
        'The PDF is password-protected; upload it without a password.',
      );
    }
    throw new KnowledgeError(
      'file_format_unsupported',
      `The file could not be read as a PDF: it is damaged or truncated (${messageOf(err)}).`,
    );
  }
  try {
    let title: string | undefined;
    try {
      const meta = await pdf.getMetadata();
      const t = (meta.info as { Title?: unknown } | undefined)?.Title;
      if (typeof t === 'string' && t.trim()) title = t.trim();
    } catch {
      // A document without readable metadata still has its text.
    }
    let charsSinceCleanup = 0;
    for (let n = 1; n <= pdf.numPages; n++) {
      const page = await pdf.getPage(n);
      const content = await page.getTextContent();
      out.position = { page: n };
      for (const para of pageParagraphs(content.items)) {
        out.add('paragraph', para);
        charsSinceCleanup += para.length;
      }
      page.cleanup();
      if (charsSinceCleanup >= CLEANUP_EVERY_CHARS) {
        charsSinceCleanup = 0;
        await pdf.cleanup();
      }
    }
    return title ? { title } : {};
  } finally {
    await pdf.loadingTask.destroy();
  }
}
