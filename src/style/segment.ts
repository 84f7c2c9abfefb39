import { CONTENT } from './chars.ts';

/**
 * Words of masked text, shared by the length rules and their checks so both count alike (sentences:
 * sentences.ts). A word is a run of non-space characters holding a letter, a digit or a protected
 * token (the WORD regex of test/style-scans.test.ts); a protected span is one token, so a code block or
 * a URL counts as one word and is never cut in half. Every scan here is one pass over a table.
 */
const SPACE = /\s/;

/**
 * Per UTF-16 code unit: bit 1 for whitespace (\s), bit 2 for word content (CONTENT). Built once, on first
 * use, from the very classes WORD is made of, so the scans below count exactly what WORD matches (a
 * property test compares them). Word counting was the costliest step of the local engine as a regex:
 * a lookup per character is several times faster. One character is both (U+1680, a space inside a
 * letter range): WORD lets it start a word but not continue one.
 */
let classes: Uint8Array | undefined;

function charClasses(): Uint8Array {
  if (classes) return classes;
  const table = new Uint8Array(65536);
  const content = new RegExp(`[${CONTENT}]`);
  for (let c = 0; c < 65536; c++) {
    const ch = String.fromCharCode(c);
    table[c] = (SPACE.test(ch) ? 1 : 0) | (content.test(ch) ? 2 : 0);
  }
  classes = table;
  return table;
}

/** How many words `text` holds; stops counting once past `stopAfter` (callers comparing to a limit). */
export function countWords(text: string, stopAfter = Number.POSITIVE_INFINITY): number {
  const table = charClasses();
  let n = 0;
  let hasContent = false;
  for (let i = 0; i < text.length; i++) {
    const k = table[text.charCodeAt(i)];
    if (k === 2) hasContent = true;
    else if (k !== 0) {
      if (hasContent && ++n > stopAfter) return n;
      hasContent = k === 3;
    }
  }
  return hasContent ? n + 1 : n;
}

/** Where the `n`-th run of non-space characters (n >= 1) starts, or -1 if there are fewer. */
export function startOfRun(text: string, n: number): number {
  const table = charClasses();
  let count = 0;
  let afterSpace = true;
  for (let i = 0; i < text.length; i++) {
    const space = ((table[text.charCodeAt(i)] as number) & 1) === 1;
    if (!space && afterSpace && ++count === n) return i;
    afterSpace = space;
  }
  return -1;
}

/** The first `n` words (n >= 1) of `text`, or null if it has no more than `n`. One pass over the table. */
export function cutAtWord(text: string, n: number): string | null {
  const table = charClasses();
  let seen = 0;
  let hasContent = false;
  let runEnd = -1;
  for (let i = 0; i <= text.length; i++) {
    const k = i < text.length ? (table[text.charCodeAt(i)] as number) : 1;
    if (k === 2) hasContent = true;
    else if (k !== 0) {
      if (hasContent) {
        if (seen === n) return text.slice(0, runEnd);
        if (++seen === n) runEnd = i;
      }
      hasContent = k === 3;
    }
  }
  return null;
}
