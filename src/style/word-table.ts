/**
 * Whole-word, case-insensitive, case-preserving replacement from a table of words or phrases, shared by
 * every word rule (slang, contractions, spelling, vocabulary). Fixed tables build their WordTable once
 * at module load; per-persona tables (vocabulary) are built once per persona version (compile.ts).
 */

import { LETTER_OR_DIGIT } from './chars.ts';

/** Not after / before a letter or digit of any script ("café" + "as" is no word boundary). */
const NOT_WORD_BEFORE = `(?<![${LETTER_OR_DIGIT}_])`;
const NOT_WORD_AFTER = `(?![${LETTER_OR_DIGIT}_])`;
/** Phrases that start and end with an ASCII word character can be pre-filtered by a cheap `\b`. */
const ASCII_EDGES = /^\w(?:.*\w)?$/s;
const REGEX_SPECIAL = /[.*+?^${}()|[\]\\/-]/g;
const APOSTROPHES = /['’]/g;
const SPACES = /\s+/g;

/** The lookup form of a word or phrase: lower case, straight apostrophe, single spaces. */
export function normalizeKey(s: string): string {
  return s.toLowerCase().replace(APOSTROPHES, "'").replace(SPACES, ' ').trim();
}

/** A pattern source matching `phrase` with either apostrophe and any run of spaces between words. */
export function phrasePattern(phrase: string): string {
  return phrase
    .trim()
    .split(SPACES)
    .map((w) => w.replace(REGEX_SPECIAL, '\\$&').replace(APOSTROPHES, "['’]"))
    .join('[ \\t]+');
}

/**
 * A case-insensitive alternation of phrases bounded by non-word characters, longest first so "in
 * order to" wins over "in". `lead` is a pattern source put before the phrase (banned.ts captures the
 * space before it).
 */
export function alternation(phrases: Iterable<string>, lead = ''): RegExp {
  const sources = [...new Set(phrases)].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  const body = sources.map(phrasePattern).join('|');
  const b = sources.every((p) => ASCII_EDGES.test(p)) ? '\\b' : '';
  return new RegExp(`${lead}${b}${NOT_WORD_BEFORE}(?:${body})${b}${NOT_WORD_AFTER}`, 'gi');
}

/** Carries the case of `source` over: "Colour" -> "Color", "COLOUR" -> "COLOR", else as written. */
export function matchCase(source: string, replacement: string): string {
  const upper = source.toUpperCase();
  if (source.length > 1 && source === upper && source !== source.toLowerCase()) {
    return replacement.toUpperCase();
  }
  const first = source[0] ?? '';
  if (first !== first.toLowerCase()) return (replacement[0] ?? '').toUpperCase() + replacement.slice(1);
  return replacement;
}

export type Replacer = (match: string, text: string, offset: number) => string;

export class WordTable {
  readonly pattern: RegExp;
  private readonly map: Map<string, string>;

  /** `entries` map a word or phrase (any case) to its replacement, written in lower case. */
  constructor(entries: Iterable<readonly [string, string]>) {
    this.map = new Map();
    for (const [from, to] of entries) this.map.set(normalizeKey(from), to);
    this.pattern = alternation(this.map.keys());
  }

  /** The table's replacement for a matched word, before casing. */
  lookup(match: string): string | undefined {
    return this.map.get(normalizeKey(match));
  }

  /** Replaces every table word, keeping the case of each occurrence (or as `replacer` decides). */
  replace(text: string, replacer?: Replacer): string {
    if (this.map.size === 0) return text;
    return text.replace(this.pattern, (match: string, offset: number) => {
      if (replacer) return replacer(match, text, offset);
      const to = this.lookup(match);
      return to === undefined ? match : matchCase(match, to);
    });
  }

  /** Every table word present in `text`, as written there. */
  find(text: string): string[] {
    if (this.map.size === 0) return [];
    return text.match(this.pattern) ?? [];
  }
}
