import { BlockCollector } from './blocks.ts';
import { parseMarkdown, parseTxt } from './parse-text.ts';
import { decodeText } from './text-decode.ts';
import { type ExtractedDocument, type ExtractFormat, KnowledgeError } from './types.ts';
import { checkZip } from './zip-guard.ts';

// Each worker parses one file: it loads only that format's parser (pdf.js, mammoth, exceljs and linkedom
// each take a noticeable time to load).

/** What the worker is asked to do (all of it structured-cloneable; the bytes are transferred). */
export interface ParseRequest {
  bytes: Uint8Array;
  format: ExtractFormat;
  url?: string;
  maxTextChars: number;
  maxUnzippedBytes: number;
  maxZipEntries: number;
  maxZipRatio: number;
}

/**
 * The text of a text format, with the request's bytes let go: the worker's copy of a large file is then
 * garbage as soon as it is decoded, not held alongside its text and blocks until the end.
 */
function takeText(req: ParseRequest): string {
  const text = decodeText(req.bytes);
  req.bytes = new Uint8Array(0);
  return text;
}

/** Runs one format's parser over the bytes. Called inside the worker thread; pure apart from that. */
export async function parseBytes(req: ParseRequest): Promise<ExtractedDocument> {
  const out = new BlockCollector(req.maxTextChars);
  if (req.url !== undefined) out.position = { url: req.url };
  let title: string | undefined;
  const zipBudget = {
    maxUnzippedBytes: req.maxUnzippedBytes,
    maxEntries: req.maxZipEntries,
    maxRatio: req.maxZipRatio,
  };
  switch (req.format) {
    case 'pdf':
      ({ title } = await (await import('./parse-pdf.ts')).parsePdf(req.bytes, out));
      break;
    case 'docx':
      await checkZip(req.bytes, zipBudget);
      await (await import('./parse-docx.ts')).parseDocx(req.bytes, out);
      break;
    case 'pptx': {
      const { isPptxPart, parsePptx } = await import('./parse-pptx.ts');
      ({ title } = parsePptx(await checkZip(req.bytes, zipBudget, isPptxPart), out));
      break;
    }
    case 'xlsx':
      await checkZip(req.bytes, zipBudget);
      await (await import('./parse-xlsx.ts')).parseXlsx(req.bytes, out);
      break;
    case 'csv':
      (await import('./parse-csv.ts')).parseCsv(takeText(req), out);
      break;
    case 'md':
      parseMarkdown(takeText(req), out);
      break;
    case 'html':
      ({ title } = (await import('./parse-html.ts')).parseHtmlPage(takeText(req), out));
      break;
    case 'txt':
      parseTxt(takeText(req), out);
      break;
  }
  // The page/sheet/url context belongs to blocks only; a heading alone is not content.
  if (!out.blocks.some((b) => b.kind !== 'heading')) {
    if (req.format === 'html' && req.url !== undefined) {
      throw new KnowledgeError(
        'website_processing_failed',
        'The web page has no readable text (it may need JavaScript to show its content).',
      );
    }
    throw new KnowledgeError(
      'file_empty',
      req.format === 'pdf'
        ? 'The PDF has no text to extract (a scanned PDF holds images of text; OCR is not supported).'
        : 'The file has no text to extract.',
    );
  }
  return title
    ? { format: req.format, title, blocks: out.blocks }
    : { format: req.format, blocks: out.blocks };
}
