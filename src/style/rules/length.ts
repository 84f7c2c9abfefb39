import { countWords, cutAtWord } from '../segment.ts';
import { sentences } from '../sentences.ts';

/**
 * max_sentences and max_words: cut the (masked) text at a sentence boundary at or below the limit.
 * Only when the first sentence alone is over max_words is it cut at the word limit, marked with "…".
 * Protected spans are single tokens here, so a cut never splits a code block, URL or number.
 */
const ENDS_SENTENCE = /[.!?…]["'”’)\]]*$/;

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
  return ENDS_SENTENCE.test(cut) ? cut : `${cut}…`;
}
