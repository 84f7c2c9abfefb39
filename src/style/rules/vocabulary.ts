import { matchCase, normalizeKey, WordTable } from '../word-table.ts';
import { applySpelling } from './spelling.ts';

/**
 * vocabulary: `{ "customer": "member" }` replaces whole words and phrases, case-insensitively and
 * keeping each occurrence's case, simple plurals included ("customers" -> "members"). Replacements
 * are matched too and left alone, so a value that contains its key ("valued customer") is not
 * replaced again when the engine runs twice, and the check does not flag it. A key matches in British
 * and American spelling alike ("organise" and "organize").
 */
export class Vocabulary {
  #table: WordTable | undefined;
  /** [word, replacement] as configured, in key order: for the prompt and check details. */
  readonly entries: readonly [string, string][];

  constructor(entries: [string, string][]) {
    this.entries = entries;
  }

  /** Built on first use by the engine or the checks; the prompt only lists the entries (see BannedPhrases). */
  private get table(): WordTable {
    if (this.#table) return this.#table;
    const all = new Map<string, string>();
    const add = (from: string, to: string) => {
      all.set(normalizeKey(from), to);
      if (PLURALIZABLE.test(from) && PLURALIZABLE.test(to)) all.set(normalizeKey(`${from}s`), `${to}s`);
    };
    // every spelling of a key is the key: spelling runs first and may have turned "colour" into "color"
    const spellings = (w: string) => new Set([w, applySpelling(w, 'en-US'), applySpelling(w, 'en-GB')]);
    for (const [, to] of this.entries) for (const t of spellings(to)) add(t, to);
    for (const [from, to] of this.entries) for (const f of spellings(from)) add(f, to);
    this.#table = new WordTable(all);
    return this.#table;
  }

  private target(match: string): string | undefined {
    const to = this.table.lookup(match);
    return to === undefined || normalizeKey(to) === normalizeKey(match) ? undefined : to;
  }

  apply(text: string): string {
    return this.table.replace(text, (match) => {
      const to = this.target(match);
      return to === undefined ? match : matchCase(match, to);
    });
  }

  /** Words that should have been replaced, with their replacement. */
  find(text: string): [string, string][] {
    const found: [string, string][] = [];
    for (const match of this.table.find(text)) {
      const to = this.target(match);
      if (to !== undefined) found.push([match, to]);
    }
    return found;
  }
}

/** Ends in a letter other than "s", so that adding "s" makes a plausible plural. */
const PLURALIZABLE = /[a-rt-z]$/i;

/** A `vocabulary` attribute: an object of non-empty string pairs; anything else is ignored. */
/** Compiled tables by the (frozen) object they came from; see banned.ts's `compiled` for why. */
const compiled = new WeakMap<object, Vocabulary | undefined>();

export function parseVocabulary(value: unknown): Vocabulary | undefined {
  if (value === null || typeof value !== 'object' || !Object.isFrozen(value)) return compileVocabulary(value);
  if (compiled.has(value)) return compiled.get(value);
  const vocabulary = compileVocabulary(value);
  compiled.set(value, vocabulary);
  return vocabulary;
}

function compileVocabulary(value: unknown): Vocabulary | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const entries: [string, string][] = [];
  for (const [from, to] of Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (typeof to === 'string' && from.trim() !== '' && to.trim() !== '')
      entries.push([from.trim(), to.trim()]);
  }
  return entries.length > 0 ? new Vocabulary(entries) : undefined;
}
