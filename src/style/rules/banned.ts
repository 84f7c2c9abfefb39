import { alternation } from '../word-table.ts';

/**
 * banned_phrases: removes each phrase wherever it stands as whole words, case-insensitively, then
 * tidies the sentence it leaves: "As an AI language model, I think so." -> "I think so.";
 * "That is, as an AI language model, fine." -> "That is, fine."
 */

/** Marks a removal at the start of a sentence: the next letter is capitalized. */
const START = '\uE003';
/** Marks a removal inside a sentence: a comma left dangling before the sentence end goes. */
const INSIDE = '\uE004';
const SENTENCE_START_BEFORE = /[.!?\n]/;
/** A removed last sentence takes the space before it along. */
const AT_END = /[ \t]*\uE003[ \t]*(?:[.!?,;:]+[ \t]*)?(?=\n|$)/g;
const AFTER_START = /\uE003[ \t]*(?:[.!?,;:]+[ \t]*)?(\p{Ll})?/gu;
const DANGLING = /[ \t]*[,;:]?[ \t]*\uE004[ \t]*(?=[.!?\n]|$)/gu;
const INSIDE_ALL = /\uE004/g;

export class BannedPhrases {
  private readonly removal: RegExp;
  private readonly matcher: RegExp;
  /** As configured: for the prompt. */
  readonly phrases: readonly string[];

  constructor(phrases: readonly string[]) {
    this.phrases = phrases;
    // The phrase with the space before it and a comma after it, which go with it.
    const withSpace = alternation(phrases, '(\\s*)');
    this.removal = new RegExp(`${withSpace.source}(?:[ \\t]*[,;:])?`, withSpace.flags);
    this.matcher = alternation(phrases);
  }

  apply(text: string): string {
    let removed = false;
    const out = text.replace(this.removal, (_match: string, lead: string, offset: number) => {
      removed = true;
      const before = text[offset - 1];
      const atStart = before === undefined || SENTENCE_START_BEFORE.test(before) || lead.includes('\n');
      return atStart ? lead + START : INSIDE;
    });
    if (!removed) return text;
    return out
      .replace(AT_END, '')
      .replace(AFTER_START, (_m: string, letter?: string) => (letter ? letter.toUpperCase() : ''))
      .replace(DANGLING, '')
      .replace(INSIDE_ALL, '');
  }

  find(text: string): string[] {
    return text.match(this.matcher) ?? [];
  }
}

/** A `banned_phrases` attribute: an array of non-empty strings (or one string); else ignored. */
export function parseBannedPhrases(value: unknown): BannedPhrases | undefined {
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  const phrases = list
    .filter((p): p is string => typeof p === 'string' && p.trim() !== '')
    .map((p) => p.trim());
  return phrases.length > 0 ? new BannedPhrases([...new Set(phrases)]) : undefined;
}
