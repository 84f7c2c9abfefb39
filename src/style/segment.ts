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

export function countWords(text: string, stopAfter = Number.POSITIVE_INFINITY): number {
  WORD.lastIndex = 0;
  let n = 0;
  // stopAfter: callers that only compare against a limit need not scan the rest (the word pattern is
  // the costliest regex of the engine).
  while (n <= stopAfter && WORD.exec(text) !== null) n++;
  return n;
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
