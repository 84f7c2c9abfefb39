import { CONTENT } from './chars.ts';

/**
 * Words and sentences of masked text, shared by the length rules and their checks so both count
 * alike. A protected span is one token, so a code block or a URL counts as one word and is never cut
 * in half.
 */

/** A word: a run of non-space characters holding a letter, a digit or a protected token. */
const WORD = new RegExp(`[^\\s${CONTENT}]*[${CONTENT}]\\S*`, 'g');
/**
 * A sentence ends at terminal punctuation (with closing quotes or brackets, and emoji: "Done!🎉 Next")
 * followed by whitespace or the end, or at a line break: list items, headings and paragraphs are units of their own.
 */
const BOUNDARY = /[.!?…！？]+["'”’)\]]*(?:[\uD800-\uDFFF\u2600-\u27BF]|\uFE0F|\u200D)*(?=\s|$)|\n/g;
/** A sentence needs a letter or a code/URL token; a bare number ("1." of a list) joins the next one. */
const SENTENCE_CONTENT = /[\p{L}\uE000]/u;
const SPACE = /\s/;
/** A period after one of these does not end a sentence ("e.g. this", "Dr. Lee"). */
const ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'prof',
  'sr',
  'jr',
  'st',
  'vs',
  'e.g',
  'i.e',
  'cf',
  'approx',
  'fig',
]);

export interface Span {
  start: number;
  end: number;
}

/**
 * Per UTF-16 code unit: bit 1 for whitespace (\s), bit 2 for word content (CONTENT). Built once, on first
 * use, from the very classes WORD is made of, so the scans below count exactly what WORD matches (a
 * property test compares them). Word counting was the costliest step of the local engine as a regex:
 * a lookup per character is several times faster. One character is both (U+1680, a space inside a
 * letter range): WORD lets it start a word but not continue one.
 */
let classes: Uint8Array | undefined;

function charClasses(): Uint8Array {
  if (classes) return classes;
  const table = new Uint8Array(65536);
  const content = new RegExp(`[${CONTENT}]`);
  for (let c = 0; c < 65536; c++) {
    const ch = String.fromCharCode(c);
    table[c] = (SPACE.test(ch) ? 1 : 0) | (content.test(ch) ? 2 : 0);
  }
  classes = table;
  return table;
}

/** How many words `text` holds; stops counting once past `stopAfter` (callers comparing to a limit). */
export function countWords(text: string, stopAfter = Number.POSITIVE_INFINITY): number {
  const table = charClasses();
  let n = 0;
  let hasContent = false;
  for (let i = 0; i < text.length; i++) {
    const k = table[text.charCodeAt(i)];
    if (k === 2) hasContent = true;
    else if (k !== 0) {
      if (hasContent && ++n > stopAfter) return n;
      hasContent = k === 3;
    }
  }
  return hasContent ? n + 1 : n;
}

/** Where the `n`-th run of non-space characters (n >= 1) starts, or -1 if there are fewer. */
export function startOfRun(text: string, n: number): number {
  const table = charClasses();
  let count = 0;
  let afterSpace = true;
  for (let i = 0; i < text.length; i++) {
    const space = ((table[text.charCodeAt(i)] as number) & 1) === 1;
    if (!space && afterSpace && ++count === n) return i;
    afterSpace = space;
  }
  return -1;
}

/** The first `n` words (n >= 1) of `text`, or null if it has no more than `n`. */
export function cutAtWord(text: string, n: number): string | null {
  WORD.lastIndex = 0;
  let seen = 0;
  let m: RegExpExecArray | null = WORD.exec(text);
  while (m !== null) {
    seen++;
    if (seen === n) {
      const end = m.index + m[0].length;
      return end < text.length && countWords(text.slice(end), 0) > 0 ? text.slice(0, end) : null;
    }
    m = WORD.exec(text);
  }
  return null;
}

const OPENERS = /^[("'“‘[]+/;
const LONGEST_ABBREVIATION = 8;

/** Whether the word ending at `end` (just before a ".") is an abbreviation. */
function isAbbreviation(text: string, start: number, end: number, terminator: string): boolean {
  if (terminator !== '.') return false;
  let from = end;
  while (from > start && end - from <= LONGEST_ABBREVIATION && !SPACE.test(text[from - 1] ?? ' ')) from--;
  if (end - from > LONGEST_ABBREVIATION) return false;
  return ABBREVIATIONS.has(text.slice(from, end).replace(OPENERS, '').toLowerCase());
}

/** The sentences of `text` as [start, end) ranges; text without sentence content is in none. */
export function sentences(text: string): Span[] {
  const out: Span[] = [];
  let start = 0;
  BOUNDARY.lastIndex = 0;
  let m: RegExpExecArray | null = BOUNDARY.exec(text);
  while (m !== null) {
    const isBreak = m[0] === '\n';
    const end = isBreak ? m.index : m.index + m[0].length;
    const body = text.slice(start, end);
    if (SENTENCE_CONTENT.test(body) && (isBreak || !isAbbreviation(text, start, m.index, m[0]))) {
      out.push({ start, end });
      start = end;
    }
    m = BOUNDARY.exec(text);
  }
  if (SENTENCE_CONTENT.test(text.slice(start))) out.push({ start, end: text.trimEnd().length });
  return out;
}

export function countSentences(text: string): number {
  return sentences(text).length;
}
