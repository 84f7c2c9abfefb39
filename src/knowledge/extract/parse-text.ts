import type { BlockCollector } from './blocks.ts';
import { rowText } from './table-rows.ts';
import { eachLine, splitLines } from './text-decode.ts';

/**
 * A paragraph without blank lines is closed at the next line break past this size: a log or a dump with
 * no blank line would otherwise be one paragraph of the whole file (and one string of its whole size).
 */
export const MAX_PARAGRAPH_CHARS = 4000;

/** Plain text: paragraphs are separated by blank lines; nothing else is assumed. */
export function parseTxt(text: string, out: BlockCollector) {
  let para: string[] = [];
  let size = 0;
  const flush = () => {
    if (para.length > 0) out.add('paragraph', para.join('\n'));
    para = [];
    size = 0;
  };
  for (const line of eachLine(text)) {
    if (line.trim() === '') flush();
    else {
      para.push(line);
      size += line.length;
      if (size >= MAX_PARAGRAPH_CHARS) flush();
    }
  }
  flush();
}

const isFence = (line: string) => {
  const t = line.trimStart();
  return t.startsWith('```') || t.startsWith('~~~');
};

/** `# Title` → [1, 'Title']; at most three spaces of indent, 1-6 hashes, then a space or the end. */
function atxHeading(line: string): [number, string] | null {
  const t = line.trimStart();
  if (line.length - t.length > 3 || !t.startsWith('#')) return null;
  let level = 0;
  while (t[level] === '#') level++;
  if (level > 6 || (t.length > level && t[level] !== ' ' && t[level] !== '\t')) return null;
  let text = t.slice(level).trim();
  // A closing run of hashes is decoration.
  let end = text.length;
  while (end > 0 && text[end - 1] === '#') end--;
  if (end < text.length && (end === 0 || text[end - 1] === ' ')) text = text.slice(0, end).trim();
  return [level, text];
}

const isUnderline = (line: string, char: string) => {
  const t = line.trim();
  return t.length > 0 && [...t].every((c) => c === char);
};

/** `- item`, `* item`, `+ item`, `1. item`, `1) item`. */
function isListItem(line: string): boolean {
  const t = line.trimStart();
  if ((t[0] === '-' || t[0] === '*' || t[0] === '+') && (t[1] === ' ' || t[1] === '\t')) return true;
  let i = 0;
  while (i < t.length && i < 9 && t.charCodeAt(i) >= 48 && t.charCodeAt(i) <= 57) i++;
  return i > 0 && (t[i] === '.' || t[i] === ')') && (t[i + 1] === ' ' || t[i + 1] === '\t');
}

/** `---`, `***`, `___` (3 or more, spaces allowed): a rule, no text. */
function isThematicBreak(line: string): boolean {
  const t = line.replaceAll(' ', '');
  return t.length >= 3 && (isUnderline(t, '-') || isUnderline(t, '*') || isUnderline(t, '_'));
}

const isTableLine = (line: string) => line.trimStart().startsWith('|');

function tableCells(line: string): string[] {
  let t = line.trim();
  if (t.startsWith('|')) t = t.slice(1);
  if (t.endsWith('|')) t = t.slice(0, -1);
  return t.split('|').map((c) => c.trim());
}

const isTableRule = (line: string) =>
  tableCells(line).every((c) => c.length > 0 && [...c].every((ch) => ch === '-' || ch === ':' || ch === ' '));

/**
 * Markdown by lines (CommonMark's block structure, the parts that matter for retrieval): ATX and setext
 * headings, fenced code, lists, pipe tables (one table-row block per row), paragraphs. Front matter is skipped.
 */
export function parseMarkdown(text: string, out: BlockCollector) {
  const lines = splitLines(text);
  let i = 0;
  if (lines[0]?.trim() === '---') {
    const end = lines.indexOf('---', 1);
    if (end > 0) i = end + 1;
  }
  let para: string[] = [];
  let paraSize = 0;
  const flush = () => {
    paraSize = 0;
    if (para.length > 0)
      out.add(
        'paragraph',
        para.map((l) => (l.trimStart().startsWith('>') ? l.trimStart().slice(1) : l)).join(' '),
      );
    para = [];
  };
  while (i < lines.length) {
    const line = lines[i] ?? '';
    const next = lines[i + 1];
    if (line.trim() === '') {
      flush();
      i++;
      continue;
    }
    if (isFence(line)) {
      flush();
      const fence = line.trimStart().slice(0, 3);
      const code: string[] = [];
      i++;
      while (i < lines.length && !(lines[i] ?? '').trimStart().startsWith(fence)) code.push(lines[i++] ?? '');
      i++;
      out.add('code', code.join('\n'));
      continue;
    }
    if (isThematicBreak(line)) {
      flush();
      i++;
      continue;
    }
    const atx = atxHeading(line);
    if (atx) {
      flush();
      out.heading(atx[1], atx[0]);
      i++;
      continue;
    }
    if (para.length === 0 && next !== undefined && !isListItem(line) && !isTableLine(line)) {
      const level = isUnderline(next, '=') ? 1 : isUnderline(next, '-') && next.trim().length >= 2 ? 2 : 0;
      if (level > 0) {
        out.heading(line, level);
        i += 2;
        continue;
      }
    }
    if (isTableLine(line) && next !== undefined && isTableLine(next) && isTableRule(next)) {
      flush();
      const header = tableCells(line);
      i += 2;
      while (i < lines.length && isTableLine(lines[i] ?? ''))
        out.add('table-row', rowText(header, tableCells(lines[i++] ?? '')));
      continue;
    }
    if (isListItem(line)) {
      flush();
      const items: string[] = [];
      while (i < lines.length) {
        const l = lines[i] ?? '';
        if (isListItem(l)) items.push(l.trim());
        else if (l.trim() !== '' && (l.startsWith(' ') || l.startsWith('\t')) && items.length > 0)
          items[items.length - 1] += ` ${l.trim()}`;
        else break;
        i++;
      }
      out.add('list', items.join('\n'));
      continue;
    }
    para.push(line);
    paraSize += line.length;
    if (paraSize >= MAX_PARAGRAPH_CHARS) flush();
    i++;
  }
  flush();
}
