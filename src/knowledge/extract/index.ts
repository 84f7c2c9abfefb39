// STAND-IN: replaced by the k-extract branch
import {
  DEFAULT_EXTRACT_LIMITS,
  type ExtractedBlock,
  type ExtractedDocument,
  type ExtractInput,
  type ExtractLimits,
  KnowledgeError,
} from './types.ts';

export function detectFormat(input: ExtractInput): string | null {
  const name = (input.fileName ?? input.url ?? '').toLowerCase();
  const type = (input.contentType ?? '').toLowerCase();
  if (name.endsWith('.md') || type.startsWith('text/markdown')) return 'md';
  if (name.endsWith('.html') || type.startsWith('text/html')) return 'html';
  if (name.endsWith('.txt') || type.startsWith('text/plain')) return 'txt';
  if (input.bytes[0] === 0x25 && input.bytes[1] === 0x50) return 'pdf';
  return null;
}

export async function extractDocument(
  input: ExtractInput,
  limits: Partial<ExtractLimits> = {},
): Promise<ExtractedDocument> {
  const max = limits.maxBytes ?? DEFAULT_EXTRACT_LIMITS.maxBytes;
  if (input.bytes.length > max)
    throw new KnowledgeError('file_size_too_large', `File is larger than ${max} bytes`);
  const format = detectFormat(input);
  if (format !== 'txt' && format !== 'md' && format !== 'html') {
    throw new KnowledgeError('file_format_unsupported', 'Unsupported file format (stand-in: txt, md)');
  }
  let text = new TextDecoder().decode(input.bytes);
  if (format === 'html') text = text.replaceAll(/<[^>]*>/g, ' ');
  const blocks: ExtractedBlock[] = [];
  const path: string[] = [];
  for (const para of text.split('\n\n')) {
    const t = para.trim();
    if (!t) continue;
    const hashes = t.length - t.replace(/^#+/, '').length;
    if (format === 'md' && hashes > 0 && hashes <= 6 && !t.includes('\n')) {
      const title = t.slice(hashes).trim();
      path.length = hashes - 1;
      blocks.push({ kind: 'heading', text: title, level: hashes, headingPath: [...path] });
      path[hashes - 1] = title;
      continue;
    }
    blocks.push({ kind: 'paragraph', text: t, headingPath: path.filter((p) => p !== undefined) });
  }
  if (blocks.length === 0) throw new KnowledgeError('file_empty', 'The document has no text');
  return { format, blocks };
}
