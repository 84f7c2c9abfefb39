import { type Found, PhraseTrie } from '../phrase-trie.ts';
import { type Span, sentences } from '../sentences.ts';
import { contract, expandContractions } from './contractions.ts';

/**
 * banned_phrases: a phrase found as whole words (any case, ’ or ', British or American spelling) is
 * removed without leaving a broken sentence (docs/style.md, "banned phrases"):
 * - a phrase that stands as a clause of its own, set off by the sentence start or end, a comma,
 *   semicolon, colon or brackets, goes with its punctuation: "As an AI language model, I think so." ->
 *   "I think so."; "Sure, as an AI language model, I can help." -> "Sure, I can help.";
 * - anywhere else ("That's a lot of money!" with "money" banned), the whole sentence goes: removing only
 *   the phrase would leave "That's a lot of!".
 * One pass to find the phrases (phrase-trie.ts), one to find sentences, one to build the output.
 */

interface Edit {
  start: number;
  end: number;
  text: string;
}

const CLAUSE_BEFORE = ',;:—–(';
const CLAUSE_AFTER = ',;:)';
const ENDS = '.!?…！？';
const OPENERS = '"\'“‘*_>#-•';
const CLOSERS = '"\'”’)]*_';
const isBlank = (ch: string | undefined) => ch === ' ' || ch === '\t';
const isSpace = (ch: string | undefined) => ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';

/** The clause removal for `f` in sentence `s`, or undefined when the phrase is no clause of its own. */
function clauseEdit(text: string, s: Span, f: Found): Edit | undefined {
  let l = f.start;
  while (l > s.start && (isBlank(text[l - 1]) || OPENERS.includes(text[l - 1] ?? ''))) l--;
  const before = text[l - 1];
  const atStart = l <= s.start || before === '\n' || before === undefined || ENDS.includes(before);
  let r = f.end;
  while (r < s.end && isBlank(text[r])) r++;
  const after = text[r];
  const atEnd = r >= s.end || after === '\n' || after === undefined || ENDS.includes(after);
  if (after !== undefined && CLAUSE_AFTER.includes(after) && r < s.end) {
    if (after === ')' && before !== '(') return undefined;
    if (before === '(' && after === ')') {
      let from = l - 1;
      while (from > s.start && isBlank(text[from - 1])) from--;
      return { start: from, end: r + 1, text: '' };
    }
    if (!atStart && !(before && CLAUSE_BEFORE.includes(before))) return undefined;
    let end = r + 1;
    while (end < s.end && isBlank(text[end])) end++;
    if (!atStart) return { start: f.start, end, text: '' };
    // the next word starts the sentence now
    const next = text[end] ?? '';
    const upper = next.toUpperCase();
    return next !== upper && end < s.end
      ? { start: f.start, end: end + 1, text: upper }
      : { start: f.start, end, text: '' };
  }
  if (atStart && atEnd && r < s.end && ENDS.includes(after ?? '')) {
    // a sentence of its own after an abbreviation or a mark the splitter did not end on ("x! great question.")
    // its marks and closing quotes go, never what is glued to them ("helps.12:30": the number stays)
    let end = r;
    while (end < s.end && (ENDS.includes(text[end] ?? ' ') || CLOSERS.includes(text[end] ?? ' '))) end++;
    while (end < text.length && isBlank(text[end])) end++;
    return { start: l, end, text: '' };
  }
  if (atEnd && before && CLAUSE_BEFORE.includes(before) && before !== '(') {
    return { start: l - 1, end: f.end, text: '' };
  }
  return undefined;
}

const PROTECTED_TOKEN = /[\uE000\uE002]/;

/**
 * Removes sentence `s`: its line when it is the only thing on it, else it and the space after it. A
 * sentence holding a protected span (code, URL, e-mail, number) is left as it is (undefined): losing
 * those would damage the content more than the phrase does, and the check reports the phrase.
 */
function sentenceEdit(text: string, s: Span): Edit | undefined {
  if (PROTECTED_TOKEN.test(text.slice(s.start, s.end))) return undefined;
  let lead = s.start;
  while (lead < s.end && isSpace(text[lead])) lead++;
  let end = s.end;
  while (end < text.length && isBlank(text[end])) end++;
  const lineEnds = end >= text.length || text[end] === '\n' || text[end] === '\r';
  if (text.slice(s.start, lead).includes('\n')) {
    return lineEnds ? { start: s.start, end, text: '' } : { start: lead, end, text: '' };
  }
  return { start: s.start, end: lineEnds ? end : s.end, text: '' };
}

export class BannedPhrases {
  #trie: PhraseTrie | undefined;
  /** As configured: for the prompt. */
  readonly phrases: readonly string[];

  constructor(phrases: readonly string[]) {
    this.phrases = phrases;
  }

  /**
   * Built on first use by the engine or the checks, not by the prompt, which only lists the phrases: for
   * 2,600 phrases it is ~15 ms of the event loop (~150 on a loaded machine) that a refine through a
   * provider, whose large answers are checked in a worker, would pay for nothing (issue 11).
   */
  private get trie(): PhraseTrie {
    // every form the contraction rule may leave a phrase in: "I'm sorry" also bans "I am sorry"
    if (!this.#trie) {
      const forms = new Set<string>();
      for (const p of this.phrases) {
        forms.add(p);
        // Only an apostrophe can be expanded ("I'm" -> "I am").
        if (p.includes("'") || p.includes('’')) forms.add(expandContractions(p));
        forms.add(contract(p));
      }
      this.#trie = new PhraseTrie(forms);
    }
    return this.#trie;
  }

  /** Whether the matcher was built (tests: the prompt must not build it). */
  get matcherBuilt(): boolean {
    return this.#trie !== undefined;
  }

  apply(text: string): string {
    const found = this.trie.find(text);
    if (found.length === 0) return text;
    const edits: Edit[] = [];
    const all = sentences(text);
    let si = 0;
    let fi = 0;
    while (fi < found.length) {
      const first = found[fi] as Found;
      while (si < all.length && (all[si] as Span).end <= first.start) si++;
      const s: Span = all[si] ?? { start: 0, end: text.length };
      const inSentence: Found[] = [];
      while (fi < found.length && (found[fi] as Found).start < Math.max(s.end, first.end)) {
        inSentence.push(found[fi] as Found);
        fi++;
      }
      const clauses = inSentence.map((f) => clauseEdit(text, s, f));
      if (clauses.every((c): c is Edit => c !== undefined) && !emptiesSentence(text, s, clauses)) {
        for (const c of clauses) edits.push(c);
      } else {
        const whole = sentenceEdit(text, s);
        if (whole) edits.push(whole);
      }
      si++;
    }
    return applyEdits(text, edits);
  }

  /** The banned phrases in `text`, as written there. */
  find(text: string): string[] {
    return this.trie.find(text).map((f) => text.slice(f.start, f.end));
  }
}

const CONTENT = /[\p{L}\p{N}\uE000-\uE01F]/u;

/** Whether removing the clauses leaves the sentence without a word: then the sentence goes. */
function emptiesSentence(text: string, s: Span, clauses: Edit[]): boolean {
  let rest = '';
  let at = s.start;
  for (const c of clauses) {
    if (c.start > at) rest += text.slice(at, c.start);
    rest += c.text;
    at = Math.max(at, c.end);
  }
  rest += text.slice(at, s.end);
  return !CONTENT.test(rest);
}

/**
 * Applies non-overlapping edits in order; an edit starting inside an earlier one is clipped. The output is
 * built as parts and joined once: reading the end of a growing string (endsWith) flattened it on every
 * edit, which made thousands of removals quadratic.
 */
function applyEdits(text: string, edits: Edit[]): string {
  const parts: string[] = [];
  let last = ''; // the output's last character, '' while it is empty
  const append = (piece: string) => {
    if (piece === '') return;
    parts.push(piece);
    last = piece[piece.length - 1] as string;
  };
  let at = 0;
  for (const e of edits) {
    const start = Math.max(e.start, at);
    if (e.end <= at) continue;
    append(text.slice(at, start));
    append(e.text);
    at = e.end;
    // a removal at the start of the text or of a line takes the blanks after it along
    if (e.text === '' && (last === '' || last === '\n')) {
      while (last === '' ? isSpace(text[at]) : isBlank(text[at])) at++;
    }
  }
  append(text.slice(at));
  return parts.join('');
}

/** A `banned_phrases` attribute: an array of non-empty strings (or one string); else ignored. */
/**
 * Compiled lists by the (frozen) list they came from: the streaming enforcer compiles a fresh copy of the
 * persona's attributes for every line (its limits change as it goes), and without this each line rebuilt
 * the matcher of the same 2,600 phrases (~15 ms each on the event loop).
 */
const compiled = new WeakMap<object, BannedPhrases | undefined>();

export function parseBannedPhrases(value: unknown): BannedPhrases | undefined {
  if (!Array.isArray(value) || !Object.isFrozen(value)) return compileBannedPhrases(value);
  if (compiled.has(value)) return compiled.get(value);
  const banned = compileBannedPhrases(value);
  compiled.set(value, banned);
  return banned;
}

function compileBannedPhrases(value: unknown): BannedPhrases | undefined {
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  const phrases = list
    .filter((p): p is string => typeof p === 'string' && p.trim() !== '')
    .map((p) => p.trim());
  return phrases.length > 0 ? new BannedPhrases([...new Set(phrases)]) : undefined;
}
