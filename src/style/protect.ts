import { LETTER_OR_DIGIT, TOKEN_RANGE } from './chars.ts';

/**
 * Protected spans: code fences, inline code, URLs, email addresses, numbers and quoted literals
 * ("Guest2024!"), which the local engine
 * must never alter (design.md). They are swapped for opaque tokens before any rule runs and swapped
 * back at the end, so no rule can touch them and length limits see each one as a single unit.
 *
 * A token is made only of private-use characters (U+E000–U+E01F): not letters, digits, emoji,
 * whitespace or punctuation, so no rule pattern can match inside one. Numbers get their own opening
 * character, so sentence splitting can tell a list marker ("1.") from a sentence. Input that already
 * contains characters of that range is itself masked as a span, which keeps restoring exact.
 */

/** Opens a token for code, URLs and emails: counts as sentence content. */
const OPEN = '\uE000';
/** Opens a token for a number: a word, but not on its own a sentence ("1." of a list). */
const OPEN_NUMBER = '\uE002';
const CLOSE = '\uE001';
const DIGIT_ZERO = 0xe010;

const url = '(?:https?:\\/\\/|www\\.)[^\\s<>"`]+'; // trailing punctuation is handed back in mask()
const email = `(?<![\\w.%+-])[\\w.%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)+`;
/**
 * A quoted literal: one run without spaces between double quotes, holding a letter and a digit
 * ("Guest2024!", "SKU-4471B", "report_v2.pdf"): a password, code or file name to be typed as written,
 * so `exclamations: none` must not turn "Guest2024!" into "Guest2024.". Lookaheads are bounded (64);
 * the opening quote is part of the match and handed back, like a URL's trailing punctuation.
 */
const quotedLiteral = '["“](?=[^\\s"“”]{0,63}[0-9])(?=[^\\s"“”]{0,63}[A-Za-z])[^\\s"“”]{1,64}(?=["”])';
/** A quoted literal's match starts with its opening quote (cheaper than a lookbehind at every position). */
const QUOTE = /^["“]/;
// 3.14, 1,000, 10%, v2.1.3, 2nd; not the digit of a keycap emoji (1️⃣)
const number = `(?<![${LETTER_OR_DIGIT}_])[vV]?\\d+(?:[.,:/]\\d+)*(?:%|[${LETTER_OR_DIGIT}_]*)(?![\\uFE0F\\u20E3])`;

/** Order matters: a fence beats the inline code inside it, a URL beats the email or number inside it. */
function protectedPattern(withEmail: boolean): RegExp {
  const parts = [
    '(`{3,}|~{3,})[\\s\\S]*?(?:\\1|$)', // fenced code; an unclosed fence runs to the end
    '``[^\\n]*?``|`[^`\\n]+`', // inline code
    `[${TOKEN_RANGE}]+`, // our own token alphabet, should the input contain any
    url,
    ...(withEmail ? [email] : []),
    quotedLiteral,
    number,
  ];
  return new RegExp(parts.join('|'), 'gi');
}
// Looking for an email costs a scan of every word: only done when the text has an "@".
const PROTECTED = protectedPattern(false);
const PROTECTED_WITH_EMAIL = protectedPattern(true);
const URL_START = /^(?:https?:\/\/|www\.)/i;

/**
 * Whether `text` holds what every protected span needs somewhere: a backtick or tilde (code), a token
 * character, an "@" (email), an ASCII digit (number), or a URL start ("://" or "www."). Text without any
 * has nothing to mask. Three simple scans V8 runs natively, far cheaper than one pass of PROTECTED.
 */
const SPAN_CHAR = new RegExp(`[\`~@0-9${TOKEN_RANGE}]`);
const WWW = /www\./i;
const mayHoldSpans = (text: string) => SPAN_CHAR.test(text) || text.includes('://') || WWW.test(text);
const URL_TRAILING = /[.,;:!?'"*_)\]…’”]$/;
const NUMBER_START = /^v?\d/i;
const TOKEN = /[\uE000\uE002]([\uE010-\uE019]+)\uE001/g;
const HAS_TOKEN = /[\uE000\uE002]/;

function token(open: string, index: number): string {
  let digits = '';
  for (const d of String(index)) digits += String.fromCharCode(DIGIT_ZERO + Number(d));
  return open + digits + CLOSE;
}

/** A URL ends before trailing sentence punctuation, and before a `)` it did not open (Markdown links). */
function urlLength(url: string): number {
  let end = url.length;
  while (end > 0 && URL_TRAILING.test(url[end - 1] ?? '')) {
    if (url[end - 1] === ')') {
      const head = url.slice(0, end);
      if (head.split('(').length > head.split(')').length - 1) break;
    }
    end--;
  }
  return end;
}

/**
 * Replaces every protected span of `text` by a token, appending the spans to `spans` (shared when
 * further text, such as a greeting, is masked into the same output).
 */
export function mask(text: string, spans: string[]): string {
  return mayHoldSpans(text) ? maskFully(text, spans) : text;
}

/** mask() without the shortcut: exported for the test that shows the shortcut changes nothing. */
export function maskFully(text: string, spans: string[]): string {
  return text.replace(text.includes('@') ? PROTECTED_WITH_EMAIL : PROTECTED, (match: string) => {
    if (URL_START.test(match)) {
      const end = urlLength(match);
      if (end <= (URL_START.exec(match)?.[0].length ?? 0)) return match; // "http://." is no link
      spans.push(match.slice(0, end));
      return token(OPEN, spans.length - 1) + match.slice(end);
    }
    const quote = QUOTE.exec(match)?.[0] ?? '';
    const span = match.slice(quote.length);
    spans.push(span);
    const isNumber = NUMBER_START.test(span) && !span.includes('@');
    return quote + token(isNumber ? OPEN_NUMBER : OPEN, spans.length - 1);
  });
}

/** Puts the protected spans back. Tokens a rule dropped (a length cut) simply stay dropped. */
export function unmask(text: string, spans: string[]): string {
  if (spans.length === 0 || !HAS_TOKEN.test(text)) return text;
  return text.replace(TOKEN, (whole: string, digits: string) => spans[indexOf(digits)] ?? whole);
}

/** The protected span that masking `text` finds starting at `start`, if one starts exactly there. */
function spanAt(text: string, start: number): string | undefined {
  const pattern = text.includes('@') ? PROTECTED_WITH_EMAIL : PROTECTED;
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    const quote = QUOTE.exec(m[0])?.[0].length ?? 0;
    const at = m.index + quote;
    if (at > start) return undefined;
    const end = m.index + m[0].length;
    if (at === start) return URL_START.test(m[0]) ? m[0].slice(0, urlLength(m[0])) : m[0].slice(quote);
    if (end > start) return undefined; // an earlier span now runs into this one
  }
  return undefined;
}

const CONTEXT = 48;
/** Neighbours that join no span, checked first to skip the full test: spaces, brackets, quotes. */
const SAFE_BEFORE = /[\s([{"'“‘<>]/;
const SAFE_AFTER = /^[.,;:!?)\]}"'…’”]{0,2}(?:\s|$)/;

/**
 * Rules may change what touches a span ("!" -> ".", an emoji or phrase removed between a word and an
 * email, a number and a letter): restored as is, the span could then read as a different one ("hi!
 * ana@x.io" -> "hi.ana@x.io"). Each token whose neighbourhood would no longer mask back to the same
 * span gets a space on the side that joins it. Input the rules left alone is never changed.
 */
export function keepSpansApart(masked: string, spans: string[]): string {
  if (!HAS_TOKEN.test(masked)) return masked;
  let spacedUpTo = -1;
  return masked.replace(TOKEN, (tok: string, digits: string, offset: number) => {
    const end = offset + tok.length;
    const before = masked[offset - 1];
    if ((before === undefined || SAFE_BEFORE.test(before)) && SAFE_AFTER.test(masked.slice(end, end + 3))) {
      return tok;
    }
    const span = spans[indexOf(digits)];
    if (span === undefined) return tok;
    const left =
      spacedUpTo === offset ? ' ' : unmask(masked.slice(Math.max(0, offset - CONTEXT), offset), spans);
    const right = unmask(masked.slice(end, end + CONTEXT), spans);
    const alone = (l: string, r: string) => spanAt(l + span + r, l.length) === span;
    if (alone(left, right)) return tok;
    if (alone(left, ` ${right}`)) {
      spacedUpTo = end;
      return `${tok} `;
    }
    if (alone(`${left} `, right)) return ` ${tok}`;
    spacedUpTo = end;
    return ` ${tok} `;
  });
}

function indexOf(digits: string): number {
  let index = 0;
  for (const c of digits) index = index * 10 + (c.charCodeAt(0) - DIGIT_ZERO);
  return index;
}

const LAST_TOKEN = /[\uE000\uE002]([\uE010-\uE019]+)\uE001\s*$/;
const FENCE_OPENER = /^(`{3,}|~{3,})/;

/**
 * The opener of the code fence `masked` ends inside, if its last span is a fence left open (say, an
 * answer cut off mid-code): text appended after it would read as code.
 */
export function openFenceAtEnd(masked: string, spans: string[]): string | undefined {
  const last = LAST_TOKEN.exec(masked);
  const span = last ? spans[indexOf(last[1] ?? '')] : undefined;
  const opener = span === undefined ? undefined : FENCE_OPENER.exec(span)?.[1];
  if (span === undefined || opener === undefined) return undefined;
  const closed = span.length >= 2 * opener.length && span.endsWith(opener);
  return closed ? undefined : opener;
}

/** The protected spans of `text`, in order: what the engine promises to leave untouched. */
export function protectedSpans(text: string): string[] {
  const spans: string[] = [];
  mask(text, spans);
  return spans;
}
