import { LETTER_OR_DIGIT } from './chars.ts';
import { spellingPairs } from './rules/spelling-list.ts';

/**
 * Many phrases found in one pass: text and phrases are split into word tokens (letters and digits of
 * any script, "_", and an apostrophe inside a word), and a trie over those tokens is walked from each
 * token. The work is the number of tokens times the words of the longest phrase, whatever the number of
 * phrases (2,500 banned phrases cost what 2 do); no regex runs over the user's text (ADR 0013).
 *
 * Each word is compared in a canonical form: lower case, straight apostrophe, and American spelling,
 * so "We apologise" matches "we apologize" whatever the spelling rule did first. Between two words of a
 * phrase the text must hold the same punctuation (any run of spaces or tabs counts as one space; a line
 * break or a protected span never joins two words of a phrase).
 */

export interface Found {
  start: number;
  end: number;
}

interface Node {
  next: Map<string, Node>;
  terminal: boolean;
}

/**
 * Word characters as a table, filled from LETTER_OR_DIGIT's ranges (testing all 65,536 code units
 * against its regex took ~13 ms of the event loop at the first banned-phrase check of a process).
 */
const wordChars = (() => {
  const t = new Uint8Array(65536);
  t[0x5f] = 1; // "_"
  const unit = (s: string) => (s.startsWith('\\u') ? Number.parseInt(s.slice(2), 16) : s.charCodeAt(0));
  for (const m of LETTER_OR_DIGIT.matchAll(/(\\u[0-9A-Fa-f]{4}|[^\\])-(\\u[0-9A-Fa-f]{4}|[^\\])/g)) {
    t.fill(1, unit(m[1] as string), unit(m[2] as string) + 1);
  }
  return t;
})();
function isWordChar(c: number): boolean {
  return wordChars[c] === 1;
}

const APOSTROPHE = 0x27;
const RIGHT_QUOTE = 0x2019;
const toUs = new Map<string, string>(spellingPairs.map(([gb, us]) => [gb, us]));

/** The canonical form of one word token. */
export function canonicalWord(word: string): string {
  const lower = word.toLowerCase().replaceAll('’', "'");
  return toUs.get(lower) ?? lower;
}

/** The separator between two tokens as compared: each run of spaces and tabs as one space. */
function separator(text: string, from: number, to: number): string {
  // The common case, one space between two words, without building a string.
  if (to === from + 1 && text.charCodeAt(from) === 32) return ' ';
  let out = '';
  for (let i = from; i < to; i++) {
    const ch = text[i] ?? '';
    if (ch === ' ' || ch === '\t') {
      if (!out.endsWith(' ')) out += ' ';
    } else out += ch;
  }
  return out;
}

/** A gap between two words longer than this joins no phrase (and bounds the work per word). */
const LONGEST_GAP = 64;

/**
 * The next word token at or after `from`, looking no further than `limit`; its bounds are written to
 * `into` (no allocation per word: a list of every token of a large text kept the collector busy).
 */
function nextToken(text: string, from: number, limit: number, into: { start: number; end: number }): boolean {
  const n = text.length;
  let i = from;
  while (i < n && i <= limit && !isWordChar(text.charCodeAt(i))) i++;
  if (i >= n || i > limit) return false;
  into.start = i;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isWordChar(c)) i++;
    else if ((c === APOSTROPHE || c === RIGHT_QUOTE) && i + 1 < n && isWordChar(text.charCodeAt(i + 1)))
      i += 2;
    else break;
  }
  into.end = i;
  return true;
}

export class PhraseTrie {
  private readonly root: Node = { next: new Map(), terminal: false };
  /** Whether any phrase had a word in it (a phrase of punctuation only is never matched). */
  readonly empty: boolean;

  constructor(phrases: Iterable<string>) {
    let empty = true;
    // Phrases share most of their words ("as an AI …"): each distinct word is made canonical once.
    const canonical = new Map<string, string>();
    const t = { start: 0, end: 0 };
    for (const raw of phrases) {
      const phrase = raw.trim();
      let node = this.root;
      let prevEnd = -1;
      let at = 0;
      while (nextToken(phrase, at, phrase.length, t)) {
        const word = phrase.slice(t.start, t.end);
        let key = canonical.get(word);
        if (key === undefined) {
          key = canonicalWord(word);
          canonical.set(word, key);
        }
        if (prevEnd >= 0) key = `${separator(phrase, prevEnd, t.start)}\u0001${key}`;
        let child = node.next.get(key);
        if (!child) {
          child = { next: new Map(), terminal: false };
          node.next.set(key, child);
        }
        node = child;
        prevEnd = t.end;
        at = t.end;
      }
      if (prevEnd < 0) continue; // no word in it: a phrase of punctuation only is never matched
      empty = false;
      node.terminal = true;
    }
    this.empty = empty;
  }

  /** Every phrase occurrence, leftmost first and longest at one start, not overlapping. */
  find(text: string): Found[] {
    if (this.empty) return [];
    const out: Found[] = [];
    const first = { start: 0, end: 0 };
    const next = { start: 0, end: 0 };
    let at = 0;
    while (nextToken(text, at, text.length, first)) {
      let node = this.root.next.get(canonicalWord(text.slice(first.start, first.end)));
      let last = node?.terminal ? first.end : -1;
      let end = first.end;
      while (node && node.next.size > 0 && nextToken(text, end, end + LONGEST_GAP, next)) {
        const key = canonicalWord(text.slice(next.start, next.end));
        node = node.next.get(`${separator(text, end, next.start)}\u0001${key}`);
        end = next.end;
        if (node?.terminal) last = end;
      }
      if (last >= 0) out.push({ start: first.start, end: last });
      at = last >= 0 ? last : first.end;
    }
    return out;
  }
}
