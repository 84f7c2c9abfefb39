import { countWords, cutAtWord } from '../segment.ts';
import { sentences } from '../sentences.ts';

/**
 * max_sentences and max_words: cut the (masked) text at a sentence boundary at or below the limit.
 * Only when the first sentence alone is over max_words is it cut at the word limit, marked with "…".
 * Protected spans are single tokens here, so a cut never splits a code block, URL or number.
 */
export function limitSentences(text: string, max: number): string {
  const all = sentences(text);
  const last = all[max - 1];
  return all.length <= max || last === undefined ? text : text.slice(0, last.end).trimEnd();
}

export function limitWords(text: string, max: number): string {
  if (countWords(text, max) <= max) return text;
  let total = 0;
  let end = -1;
  for (const s of sentences(text)) {
    total += countWords(text.slice(s.start, s.end));
    if (total > max) break;
    end = s.end;
  }
  if (end >= 0) return text.slice(0, end).trimEnd();
  const cut = (cutAtWord(text, max) ?? text).trimEnd();
  // the first sentence goes on past the cut, so a period there closes an abbreviation ("on Mar.")
  return `${beforeEllipsis(cut)}…`;
}

const PAUSES = ',;:—–-';
const MARKS = '.!?';
const CLOSERS = '"\'”’)]';
const isBlank = (ch: string | undefined) => ch !== undefined && /\s/.test(ch);

/**
 * The cut without the punctuation its last words end with: "with the bank," + "…" is doubled
 * punctuation, and "read as Mar." + "…" reads as a sentence end. A word ending in a period (an
 * abbreviation, as the sentence goes on) is dropped whole. Scans back from the end, at most a few words.
 */
function beforeEllipsis(cut: string): string {
  let end = cut.length;
  for (let words = 0; words < 8 && end > 0; words++) {
    let i = end;
    while (i > 0 && PAUSES.includes(cut[i - 1] ?? '')) i--;
    if (i < end) {
      end = i;
      while (end > 0 && isBlank(cut[end - 1])) end--;
      continue;
    }
    while (i > 0 && CLOSERS.includes(cut[i - 1] ?? '')) i--;
    if (i === 0 || !MARKS.includes(cut[i - 1] ?? '')) break;
    while (i > 0 && !isBlank(cut[i - 1])) i--; // the word with the mark
    while (i > 0 && isBlank(cut[i - 1])) i--;
    end = i;
  }
  return end === 0 ? cut : cut.slice(0, end);
}
