import {
  abbreviations,
  americanWords,
  britishWords,
  danglingWords,
  greetingWords,
  negationPairs,
  signOffStarts,
  slangWords,
  spellingVariants,
  stiffPhrases,
} from '../fixtures/style-corpus/oracle-words.ts';

/**
 * An independent checker for the style engine's output (test/style-corpus.test.ts). It imports
 * nothing from src/style on purpose: it finds protected content, artefacts, and the facts each
 * check claims with its own scanners and word lists, so a shared blind spot cannot make both agree.
 *
 * Where a question has no certain answer, the oracle takes the side that cannot produce a false
 * alarm: sentence counts are a lower bound (an ellipsis or an abbreviation never ends a sentence for
 * it), emoji are only what is certainly shown as emoji, word lists hold only unambiguous words.
 * Every finding is therefore a real defect, of the engine or of a check.
 */

export type ItemKind = 'code' | 'inline' | 'url' | 'email' | 'quoted' | 'number';

/** A piece of text the engine promises never to alter. */
export interface Item {
  kind: ItemKind;
  text: string;
  start: number;
  end: number;
  /** A keycap's digit: may come out as the keycap (no item) or as its text (a number). */
  optional?: boolean;
}

export interface Violation {
  invariant: string;
  detail: string;
}

const LETTER_OR_DIGIT = /[\p{L}\p{N}_]/u;
const DIGIT = /[0-9]/;
const URL_STOP = /[\s<>"`]/;
const URL_TRAILING = new Set([...`.,;:!?'")]*_…’”`]);
const EMAIL_LOCAL = /[A-Za-z0-9._%+-]/;
const EMAIL_DOMAIN = /[A-Za-z0-9.-]/;
const NUMBER_JOINER = new Set(['.', ',', ':', '/', '-']);
const KEYCAP = '\u20E3';
const VS16 = '\uFE0F';

/** Marks [start, end) of `covered`. */
function cover(covered: Uint8Array, start: number, end: number): void {
  covered.fill(1, start, end);
}

function isFree(covered: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (covered[i] === 1) return false;
  return true;
}

/** Fenced code blocks: from an opening line of ``` or ~~~ to the closing line, or to the end. */
function fences(text: string, covered: Uint8Array, out: Item[]): void {
  let lineStart = 0;
  let open: { start: number; char: string; length: number } | undefined;
  while (lineStart <= text.length) {
    const nl = text.indexOf('\n', lineStart);
    const lineEnd = nl < 0 ? text.length : nl;
    const line = text.slice(lineStart, lineEnd).trimStart();
    const char = line[0];
    let run = 0;
    while (run < line.length && line[run] === char) run++;
    const isFence = (char === '`' || char === '~') && run >= 3;
    if (open === undefined && isFence && char !== undefined) {
      open = { start: lineStart, char, length: run };
    } else if (open !== undefined && isFence && char === open.char && run >= open.length) {
      out.push({ kind: 'code', text: text.slice(open.start, lineEnd), start: open.start, end: lineEnd });
      cover(covered, open.start, lineEnd);
      open = undefined;
    }
    if (nl < 0) break;
    lineStart = nl + 1;
  }
  if (open !== undefined) {
    out.push({ kind: 'code', text: text.slice(open.start), start: open.start, end: text.length });
    cover(covered, open.start, text.length);
  }
}

/** Inline code: a run of n backticks closed by a run of exactly n on the same line. */
function inlineCode(text: string, covered: Uint8Array, out: Item[]): void {
  let i = 0;
  while (i < text.length) {
    if (text[i] !== '`' || covered[i] === 1) {
      i++;
      continue;
    }
    let n = 0;
    while (text[i + n] === '`') n++;
    let j = i + n;
    let closed = -1;
    while (j < text.length && text[j] !== '\n' && covered[j] !== 1) {
      if (text[j] === '`') {
        let m = 0;
        while (text[j + m] === '`') m++;
        if (m === n) {
          closed = j + m;
          break;
        }
        j += m;
      } else j++;
    }
    if (closed > 0 && closed - i > 2 * n) {
      out.push({ kind: 'inline', text: text.slice(i, closed), start: i, end: closed });
      cover(covered, i, closed);
      i = closed;
    } else i += n;
  }
}

/** Where a URL that starts at `start` ends: before trailing punctuation and an unopened ")". */
function urlEnd(text: string, start: number): number {
  let end = start;
  while (end < text.length && !URL_STOP.test(text[end] ?? ' ')) end++;
  while (end > start && URL_TRAILING.has(text[end - 1] ?? '')) {
    if (text[end - 1] === ')') {
      const body = text.slice(start, end);
      const opened = body.split('(').length - 1;
      const closedCount = body.split(')').length - 1;
      if (opened >= closedCount) break;
    }
    end--;
  }
  return end;
}

function urls(text: string, covered: Uint8Array, out: Item[]): void {
  const lower = text.toLowerCase();
  for (let i = 0; i < text.length; i++) {
    if (covered[i] === 1 || (i > 0 && LETTER_OR_DIGIT.test(text[i - 1] ?? ''))) continue;
    const prefix = lower.startsWith('https://', i)
      ? 8
      : lower.startsWith('http://', i)
        ? 7
        : lower.startsWith('www.', i)
          ? 4
          : 0;
    if (prefix === 0) continue;
    const end = urlEnd(text, i);
    if (end <= i + prefix || !isFree(covered, i, end)) continue;
    out.push({ kind: 'url', text: text.slice(i, end), start: i, end });
    cover(covered, i, end);
    i = end - 1;
  }
}

function emails(text: string, covered: Uint8Array, out: Item[]): void {
  for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
    if (covered[at] === 1) continue;
    let start = at;
    while (start > 0 && EMAIL_LOCAL.test(text[start - 1] ?? ' ') && covered[start - 1] !== 1) start--;
    let end = at + 1;
    while (end < text.length && EMAIL_DOMAIN.test(text[end] ?? ' ') && covered[end] !== 1) end++;
    while (end > at + 1 && (text[end - 1] === '.' || text[end - 1] === '-')) end--;
    const domain = text.slice(at + 1, end);
    const dot = domain.indexOf('.');
    if (start === at || dot <= 0 || dot === domain.length - 1) continue;
    out.push({ kind: 'email', text: text.slice(start, end), start, end });
    cover(covered, start, end);
  }
}

const QUOTE_OPEN = new Set(['"', '“']);
const QUOTE_CLOSE = new Set(['"', '”']);
const LATIN_LETTER = /[A-Za-z]/;

/**
 * Quoted literals, as the README lists them: one run without spaces between double quotes, at most 64
 * characters, holding a letter and a digit ("Guest2024!": a password is typed as written).
 */
function quotedLiterals(text: string, covered: Uint8Array, out: Item[]): void {
  for (let i = 0; i < text.length; i++) {
    if (!QUOTE_OPEN.has(text[i] ?? '')) continue;
    let end = i + 1;
    while (
      end < text.length &&
      end - i <= 65 &&
      !/\s/.test(text[end] ?? ' ') &&
      !QUOTE_CLOSE.has(text[end] ?? '')
    ) {
      if (QUOTE_OPEN.has(text[end] ?? '')) break;
      end++;
    }
    const body = text.slice(i + 1, end);
    if (!QUOTE_CLOSE.has(text[end] ?? '') || body.length === 0 || body.length > 64) continue;
    if (!DIGIT.test(body) || !LATIN_LETTER.test(body) || !isFree(covered, i + 1, end)) continue;
    out.push({ kind: 'quoted', text: body, start: i + 1, end });
    cover(covered, i + 1, end);
    i = end;
  }
}

/** Whether a keycap mark follows the character at `i` ("1️⃣" is 1, U+FE0F, U+20E3). */
function keycapAt(text: string, i: number): boolean {
  return text[i + 1] === KEYCAP || (text[i + 1] === VS16 && text[i + 2] === KEYCAP);
}

/** Numbers: digit runs joined by . , : / - ("1,200.50", "2024-03-12", "9:30", "v2.1.3"). */
function numbers(text: string, covered: Uint8Array, out: Item[]): void {
  let i = 0;
  while (i < text.length) {
    if (covered[i] === 1 || !DIGIT.test(text[i] ?? '')) {
      i++;
      continue;
    }
    if (keycapAt(text, i)) {
      out.push({ kind: 'number', text: text[i] ?? '', start: i, end: i + 1, optional: true });
      i++;
      continue;
    }
    let end = i;
    for (;;) {
      while (end < text.length && DIGIT.test(text[end] ?? '') && covered[end] !== 1) end++;
      const joiner = text[end] ?? '';
      if (NUMBER_JOINER.has(joiner) && DIGIT.test(text[end + 1] ?? '') && !keycapAt(text, end + 1)) {
        end++;
        continue;
      }
      break;
    }
    // A version's "v" belongs to it ("v1.8.3"), so a sentence may start with one.
    const v = text[i - 1];
    const start =
      (v === 'v' || v === 'V') && covered[i - 1] !== 1 && !LETTER_OR_DIGIT.test(text[i - 2] ?? ' ')
        ? i - 1
        : i;
    out.push({ kind: 'number', text: text.slice(start, end), start, end });
    cover(covered, start, end);
    i = end;
  }
}

/** The protected items of `text`, in order: code fences, inline code, URLs, emails, quoted literals, numbers. */
export function protectedItems(text: string): Item[] {
  const covered = new Uint8Array(text.length);
  const out: Item[] = [];
  fences(text, covered, out);
  inlineCode(text, covered, out);
  urls(text, covered, out);
  emails(text, covered, out);
  quotedLiterals(text, covered, out);
  numbers(text, covered, out);
  return out.sort((a, b) => a.start - b.start);
}

/**
 * `text` with each protected item replaced by a neutral stand-in: "ITEM" (a capitalized word) for code,
 * URLs and emails, "0" for a number, so prose rules see prose only and items keep their place.
 */
export function prose(text: string): string {
  let out = '';
  let at = 0;
  for (const item of protectedItems(text)) {
    if (item.optional) continue;
    out += text.slice(at, item.start) + (item.kind === 'number' ? '0' : 'ITEM');
    at = item.end;
  }
  return out + text.slice(at);
}

/**
 * Protected items of the input must come out unchanged. `exact`: all of them (no rule removes text);
 * otherwise the output's must be the input's in order with some left out (a length cut, a removed
 * sentence). A keycap's digit may appear or not.
 */
export function compareProtected(input: string, output: string, exact: boolean): Violation[] {
  const want = protectedItems(input);
  const got = protectedItems(output).filter((i) => !i.optional);
  const out: Violation[] = [];
  let i = 0;
  for (const item of got) {
    let j = i;
    while (j < want.length && !(want[j]?.kind === item.kind && want[j]?.text === item.text)) j++;
    if (j === want.length) {
      out.push({
        invariant: 'protected',
        detail: `${item.kind} ${JSON.stringify(item.text)} not in the input`,
      });
      continue;
    }
    if (exact) {
      for (const skipped of want.slice(i, j)) {
        if (!skipped.optional)
          out.push({
            invariant: 'protected',
            detail: `${skipped.kind} ${JSON.stringify(skipped.text)} lost`,
          });
      }
    }
    i = j + 1;
  }
  if (exact) {
    for (const rest of want.slice(i)) {
      if (!rest.optional)
        out.push({ invariant: 'protected', detail: `${rest.kind} ${JSON.stringify(rest.text)} lost` });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Artefacts: patterns a rewrite must not introduce. Each is counted in the input and the output (both
// as prose, so code and URLs do not count); more in the output is an artefact of the engine.

interface Pattern {
  name: string;
  count: (p: string) => number;
}

function countMatches(re: RegExp, text: string): number {
  return text.match(re)?.length ?? 0;
}

function linesMatching(test: (line: string) => boolean, text: string): number {
  return text.split('\n').filter(test).length;
}

/** Exactly two periods in a row (not an ellipsis). */
function doubledPeriods(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '.' && text[i + 1] === '.' && text[i - 1] !== '.' && text[i + 2] !== '.') n++;
  }
  return n;
}

const BAD_PAIRS = [
  ',.',
  '.,',
  ',,',
  ';.',
  ':.',
  ',;',
  ';,',
  '!.',
  '?.',
  '.!',
  '.?',
  ',!',
  ',?',
  ':,',
  ';;',
  '.…',
  '…,',
  ',…',
];

function badPairs(text: string): number {
  let n = 0;
  for (const pair of BAD_PAIRS) n += text.split(pair).length - 1;
  return n;
}

/** A word of `danglingWords` directly before punctuation: "a lot of!", "To our." */
function dangling(text: string): number {
  let n = 0;
  for (const m of text.matchAll(/(?<![\p{L}\p{N}'’])(\p{L}+)[ \t]*[.!?,;:]/gu)) {
    if (danglingWords.has((m[1] ?? '').toLowerCase())) n++;
  }
  return n;
}

/** "no worries 😄 Let's" -> "no worries Let's": a lowercase word, then a word capitalized only to open a sentence. */
function runOnSentences(text: string): number {
  let n = 0;
  for (const m of text.matchAll(/\p{Ll}[ \t]+(\p{Lu}[\p{Ll}'’]*)/gu)) {
    if (SENTENCE_OPENERS.has(normalizeWord(m[1] ?? ''))) n++;
  }
  return n;
}

function doubledWords(text: string): number {
  let n = 0;
  const words = text.split(/[ \t]+/);
  for (let i = 1; i < words.length; i++) {
    const a = words[i - 1] ?? '';
    if (/^\p{L}+$/u.test(a) && a.toLowerCase() === (words[i] ?? '').toLowerCase()) n++;
  }
  return n;
}

const patterns: Pattern[] = [
  { name: 'doubled period', count: doubledPeriods },
  { name: 'doubled punctuation', count: badPairs },
  { name: 'space before punctuation', count: (p) => countMatches(/(?<=\S)[ \t]+[.,;:!?](?=\s|$)/g, p) },
  { name: 'double space', count: (p) => countMatches(/(?<=\S) {2,}(?=\S)/g, p) },
  { name: 'trailing whitespace', count: (p) => linesMatching((l) => /[ \t]$/.test(l), p) },
  {
    name: 'punctuation at line start',
    count: (p) => linesMatching((l) => /^[ \t]*[,;:.!?](?!\.\.)/.test(l), p),
  },
  { name: 'punctuation opening a sentence', count: (p) => countMatches(/[.!?][ \t]+[,;:]/g, p) },
  {
    name: 'empty list item',
    count: (p) => linesMatching((l) => /^[ \t]*(?:[-*+]|\d+[.)])[ \t]*$/.test(l), p),
  },
  { name: 'empty heading', count: (p) => linesMatching((l) => /^#{1,6}[ \t]*$/.test(l), p) },
  { name: 'empty brackets or quotes', count: (p) => countMatches(/\([ \t]*\)|\[[ \t]*\]|""|“”/g, p) },
  { name: 'dangling word before punctuation', count: dangling },
  { name: 'lowercase after sentence end', count: (p) => countMatches(/[.!?]["'”’)]*[ \t]+\p{Ll}/gu, p) },
  { name: 'doubled word', count: doubledWords },
  { name: 'sentences run together (a mark between them removed)', count: runOnSentences },
  { name: 'period inside and after brackets', count: (p) => countMatches(/\.[)\]]\./g, p) },
  { name: 'private-use character (leaked token)', count: (p) => countMatches(/[\uE000-\uF8FF]/g, p) },
  {
    name: 'stray emoji modifier',
    count: (p) =>
      countMatches(/(?<![\p{Extended_Pictographic}\p{Emoji_Component}])(?:\uFE0F|\u200D|\u20E3)/gu, p),
  },
];

export function findArtefacts(input: string, output: string): Violation[] {
  const a = prose(input);
  const b = prose(output);
  const out: Violation[] = [];
  for (const p of patterns) {
    const before = p.count(a);
    const after = p.count(b);
    if (after > before) out.push({ invariant: 'artefact', detail: `${p.name} (${before} -> ${after})` });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Emoji and symbols.

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
const TYPOGRAPHY = new Set(['©', '®', '™']);

/** Whether a grapheme is certainly shown as an emoji. */
function isEmoji(g: string): boolean {
  if (g.includes(KEYCAP)) return true;
  if (/\p{Regional_Indicator}/u.test(g)) return true;
  const first = String.fromCodePoint(g.codePointAt(0) ?? 0);
  if (TYPOGRAPHY.has(first)) return false;
  if (/\p{Emoji_Presentation}/u.test(first) && !/[0-9#*]/.test(first)) return true;
  return /\p{Extended_Pictographic}/u.test(first) && g.includes(VS16);
}

/** The emoji of `text` outside protected items. */
export function emojiIn(text: string): string[] {
  const out: string[] = [];
  for (const { segment } of graphemes.segment(prose(text))) if (isEmoji(segment)) out.push(segment);
  return out;
}

export function exclamationsIn(text: string): number {
  return countMatches(/[!！]/g, prose(text));
}

const ARROWS = new Set(['→', '←', '↑', '↓', '⇒', '⇐', '↔', '➡', '⬅', '⬆', '⬇', '↗', '↘']);

interface SymbolCount {
  keycaps: number;
  arrows: number;
  marks: number;
  arrowText: number;
  markText: number;
  digits: number;
}

function symbols(text: string): SymbolCount {
  const p = prose(text);
  const c: SymbolCount = { keycaps: 0, arrows: 0, marks: 0, arrowText: 0, markText: 0, digits: 0 };
  for (const { segment } of graphemes.segment(p)) {
    const first = String.fromCodePoint(segment.codePointAt(0) ?? 0);
    if (segment.includes(KEYCAP)) c.keycaps++;
    else if (ARROWS.has(first)) c.arrows++;
    else if (TYPOGRAPHY.has(first)) c.marks++;
  }
  c.arrowText = countMatches(/->|=>|<-|>|\bthen\b/gi, p);
  c.markText = countMatches(/\((?:c|r|tm)\)|\bcopyright\b|\bTM\b/gi, p);
  c.digits = protectedItems(text).filter(
    (i) => i.kind === 'number' && i.text.length === 1 && !i.optional,
  ).length;
  return c;
}

/**
 * Emoji that carry meaning (keycaps, arrows, © ® ™) are kept or replaced by their text, never
 * deleted. Only meaningful where no rule may remove text (no length limit).
 */
export function lostSymbols(input: string, output: string): Violation[] {
  const a = symbols(input);
  const b = symbols(output);
  const out: Violation[] = [];
  if (b.keycaps + Math.max(0, b.digits - a.digits) < a.keycaps)
    out.push({
      invariant: 'meaningful symbol',
      detail: `keycaps ${a.keycaps} -> ${b.keycaps}, no digits in their place`,
    });
  if (b.arrows + Math.max(0, b.arrowText - a.arrowText) < a.arrows)
    out.push({
      invariant: 'meaningful symbol',
      detail: `arrows ${a.arrows} -> ${b.arrows}, no text in their place`,
    });
  if (b.marks + Math.max(0, b.markText - a.markText) < a.marks)
    out.push({ invariant: 'meaningful symbol', detail: `© ® ™ ${a.marks} -> ${b.marks}` });
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Words, phrases and sentences.

/** A case-insensitive whole-word pattern for any of `phrases` (with either apostrophe, any spaces). */
function phraseRegex(phrases: Iterable<string>): RegExp | undefined {
  const sources = [...new Set(phrases)]
    .filter((p) => p.trim() !== '')
    .sort((a, b) => b.length - a.length)
    .map((p) =>
      p
        .trim()
        .split(/\s+/)
        .map((w) => w.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&').replace(/['’]/g, "['’]"))
        .join('[ \\t]+'),
    );
  if (sources.length === 0) return undefined;
  return new RegExp(`(?<![\\p{L}\\p{N}_])(?:${sources.join('|')})(?![\\p{L}\\p{N}_])`, 'giu');
}

function findPhrases(text: string, phrases: Iterable<string>): string[] {
  const re = phraseRegex(phrases);
  return re ? (text.match(re) ?? []) : [];
}

/** Every spelling of a phrase, word by word (a banned "we apologize" is also "we apologise"). */
export function phraseVariants(phrase: string): string[] {
  let out = [''];
  for (const word of phrase.trim().split(/\s+/)) {
    const next: string[] = [];
    for (const head of out) for (const v of spellingVariants(word)) next.push(head ? `${head} ${v}` : v);
    out = next;
  }
  return out;
}

/** Words with an apostrophe that are contractions ("don't", "it's", "I'd"); not possessives. */
export function contractionsIn(text: string): string[] {
  const out: string[] = [];
  const pronounS = new Set([
    'it',
    'that',
    'there',
    'what',
    'here',
    'he',
    'she',
    'who',
    'where',
    'let',
    'how',
    'when',
    'why',
  ]);
  for (const m of text.matchAll(/[\p{L}'’]+/gu)) {
    const word = m[0].replace(/^['’]+|['’]+$/g, '');
    const w = word.toLowerCase().replace(/’/g, "'");
    const apostrophe = w.indexOf("'");
    if (apostrophe <= 0 || w === "y'all") continue;
    const head = w.slice(0, apostrophe);
    const tail = w.slice(apostrophe);
    const isContraction =
      (tail === "'t" && head.endsWith('n') && head.length > 1) ||
      ["'m", "'re", "'ve", "'ll", "'d"].includes(tail) ||
      (tail === "'s" && pronounS.has(head));
    if (isContraction) out.push(word);
  }
  return out;
}

export function slangIn(text: string): string[] {
  const found = findPhrases(text, slangWords);
  for (const m of text.matchAll(/(?<![\p{L}])(?:that's|that is|it's|it is|is|was|so) fire(?![\p{L}])/giu)) {
    const after = text.slice((m.index ?? 0) + m[0].length, (m.index ?? 0) + m[0].length + 12);
    if (!/^[ \t]+\p{L}/u.test(after)) found.push(m[0]);
  }
  return found;
}

/** Splits off leading and trailing characters that are neither letters nor digits nor end marks. */
function core(word: string): string {
  return word.replace(/^[^\p{L}\p{N}]+/u, '').replace(/[^\p{L}\p{N}.!?…]+$/u, '');
}

function endsSentence(word: string): boolean {
  const w = core(word);
  if (w.endsWith('!') || w.endsWith('?')) return true;
  if (!w.endsWith('.') || w.endsWith('..') || w.endsWith('…')) return false;
  const base = w.slice(0, -1);
  if (base.includes('.')) return false; // e.g. U.S. a.m. i.e.
  if (/^\p{L}$/u.test(base)) return false; // an initial
  return !abbreviations.has(base.toLowerCase());
}

function startsSentence(word: string): boolean {
  const w = word.replace(/^["'“‘([*_]+/u, '');
  return /^\p{Lu}/u.test(w);
}

/**
 * Sentences of content, counted from below: a line without end punctuation runs on into the next, an
 * end mark counts only before a capital letter, never after an abbreviation, an initial or an
 * ellipsis. The engine may count more (list items, headings); never fewer.
 */
export function sentencesAtLeast(content: string): number {
  let count = 0;
  let open = false;
  for (const line of prose(content).split('\n')) {
    const words = withoutListMarker(line)
      .split(/\s+/)
      .filter((w) => w !== '');
    for (let i = 0; i < words.length; i++) {
      const w = words[i] ?? '';
      if (/[\p{L}\p{Nd}]/u.test(w)) open = true;
      const next = words[i + 1];
      if (open && endsSentence(w) && (next === undefined || startsSentence(next))) {
        count++;
        open = false;
      }
    }
  }
  return open ? count + 1 : count;
}

/**
 * Words of content: runs of non-space holding a letter or a decimal digit; an item is one word. A
 * list marker ("1.", "-") is not counted: a lower bound again.
 */
export function wordCount(content: string): number {
  return prose(content)
    .split('\n')
    .flatMap((line) => withoutListMarker(line).split(/\s+/))
    .filter((w) => /[\p{L}\p{Nd}]/u.test(w)).length;
}

/** A line of prose without its list marker ("1. ", "2) ", "- "; numbers read "0" in prose). */
function withoutListMarker(line: string): string {
  return line.trim().replace(/^(?:[-*+]|0[.)])[ \t]+/, '');
}

// ---------------------------------------------------------------------------------------------------
// Greeting and sign-off.

interface Run {
  word: string;
  start: number;
  end: number;
}

function runs(text: string): Run[] {
  return [...text.matchAll(/[\p{L}\p{N}]+/gu)].map((m) => ({
    word: m[0].toLowerCase(),
    start: m.index ?? 0,
    end: (m.index ?? 0) + m[0].length,
  }));
}

function framingWords(text: string): string[] {
  return runs(text).map((r) => r.word);
}

/** Where the greeting's words end, if `text` starts with them. */
function greetingEnd(text: string, greeting: string): number | undefined {
  const want = framingWords(greeting);
  const head = runs(text).slice(0, want.length);
  if (want.length === 0 || head.length < want.length || head.some((r, i) => r.word !== want[i]))
    return undefined;
  return head.at(-1)?.end;
}

/** Where the sign-off's words start, if `text` ends with them. */
function signOffStart(text: string, signOff: string): number | undefined {
  const want = framingWords(signOff);
  const all = runs(text);
  const tail = all.slice(all.length - want.length);
  if (want.length === 0 || tail.length < want.length || tail.some((r, i) => r.word !== want[i]))
    return undefined;
  return tail[0]?.start;
}

export interface Framing {
  greeting?: string;
  signOff?: string;
}

/**
 * `text` without its greeting and sign-off: what the length limits count. A greeting or sign-off the
 * text already had (an engine may rightly keep it instead of adding the persona's) is cut off too, with
 * a margin: its whole first sentence or line, its whole closing block. Cutting more keeps the counts
 * lower bounds.
 */
export function content(text: string, framing: Framing): string {
  const from = framing.greeting ? (greetingEnd(text, framing.greeting) ?? 0) : 0;
  const to = framing.signOff ? (signOffStart(text, framing.signOff) ?? text.length) : text.length;
  if (from >= to) return '';
  let body = text
    .slice(from, to)
    .replace(/^[\s,.;:!?—–-]+/, '')
    .trimEnd();
  if (framing.greeting && startsWithGreetingWord(body)) body = withoutFirstSentence(body);
  if (framing.signOff) body = withoutClosingBlock(body);
  return body;
}

/** `text` after its first line or first sentence, whichever ends first. */
function withoutFirstSentence(text: string): string {
  const nl = text.indexOf('\n');
  const line = nl < 0 ? text : text.slice(0, nl);
  const words = [...line.matchAll(/\S+/g)];
  let end = line.length;
  for (const w of words) {
    if (endsSentence(w[0])) {
      end = (w.index ?? 0) + w[0].length;
      break;
    }
  }
  return text.slice(end).replace(/^[\s,.;:!?—–-]+/, '');
}

/** `text` without a closing block ("Best regards,\nMaria") among its last three lines. */
function withoutClosingBlock(text: string): string {
  const lines = text.split('\n');
  const nonEmpty = lines.map((l, i) => [l, i] as const).filter(([l]) => l.trim() !== '');
  const tail = nonEmpty.slice(-3);
  for (let k = 0; k < tail.length; k++) {
    const [line, index] = tail[k] ?? ['', 0];
    if (isSignOffLine(line, tail[k + 1]?.[0])) return lines.slice(0, index).join('\n').trimEnd();
  }
  return text;
}

/** Whether `text` ends with a closing block of its own. */
function endsWithClosingBlock(text: string): boolean {
  return withoutClosingBlock(text.trimEnd()) !== text.trimEnd();
}

function startsWithGreetingWord(text: string): string | undefined {
  const words = framingWords(text.slice(0, 40));
  const one = words[0];
  const two = words.slice(0, 2).join(' ');
  if (greetingWords.has(two)) return two;
  return one !== undefined && greetingWords.has(one) ? one : undefined;
}

/** Common words that are capitalized only at a sentence start: never right after "Hello, ". */
const SENTENCE_OPENERS = new Set([
  "let's",
  ...'the our your we you this that these those it its there thank thanks please to if yes no sure unfortunately great here a an as in for on at with my they he she what when how why sorry good congrats congratulations welcome dear hi hello hey just yeah let'.split(
    ' ',
  ),
]);

/** A short closing line of a letter ("Best regards,", "Cheers, Tom", "Thanks!" above a name). */
function isSignOffLine(line: string, next: string | undefined): boolean {
  const l = line.trim().toLowerCase();
  const words = framingWords(l);
  if (words.length === 0 || words.length > 5) return false;
  const starts = signOffStarts.some((s) => words.join(' ') === s || words.join(' ').startsWith(`${s} `));
  if (!starts) return false;
  const nameBelow =
    next !== undefined && /^[\p{L} .'-]{1,40}$/u.test(next.trim()) && framingWords(next).length <= 3;
  return l.endsWith(',') || /^[\p{L} ]+,[ \t]+\p{L}/u.test(l) || nameBelow;
}

/**
 * A greeting or sign-off is added once, joined with the right case and punctuation, and not to a
 * text that already greets or signs off.
 */
export function framingViolations(output: string, framing: Framing): Violation[] {
  const out: Violation[] = [];
  if (framing.greeting) {
    const end = greetingEnd(output, framing.greeting);
    if (end !== undefined) {
      const rest = output.slice(end);
      const gap = /^[^\p{L}\p{N}\n]*?(\n|[ \t]+|$)/u.exec(rest)?.[0] ?? '';
      const after = rest.slice(gap.length);
      const again = startsWithGreetingWord(after);
      if (again) out.push({ invariant: 'framing', detail: `greeting added before another one ("${again}")` });
      const sameLine = !gap.includes('\n');
      // the mark the output has after the greeting's words: a greeting the text had itself may end
      // otherwise than the persona's ("Hey!" made formal is "Hello. Just a reminder", right as it is)
      const greetingMark = gap.trim()[0] ?? framing.greeting.trim().slice(-1);
      // a protected item cannot be capitalized ("Good day. v1.8.3 hotfix: …"): read as prose
      if (sameLine && /[.!?]/.test(greetingMark) && /^\p{Ll}/u.test(prose(after)))
        out.push({ invariant: 'framing', detail: 'lowercase text after the greeting' });
      const first = normalizeWord(/^\p{L}+/u.exec(after)?.[0] ?? '');
      if (sameLine && greetingMark === ',' && /^\p{Lu}/u.test(after) && SENTENCE_OPENERS.has(first))
        out.push({
          invariant: 'framing',
          detail: `capitalized word after the greeting's comma ("${first}")`,
        });
    }
  }
  if (framing.signOff) {
    const start = signOffStart(output, framing.signOff);
    if (start !== undefined) {
      const before = output.slice(0, start);
      const lastLine = before.slice(before.lastIndexOf('\n') + 1);
      if (lastLine.trim() !== '' && !/(?:[.!?…:)"'”’\p{Extended_Pictographic}]|\uFE0F)\s*$/u.test(lastLine))
        out.push({
          invariant: 'framing',
          detail: `sign-off joined to an unfinished line: ${JSON.stringify(lastLine.slice(-30))}`,
        });
      const lines = before
        .trimEnd()
        .split('\n')
        .filter((l) => l.trim() !== '');
      const tail = lines.slice(-3);
      if (tail.some((l, i) => isSignOffLine(l, tail[i + 1])))
        out.push({ invariant: 'framing', detail: 'sign-off added after one already there' });
    }
  }
  return out;
}

/**
 * A cut by a length limit ends where a sentence ends: if the input goes on right after the output's
 * last characters with a lowercase word or a number ("on Jan." | "5"), the cut is mid-sentence.
 */
export function cutMidSentence(input: string, outputContent: string): Violation[] {
  const out = prose(outputContent).trimEnd();
  const whole = prose(input);
  if (out.endsWith('…') || out.length < 12 || whole.trimEnd().endsWith(out)) return [];
  const tail = out.slice(-12);
  const continuations: string[] = [];
  for (let at = whole.indexOf(tail); at >= 0; at = whole.indexOf(tail, at + 1)) {
    continuations.push(whole.slice(at + tail.length, at + tail.length + 20));
  }
  if (continuations.length === 0) return [];
  // A lowercase word always continues the sentence; a number only after an abbreviation ("Jan." | "5").
  const lastWord = out.split(/\s+/).at(-1) ?? '';
  const continues = endsSentence(lastWord) ? /^[ \t]+\p{Ll}/u : /^[ \t]+(?:\p{Ll}|0)/u;
  // an interjection the formality rule removes is not a cut ("… for 2 hours lol" -> "… for 2 hours")
  const onlySlang = (c: string) => {
    const rest = /^[ \t]+([^\s]+)[ \t]*(?:\n|$)/u.exec(c)?.[1];
    return rest !== undefined && slangWords.has(rest.toLowerCase());
  };
  const midSentence = continuations.every((c) => continues.test(c) && !onlySlang(c));
  return midSentence
    ? [
        {
          invariant: 'cut mid-sentence',
          detail: `cut after ${JSON.stringify(tail)}, input goes on ${JSON.stringify(continuations[0])}`,
        },
      ]
    : [];
}

// ---------------------------------------------------------------------------------------------------
// The rules a persona sets, read independently, and what each `passed: true` claims.

export interface Rules extends Framing {
  formality?: string;
  contractions?: string;
  emoji?: string;
  exclamations?: string;
  spelling?: string;
  vocabulary?: Record<string, string>;
  bannedPhrases?: string[];
  maxWords?: number;
  maxSentences?: number;
}

/** The persona attributes of the corpus as the oracle reads them (plain values, no leniency needed). */
export function readRules(a: Record<string, unknown>): Rules {
  const s = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  const n = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : undefined);
  const vocabulary =
    a.vocabulary !== null && typeof a.vocabulary === 'object' && !Array.isArray(a.vocabulary)
      ? Object.fromEntries(
          Object.entries(a.vocabulary).filter((e): e is [string, string] => typeof e[1] === 'string'),
        )
      : undefined;
  const banned = Array.isArray(a.banned_phrases)
    ? a.banned_phrases.filter((p): p is string => typeof p === 'string')
    : undefined;
  return {
    formality: s(a.formality),
    contractions: s(a.contractions),
    emoji: s(a.emoji),
    exclamations: s(a.exclamations),
    spelling: s(a.spelling),
    vocabulary,
    bannedPhrases: banned,
    maxWords: n(a.max_words),
    maxSentences: n(a.max_sentences),
    greeting: s(a.greeting),
    signOff: s(a.sign_off),
  };
}

/** The rule names a persona's checks must cover. */
export function ruleNames(r: Rules): string[] {
  const names: [string, unknown][] = [
    ['formality', r.formality],
    ['contractions', r.contractions],
    ['emoji', r.emoji],
    ['exclamations', r.exclamations],
    ['spelling', r.spelling],
    ['vocabulary', r.vocabulary],
    ['banned_phrases', r.bannedPhrases],
    ['max_words', r.maxWords],
    ['max_sentences', r.maxSentences],
    ['greeting', r.greeting],
    ['sign_off', r.signOff],
  ];
  return names.filter(([, v]) => v !== undefined).map(([k]) => k);
}

function allowed(level: string | undefined): number {
  return level === 'none' ? 0 : level === 'light' ? 1 : Number.POSITIVE_INFINITY;
}

function list(found: string[]): string | undefined {
  return found.length === 0 ? undefined : [...new Set(found)].map((f) => JSON.stringify(f)).join(', ');
}

function spellingFindings(text: string, spelling: string): string[] {
  const wrong = spelling.toLowerCase() === 'en-us' ? britishWords : americanWords;
  return (text.match(/\p{L}+/gu) ?? []).filter((w) => wrong.has(w.toLowerCase()));
}

function vocabularyFindings(text: string, vocabulary: Record<string, string>): string[] {
  // Replacement values may contain a key ("valued customer"): blank them out first.
  const values = Object.values(vocabulary);
  const re = phraseRegex(values.flatMap((v) => [v, `${v}s`]));
  const blanked = re ? text.replace(re, ' ') : text;
  const keys = Object.keys(vocabulary).flatMap((k) => phraseVariants(k).flatMap((v) => [v, `${v}s`]));
  return findPhrases(blanked, keys);
}

/**
 * What the oracle finds against `rule` in `text`: undefined when it agrees that the rule holds, else
 * the reason. Only called for checks the engine reported as passed.
 */
export function disagreement(rule: string, text: string, r: Rules): string | undefined {
  const p = prose(text);
  switch (rule) {
    case 'formality': {
      if (r.formality === 'casual') {
        const stiff = findPhrases(p, stiffPhrases);
        const pairs = r.contractions === undefined ? findPhrases(p, negationPairs) : [];
        return list([...stiff, ...pairs]);
      }
      const slang = slangIn(p);
      const contractions = r.formality === 'formal' && r.contractions === undefined ? contractionsIn(p) : [];
      return list([...slang, ...contractions]);
    }
    case 'contractions':
      if (r.contractions === 'never') return list(contractionsIn(p));
      if (r.contractions === 'always') return list(findPhrases(p, negationPairs));
      return undefined;
    case 'emoji': {
      const found = emojiIn(text);
      return found.length > allowed(r.emoji) ? list(found) : undefined;
    }
    case 'exclamations': {
      const n = exclamationsIn(text);
      return n > allowed(r.exclamations) ? `${n} "!"` : undefined;
    }
    case 'spelling':
      return r.spelling ? list(spellingFindings(p, r.spelling)) : undefined;
    case 'vocabulary':
      return r.vocabulary ? list(vocabularyFindings(p, r.vocabulary)) : undefined;
    case 'banned_phrases':
      return r.bannedPhrases ? list(findPhrases(p, r.bannedPhrases.flatMap(phraseVariants))) : undefined;
    case 'max_words': {
      const n = wordCount(content(text, r));
      return r.maxWords !== undefined && n > r.maxWords ? `${n} words` : undefined;
    }
    case 'max_sentences': {
      const n = sentencesAtLeast(content(text, r));
      return r.maxSentences !== undefined && n > r.maxSentences ? `at least ${n} sentences` : undefined;
    }
    // A text that already greets or signs off in its own words may rightly be left so (issue 12).
    case 'greeting':
      return r.greeting && greetingEnd(text, r.greeting) === undefined && !startsWithGreetingWord(text)
        ? 'does not start with it or any greeting'
        : undefined;
    case 'sign_off':
      return r.signOff && signOffStart(text, r.signOff) === undefined && !endsWithClosingBlock(text)
        ? 'does not end with it or any sign-off'
        : undefined;
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------
// What removing a banned phrase leaves behind.

/** Words that cannot open a sentence left by a removal ("Sorry about that!" -> "About that!"). */
const FRAGMENT_OPENERS = new Set(['about', 'for', 'with', 'of', 'from', 'by', 'and', 'but', 'or']);
/** Words that need what followed them ("I'm sorry to hear" -> "I'm to hear", "so sorry, that's" -> "so that's"). */
const NEEDS_COMPLEMENT = new Set([
  'so',
  'very',
  'too',
  'really',
  'extremely',
  'quite',
  'am',
  "i'm",
  "we're",
  "you're",
  "they're",
]);
const COMPLEMENT_MISSING_BEFORE = new Set(['to', 'about', 'for', 'of', 'that', "that's"]);

function normalizeWord(w: string): string {
  return w.toLowerCase().replace(/’/g, "'");
}

/**
 * A banned phrase removed from inside a clause, leaving a fragment: a sentence that now opens with
 * a preposition or conjunction, or an intensifier / "I'm" now followed by a word that needed the
 * removed one. Found where the input's words on both sides of a phrase meet in the output.
 */
export function removalFragments(input: string, output: string, bannedPhrases: string[]): Violation[] {
  const re = phraseRegex(bannedPhrases.flatMap(phraseVariants));
  if (!re) return [];
  const out: Violation[] = [];
  const lowerOut = normalizeWord(output);
  for (const m of input.matchAll(re)) {
    const at = m.index ?? 0;
    const before = input.slice(0, at);
    const after = input.slice(at + m[0].length);
    const atStart = before.trimEnd() === '' || /[.!?:\n]$/.test(before.trimEnd());
    const next = /^[ \t]+(\p{L}[\p{L}'’]*(?:[ \t]+\S+){0,2})/u.exec(after)?.[1];
    const opener = next?.split(/[ \t]+/)[0];
    if (atStart && next && opener && FRAGMENT_OPENERS.has(normalizeWord(opener))) {
      const left = next[0]?.toUpperCase() + next.slice(1);
      if (output.includes(left))
        out.push({ invariant: 'fragment', detail: `"${m[0]}" removed, the sentence now opens "${left}"` });
    }
    const leftWord = /(\p{L}[\p{L}'’]*)[ \t]+$/u.exec(before)?.[1];
    const rightWord = /^,?[ \t]+(\p{L}[\p{L}'’]*)/u.exec(after)?.[1];
    if (!leftWord || !rightWord) continue;
    if (
      !NEEDS_COMPLEMENT.has(normalizeWord(leftWord)) ||
      !COMPLEMENT_MISSING_BEFORE.has(normalizeWord(rightWord))
    )
      continue;
    const joined = normalizeWord(`${leftWord} ${rightWord}`);
    if (lowerOut.includes(joined) && !normalizeWord(input).includes(joined))
      out.push({ invariant: 'fragment', detail: `"${m[0]}" removed, leaving "${leftWord} ${rightWord}"` });
  }
  return out;
}
