import type { ExtractFormat, ExtractInput } from './types.ts';

/**
 * What a file is: magic bytes first (a PDF named .txt is a PDF), then the file name's extension, then the
 * content type, then a look at the text itself. Formats we refuse are recognised too, so the error can say
 * "this is a PNG image" rather than "unknown".
 */
export type Sniffed = { format: ExtractFormat } | { unsupported: string } | null;

const startsWith = (bytes: Uint8Array, magic: number[], at = 0) =>
  bytes.length >= at + magic.length && magic.every((b, i) => bytes[at + i] === b);

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

const UNSUPPORTED_MAGIC: [number[], string][] = [
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [ascii('GIF8'), 'a GIF image'],
  [[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], 'a legacy Office file (.doc/.xls/.ppt)'],
  [[0x49, 0x49, 0x2a, 0x00], 'a TIFF image'],
  [[0x4d, 0x4d, 0x00, 0x2a], 'a TIFF image'],
  [ascii('{\\rtf'), 'an RTF file'],
  [[0x1f, 0x8b], 'a gzip archive'],
];

const EXTENSIONS: Record<string, ExtractFormat | { unsupported: string }> = {
  pdf: 'pdf',
  docx: 'docx',
  pptx: 'pptx',
  xlsx: 'xlsx',
  csv: 'csv',
  tsv: 'csv',
  txt: 'txt',
  text: 'txt',
  md: 'md',
  markdown: 'md',
  html: 'html',
  htm: 'html',
  xhtml: 'html',
  png: { unsupported: 'a PNG image' },
  jpg: { unsupported: 'a JPEG image' },
  jpeg: { unsupported: 'a JPEG image' },
  doc: { unsupported: 'a legacy Word file (.doc)' },
  xls: { unsupported: 'a legacy Excel file (.xls)' },
  ppt: { unsupported: 'a legacy PowerPoint file (.ppt)' },
};

const CONTENT_TYPES: Record<string, ExtractFormat> = {
  'application/pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'text/csv': 'csv',
  'text/tab-separated-values': 'csv',
  'text/markdown': 'md',
  'text/x-markdown': 'md',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'text/plain': 'txt',
  'application/json': 'txt',
};

function extensionOf(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : undefined;
}

function urlExtension(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return extensionOf(new URL(url).pathname);
  } catch {
    return undefined;
  }
}

/** Which OOXML format a zip is, from the names in its central directory (read by hand: bounded, sync). */
export function ooxmlKind(bytes: Uint8Array): ExtractFormat | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The end-of-central-directory record sits in the last 22 + 65,535 bytes.
  const stop = Math.max(0, bytes.length - 22 - 65_535);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= stop; i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return null;
  const count = view.getUint16(eocd + 10, true);
  let at = view.getUint32(eocd + 16, true);
  const decoder = new TextDecoder();
  for (let n = 0; n < count && n < 10_000 && at + 46 <= bytes.length; n++) {
    if (view.getUint32(at, true) !== 0x02014b50) return null;
    const nameLength = view.getUint16(at + 28, true);
    const extra = view.getUint16(at + 30, true);
    const comment = view.getUint16(at + 32, true);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    if (name === 'word/document.xml') return 'docx';
    if (name === 'ppt/presentation.xml') return 'pptx';
    if (name === 'xl/workbook.xml') return 'xlsx';
    at += 46 + nameLength + extra + comment;
  }
  return null;
}

/** True when the first bytes read as text: no NUL and few control characters. */
function looksLikeText(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i] ?? 0;
    if (b === 0) return startsWith(bytes, [0xff, 0xfe]) || startsWith(bytes, [0xfe, 0xff]);
    if (b < 9 || (b > 13 && b < 32)) control++;
  }
  return control <= n / 100;
}

function looksLikeHtml(bytes: Uint8Array): boolean {
  const head = new TextDecoder().decode(bytes.subarray(0, 1024)).trimStart().slice(0, 64).toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html') || head.startsWith('<head');
}

export function sniff(input: ExtractInput): Sniffed {
  const { bytes } = input;
  // The PDF header may follow a little junk (the spec allows it within the first 1024 bytes).
  // A text that merely mentions "%PDF-" near its start stays text: junk before the header must be binary.
  const pdfAt = new TextDecoder('latin1').decode(bytes.subarray(0, 1024)).indexOf('%PDF-');
  if (pdfAt === 0 || (pdfAt > 0 && !looksLikeText(bytes.subarray(0, pdfAt)))) return { format: 'pdf' };
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06])) {
    const kind = ooxmlKind(bytes);
    if (kind) return { format: kind };
    const ext = EXTENSIONS[extensionOf(input.fileName) ?? urlExtension(input.url) ?? ''];
    if (ext === 'docx' || ext === 'pptx' || ext === 'xlsx') return { format: ext };
    return { unsupported: 'a zip archive that is not a Word, PowerPoint or Excel file' };
  }
  for (const [magic, name] of UNSUPPORTED_MAGIC) if (startsWith(bytes, magic)) return { unsupported: name };
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8))
    return { unsupported: 'a WebP image' };
  if (!looksLikeText(bytes)) return null;
  const ext = EXTENSIONS[extensionOf(input.fileName) ?? urlExtension(input.url) ?? ''];
  // A binary format by name whose bytes are text is not that format; the text checks below decide.
  if (ext && typeof ext === 'object') return ext;
  if (ext === 'csv' || ext === 'txt' || ext === 'md' || ext === 'html') return { format: ext };
  const type = input.contentType?.split(';')[0]?.trim().toLowerCase();
  const byType = type ? CONTENT_TYPES[type] : undefined;
  if (byType === 'csv' || byType === 'md' || byType === 'html') return { format: byType };
  if (looksLikeHtml(bytes)) return { format: 'html' };
  return { format: 'txt' };
}

/** 'pdf'|'docx'|'pptx'|'xlsx'|'csv'|'txt'|'md'|'html', or null for anything we do not read. */
export function detectFormat(input: ExtractInput): ExtractFormat | null {
  const found = sniff(input);
  return found && 'format' in found ? found.format : null;
}
