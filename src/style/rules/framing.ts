/**
 * greeting and sign_off: prepended / appended unless the text already starts / ends with them. "Already
 * there" compares words only (case, punctuation, emoji and spacing aside), so "Hi there!" is found in
 * "hi there, ..." and a sign-off survives a provider's reformatting. Length limits apply to the content
 * between them: the checks do not count a greeting or sign-off (withoutFraming).
 */
export interface Framing {
  /** As configured. */
  raw: string;
  /** After the persona's word rules (spelling, vocabulary ...): what the engine inserts. */
  styled: string;
  /** The word sequences (lower case) that count as present, longest first. */
  cores: string[][];
  /** The emoji and "!" of `styled`: a `light` persona keeps its one mark for them. */
  marks: { emoji: number; exclamations: number };
}

const WORD_RUN = /[\p{L}\p{N}]+/gu;
/** Read with exec from lastIndex 0 (a separate object, so matchAll on WORD_RUN cannot disturb it). */
const WORD_RUN_FROM_START = /[\p{L}\p{N}]+/gu;

/** The words of `text`, lower case. */
export function framingWords(text: string): string[] {
  return (text.match(WORD_RUN) ?? []).map((w) => w.toLowerCase());
}

interface Run {
  start: number;
  end: number;
  word: string;
}

/** The first `n` word runs of `text` (fewer if it has fewer); stops reading after them. */
function firstRuns(text: string, n: number): Run[] {
  const runs: Run[] = [];
  const re = WORD_RUN_FROM_START;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null && runs.length < n; m = re.exec(text)) {
    runs.push({ start: m.index, end: m.index + m[0].length, word: m[0].toLowerCase() });
  }
  return runs;
}

/** The last `n` word runs of `text`, read from a window at its end that grows until it holds them. */
function lastRuns(text: string, n: number): Run[] {
  for (let window = 64 * n; ; window *= 4) {
    const from = Math.max(0, text.length - window);
    const runs = [...text.slice(from).matchAll(WORD_RUN)];
    // One more run than needed, unless the window is the whole text: the first may be cut in half.
    if (runs.length > n || from === 0) {
      return runs
        .slice(-n)
        .map((m) => ({ start: from + m.index, end: from + m.index + m[0].length, word: m[0].toLowerCase() }));
    }
  }
}

function same(runs: Run[], core: string[]): boolean {
  return runs.length === core.length && runs.every((r, i) => r.word === core[i]);
}

/** The runs of the greeting at the start of `text`, or undefined. */
function leading(text: string, framing: Framing): Run[] | undefined {
  const longest = framing.cores[0]?.length ?? 0;
  const runs = firstRuns(text, longest);
  for (const core of framing.cores) {
    const head = runs.slice(0, core.length);
    if (same(head, core)) return head;
  }
  return undefined;
}

/** The runs of the sign-off at the end of `text`, or undefined. */
function trailing(text: string, framing: Framing): Run[] | undefined {
  const longest = framing.cores[0]?.length ?? 0;
  const runs = lastRuns(text, longest);
  for (const core of framing.cores) {
    const tail = runs.slice(runs.length - core.length);
    if (same(tail, core)) return tail;
  }
  return undefined;
}

export function startsWithFraming(text: string, framing: Framing): boolean {
  if (framing.cores.length === 0) return text.trimStart().startsWith(framing.styled);
  return leading(text, framing) !== undefined;
}

export function endsWithFraming(text: string, framing: Framing): boolean {
  if (framing.cores.length === 0) return text.trimEnd().endsWith(framing.styled);
  return trailing(text, framing) !== undefined;
}

const LEADING_PUNCTUATION = /^[\s,.;:!?—–-]+/;

/**
 * Where the content of `text` lies between the greeting it starts with and the sign-off it ends with:
 * what limits count. [0, text.length) when it has neither.
 */
export function framingBounds(
  text: string,
  greeting?: Framing,
  signOff?: Framing,
): { start: number; end: number } {
  const head = greeting && greeting.cores.length > 0 ? leading(text, greeting) : undefined;
  const tail = signOff && signOff.cores.length > 0 ? trailing(text, signOff) : undefined;
  if (!head && !tail) return { start: 0, end: text.length };
  let start = head?.at(-1)?.end ?? 0;
  const end = tail?.[0]?.start ?? text.length;
  if (start >= end) return { start: end, end };
  const punctuation = LEADING_PUNCTUATION.exec(text.slice(start, end));
  if (punctuation) start += punctuation[0].length;
  return { start, end };
}

/** `text` without the greeting it starts with and the sign-off it ends with: what limits count. */
export function withoutFraming(text: string, greeting?: Framing, signOff?: Framing): string {
  const { start, end } = framingBounds(text, greeting, signOff);
  if (start === 0 && end === text.length) return text;
  return text.slice(start, end).trimEnd();
}

/** Ends a sentence: terminal punctuation, then maybe closing quotes or brackets and emoji. */
const ENDS_SENTENCE = /[.!?…](?:["'”’)\]\uD800-\uDFFF\u2600-\u27BF]|\uFE0F|\u200D)*$/;

/** Ends a clause: punctuation, then maybe closing quotes or brackets and emoji. */
const ENDS_CLAUSE = /[.!?,:;…](?:["'”’)\]\uD800-\uDFFF\u2600-\u27BF]|\uFE0F|\u200D)*$/;

/** A greeting that ends with a comma ("Hello,", "Dear team,"): a letter's salutation line. */
const SALUTATION = /,[ \t]*$/;

/**
 * Joins two parts on one line when the first ends a clause and neither is multi-line, else with a
 * blank line, so no phrase rule can read across the join ("I am" + "Cheers" is not "I am Cheers").
 * A greeting that ends with a comma stands on its own line, as a letter's salutation does: on the same
 * line the text's first word would need its case decided ("Hello, Yes, …" is wrong, "Hello, paris …"
 * worse), and a word list cannot tell "Yes" from "Paris".
 */
export function joinParts(first: string, second: string, greeting = false): string {
  const a = first.trimEnd();
  const b = second.trimStart();
  if (a === '') return b;
  if (b === '') return a;
  const salutation = greeting && SALUTATION.test(a);
  const oneLine = !salutation && !a.includes('\n') && !b.includes('\n') && ENDS_CLAUSE.test(a);
  // after a sentence end the next part starts a sentence: "Hi there! your order" -> "Hi there! Your order"
  const head = b[0] ?? '';
  const upper = ENDS_SENTENCE.test(a) && head !== head.toUpperCase() ? head.toUpperCase() + b.slice(1) : b;
  return a + (oneLine ? ' ' : '\n\n') + upper;
}
