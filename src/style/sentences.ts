/**
 * Sentences of masked text, shared by the length rules, banned-phrase removal and the checks, so all
 * count alike. One pass, each character looked at a bounded number of times (ADR 0013): a regex or
 * Intl.Segmenter measured quadratic here on runs of newlines or ". ".
 *
 * A sentence ends at terminal punctuation (with closing quotes or brackets, and emoji: "Done!🎉 Next")
 * followed by whitespace or the end, or at a line break: list items, headings and paragraphs are units
 * of their own. A period does not end one after a title or other abbreviation ("Dr. Lee", "e.g. this"),
 * after a month or "No." before a number ("on Jan. 5", "No. 5"), or before a lower-case word ("3 p.m.
 * today", "Well... maybe", "\"Yes.\" he said": the rule of Unicode's sentence breaking, UAX #29 SB8).
 * Decimals and version numbers are masked number tokens, so their dots are never seen here.
 */

export interface Span {
  start: number;
  end: number;
}

/** A period after one of these never ends a sentence. */
const ALWAYS = new Set([
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
  'figs',
  'gen',
  'col',
  'capt',
  'lt',
  'sgt',
  'rev',
  'hon',
  'gov',
  'sen',
  'rep',
  'pres',
  'mt',
  'ave',
  'blvd',
  'dept',
  'viz',
  'al',
]);
/** A period after one of these does not end a sentence when a number follows ("Jan. 5", "No. 5"). */
const BEFORE_NUMBER = new Set([
  'jan',
  'feb',
  'mar',
  'apr',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
  'no',
  'nos',
  'vol',
  'vols',
  'p',
  'pp',
  'ch',
  'sec',
  'art',
  'op',
  'ed',
  'ver',
  'v',
  'ref',
  'para',
  'approx',
  'tel',
  'ext',
  // weekdays ("Sat. 10 a.m."), limits ("max. 3 renewals") and a statute's section ("s. 5")
  'mon',
  'tue',
  'tues',
  'wed',
  'thu',
  'thur',
  'thurs',
  'fri',
  'sat',
  'sun',
  'max',
  'min',
  's',
  'ss',
]);

const LONGEST_WORD = 12;
const LOOKAHEAD = 16;

/** Per UTF-16 code unit: 1 letter (or the code/URL token opener U+E000), 2 terminator, 4 closer, 8 trailing mark. */
let classes: Uint8Array | undefined;
function table(): Uint8Array {
  if (classes) return classes;
  const t = new Uint8Array(65536);
  const letter = /\p{L}/u;
  for (let c = 0; c < 65536; c++) if (letter.test(String.fromCharCode(c))) t[c] = 1;
  t[0xe000] = 1;
  for (const ch of '.!?…！？') t[ch.charCodeAt(0)] = 2;
  for (const ch of '"\'”’)]') t[ch.charCodeAt(0)] = 4;
  // emoji after the punctuation: surrogate halves, dingbats and symbols, VS16, ZWJ
  for (let c = 0xd800; c <= 0xdfff; c++) t[c] = 8;
  for (let c = 0x2600; c <= 0x27bf; c++) t[c] = 8;
  t[0xfe0f] = 8;
  t[0x200d] = 8;
  classes = t;
  return t;
}

const isSpace = (c: number) =>
  c === 32 || c === 9 || c === 13 || c === 10 || c === 0xa0 || c === 12 || c === 11;
const OPENERS = '("\'“‘[';

function isLower(ch: string): boolean {
  return ch !== ch.toUpperCase() && ch === ch.toLowerCase();
}

/**
 * The word just before index `end` (at most LONGEST_WORD characters), lower case: letters, apostrophes
 * and inner periods ("e.g", "U.S"), so a range reads as its last word ("Mon.–Thu" -> "thu").
 */
function wordBefore(text: string, end: number): string {
  const t = table();
  let from = end;
  while (from > 0 && end - from <= LONGEST_WORD && inWord(t, text.charCodeAt(from - 1))) from--;
  if (end - from > LONGEST_WORD) return '';
  while (from < end && text[from] === '.') from++;
  return text.slice(from, end).toLowerCase();
}

/** A letter, a period or an apostrophe: what an abbreviation is written with. */
function inWord(t: Uint8Array, c: number): boolean {
  return t[c] === 1 || c === 46 || c === 39 || c === 0x2019;
}

/**
 * Whether the period at `dot` closes an abbreviation (a title, "e.g.", or dotted initials such as "p.m."
 * and "U.S."), so that what follows it may continue the sentence: a rule that capitalizes a sentence's
 * first word must not do it after "3:30 p.m." when the writer went on in lower case.
 */
export function closesAbbreviation(text: string, dot: number): boolean {
  if (text[dot] !== '.') return false;
  const word = wordBefore(text, dot);
  return word !== '' && (ALWAYS.has(word) || word.includes('.'));
}

/** The first character after `from` past spaces and openers on the same line (bounded), or ''. */
function nextChar(text: string, from: number): string {
  for (let i = from; i < text.length && i - from < LOOKAHEAD; i++) {
    const ch = text[i] ?? '';
    if (ch === '\n') return '';
    if (ch === ' ' || ch === '\t' || OPENERS.includes(ch)) continue;
    return ch;
  }
  return '';
}

/** Whether the terminator run [run, runEnd) followed by closers up to `after` does not end a sentence. */
function continues(text: string, run: number, runEnd: number, after: number): boolean {
  const next = nextChar(text, after);
  const dotted = text[runEnd - 1] === '.' || text[runEnd - 1] === '…';
  if (next !== '' && isLower(next) && (dotted || after > runEnd)) return true;
  if (runEnd - run !== 1 || text[run] !== '.') return false;
  const word = wordBefore(text, run);
  if (ALWAYS.has(word)) return true;
  const numberNext = next === '\uE002' || (next >= '0' && next <= '9');
  if (numberNext && BEFORE_NUMBER.has(word)) return true;
  // dotted initials ("U.S", "p.m", "Ph.D") before a number or a lower-case word were handled above
  return false;
}

/** The sentences of `text` as [start, end) ranges; text without sentence content is in none. */
export function sentences(text: string): Span[] {
  const t = table();
  const out: Span[] = [];
  const n = text.length;
  let start = 0;
  let hasContent = false;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      if (hasContent) {
        out.push({ start, end: i });
        start = i;
        hasContent = false;
      }
      i++;
      continue;
    }
    const k = t[c] as number;
    if (k === 1) hasContent = true;
    if (k !== 2) {
      i++;
      continue;
    }
    let runEnd = i + 1;
    while (runEnd < n && t[text.charCodeAt(runEnd)] === 2) runEnd++;
    let after = runEnd;
    while (after < n && t[text.charCodeAt(after)] === 4) after++;
    while (after < n && t[text.charCodeAt(after)] === 8) after++;
    if (after < n && !isSpace(text.charCodeAt(after))) {
      i = runEnd;
      continue;
    }
    if (hasContent && !continues(text, i, runEnd, after)) {
      out.push({ start, end: after });
      start = after;
      hasContent = false;
    }
    i = after;
  }
  if (hasContent) out.push({ start, end: text.trimEnd().length });
  return out;
}

export function countSentences(text: string): number {
  return sentences(text).length;
}
