/**
 * The SQLite side's text analysis for the in-memory index (ADR 0028): what FTS5's `porter unicode61`
 * tokenizer does to the same text, so that the index and the store's FTS5 fallback see the same words.
 * Token characters are letters, digits, private-use characters and non-spacing marks (unicode61's
 * defaults with remove_diacritics); tokens are lower-cased, stripped of diacritics, then stemmed with
 * Porter's algorithm when 3 to 64 bytes long (FTS5's porter bounds). One pass per character, no regular
 * expression over user text except a single-character class test on non-ASCII characters.
 */

const TOKEN_CHAR = /[\p{L}\p{N}\p{Co}\p{Mn}]/u;
const MARKS = /\p{Mn}/gu;
const FOLDS: Record<string, string> = {
  µ: 'μ',
  ſ: 's',
  ς: 'σ',
  ϐ: 'β',
  ϑ: 'θ',
  ϕ: 'φ',
  ϖ: 'π',
  ϰ: 'κ',
  ϱ: 'ρ',
  ϵ: 'ε',
  ẛ: 'ṡ',
};
const FOLD = /[µſςϐϑϕϖϰϱϵẛ]/gu;

/** Calls `emit` with every token of `text`, in order. */
export function tokenize(text: string, emit: (token: string) => void): void {
  scanTokens(text, (raw, ascii) => {
    let stem = memo.get(raw);
    if (stem === undefined) {
      stem = normalizeToken(raw, ascii);
      // Words repeat: a memo makes analysis a lookup for nearly every token of a corpus. Bounded.
      if (memo.size >= MEMO_MAX) memo.clear();
      memo.set(raw, stem);
    }
    if (stem !== '') emit(stem);
  });
}

const MEMO_MAX = 100_000;
const memo = new Map<string, string>();

/**
 * Calls `emit` with every raw token of `text` (as written, not yet folded or stemmed) and whether it is
 * plain ASCII. Bulk loading keys its own cache on the raw token: one slice and one lookup per token.
 */
export function scanTokens(text: string, emit: (raw: string, ascii: boolean) => void): void {
  const n = text.length;
  let start = -1;
  let ascii = true;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    let isToken: boolean;
    let width = 1;
    if (c < 128) {
      isToken = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
    } else {
      const cp = text.codePointAt(i) ?? c;
      width = cp > 0xffff ? 2 : 1;
      isToken = TOKEN_CHAR.test(String.fromCodePoint(cp));
      if (isToken) ascii = false;
    }
    if (isToken) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      emit(text.slice(start, i), ascii);
      start = -1;
      ascii = true;
    }
    if (width === 2) i++;
  }
  if (start >= 0) emit(text.slice(start), ascii);
}

/** A raw token as FTS5 indexes it: folded, without diacritics, stemmed; '' when nothing is left. */
export function normalizeToken(raw: string, ascii: boolean): string {
  let t = raw.toLowerCase();
  if (!ascii) {
    // Case folding where it differs from lower-casing (µ micro sign → μ, ς → σ, …), as unicode61 folds.
    t = t
      .replace(FOLD, (c) => FOLDS[c] ?? c)
      .normalize('NFD')
      .replace(MARKS, '')
      .normalize('NFC');
    if (t === '') return '';
  }
  return stemToken(t);
}

const encoder = new TextEncoder();

/** FTS5's porter stems tokens of 3 to 64 bytes and passes the others through. */
function stemToken(t: string): string {
  const bytes = t.length <= 64 && /^[a-z0-9]*$/.test(t) ? t.length : encoder.encode(t).length;
  if (bytes < 3 || bytes > 64) return t;
  return porterStem(t);
}

/** Every token of `text` analysed, as a list (queries; tests). */
export function analyze(text: string): string[] {
  const out: string[] = [];
  tokenize(text, (t) => out.push(t));
  return out;
}

// Porter's stemmer (M. F. Porter, "An algorithm for suffix stripping", 1980), as in his reference
// implementation (with its `bli`→`ble` and `logi`→`log` departures from the paper). Hand-written: no
// well-kept npm package implements this exact variant without pulling in a whole NLP toolkit, and the
// algorithm is a page long. Characters other than a–z count as consonants, as in a byte-wise stemmer.

function isConsonant(w: string, i: number): boolean {
  const c = w.charCodeAt(i);
  if (c === 97 || c === 101 || c === 105 || c === 111 || c === 117) return false;
  if (c === 121) return i === 0 ? true : !isConsonant(w, i - 1);
  return true;
}

/** m(), the number of VC sequences in w[0..end). */
function measure(w: string, end: number): number {
  let n = 0;
  let i = 0;
  while (i < end && isConsonant(w, i)) i++;
  while (i < end) {
    while (i < end && !isConsonant(w, i)) i++;
    if (i >= end) break;
    n++;
    while (i < end && isConsonant(w, i)) i++;
  }
  return n;
}

function hasVowel(w: string, end: number): boolean {
  for (let i = 0; i < end; i++) if (!isConsonant(w, i)) return true;
  return false;
}

function doubleConsonant(w: string, end: number): boolean {
  return end >= 2 && w[end - 1] === w[end - 2] && isConsonant(w, end - 1);
}

/** *o: the stem ends consonant-vowel-consonant, the last not w, x or y. */
function cvc(w: string, end: number): boolean {
  if (end < 3 || !isConsonant(w, end - 1) || isConsonant(w, end - 2) || !isConsonant(w, end - 3))
    return false;
  const c = w[end - 1];
  return c !== 'w' && c !== 'x' && c !== 'y';
}

type Rule = [suffix: string, replacement: string];

const STEP2: Rule[] = [
  ['ational', 'ate'],
  ['tional', 'tion'],
  ['enci', 'ence'],
  ['anci', 'ance'],
  ['izer', 'ize'],
  ['bli', 'ble'],
  ['alli', 'al'],
  ['entli', 'ent'],
  ['eli', 'e'],
  ['ousli', 'ous'],
  ['ization', 'ize'],
  ['ation', 'ate'],
  ['ator', 'ate'],
  ['alism', 'al'],
  ['iveness', 'ive'],
  ['fulness', 'ful'],
  ['ousness', 'ous'],
  ['aliti', 'al'],
  ['iviti', 'ive'],
  ['biliti', 'ble'],
  ['logi', 'log'],
];
const STEP3: Rule[] = [
  ['icate', 'ic'],
  ['ative', ''],
  ['alize', 'al'],
  ['iciti', 'ic'],
  ['ical', 'ic'],
  ['ful', ''],
  ['ness', ''],
];
const STEP4 = [
  'al',
  'ance',
  'ence',
  'er',
  'ic',
  'able',
  'ible',
  'ant',
  'ement',
  'ment',
  'ent',
  'ion',
  'ou',
  'ism',
  'ate',
  'iti',
  'ous',
  'ive',
  'ize',
];

function longest<T extends string | Rule>(w: string, rules: T[]): T | undefined {
  let best: T | undefined;
  let bestLen = 0;
  for (const r of rules) {
    const s = typeof r === 'string' ? r : r[0];
    if (s.length > bestLen && w.endsWith(s)) {
      best = r;
      bestLen = s.length;
    }
  }
  return best;
}

/** Porter stem of a lower-case word. */
export function porterStem(word: string): string {
  if (word.length <= 2) return word;
  let w = word;
  // Step 1a
  if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('ies')) w = w.slice(0, -2);
  else if (!w.endsWith('ss') && w.endsWith('s')) w = w.slice(0, -1);
  // Step 1b
  let extra = false;
  // FTS5's porter leaves a bare suffix alone (`eed` then loses `ed` like any other word).
  if (w.endsWith('eed') && w.length > 3) {
    if (measure(w, w.length - 3) > 0) w = w.slice(0, -1);
  } else if (w.endsWith('ed') && hasVowel(w, w.length - 2)) {
    w = w.slice(0, -2);
    extra = true;
  } else if (w.endsWith('ing') && hasVowel(w, w.length - 3)) {
    w = w.slice(0, -3);
    extra = true;
  }
  if (extra) {
    if (w.endsWith('at') || w.endsWith('bl') || w.endsWith('iz')) w += 'e';
    else if (doubleConsonant(w, w.length) && !/[lsz]$/.test(w)) w = w.slice(0, -1);
    else if (measure(w, w.length) === 1 && cvc(w, w.length)) w += 'e';
  }
  // Step 1c
  if (w.endsWith('y') && hasVowel(w, w.length - 1)) w = `${w.slice(0, -1)}i`;
  // Step 2
  const r2 = longest(w, STEP2);
  if (r2 && measure(w, w.length - r2[0].length) > 0) w = w.slice(0, -r2[0].length) + r2[1];
  // Step 3
  const r3 = longest(w, STEP3);
  if (r3 && measure(w, w.length - r3[0].length) > 0) w = w.slice(0, -r3[0].length) + r3[1];
  // Step 4
  const s4 = longest(w, STEP4);
  if (s4) {
    const stem = w.length - s4.length;
    if (measure(w, stem) > 1 && (s4 !== 'ion' || w[stem - 1] === 's' || w[stem - 1] === 't')) {
      w = w.slice(0, stem);
    }
  }
  // Step 5a
  if (w.endsWith('e')) {
    const m = measure(w, w.length - 1);
    if (m > 1 || (m === 1 && !cvc(w, w.length - 1))) w = w.slice(0, -1);
  }
  // Step 5b
  if (w.endsWith('ll') && measure(w, w.length) > 1) w = w.slice(0, -1);
  return w;
}
