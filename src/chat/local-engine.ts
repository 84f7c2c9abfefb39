import { sentences } from '../style/sentences.ts';
import type { Citation } from './types.ts';

/**
 * The local engine's answer (issue 14.4): no key, no network, deterministic. It answers extractively:
 * from each of the best passages (at most three, in rank order) the sentences that share the most words
 * with the question (at most two, in their own order), each passage's extract ending with its citation
 * marker. The engine then phrases it through the persona's style rules like any answer. With nothing
 * to cite it says so, and how to give the persona an LLM. Same question, same documents: same answer.
 */

export const LOCAL_MODEL = 'local-extractive';
const MAX_PASSAGES = 3;
const SENTENCES_PER_PASSAGE = 2;
const MAX_SENTENCE_CHARS = 600;

const HOW_TO =
  'No language model is configured for this persona. To chat with one, the operator sets ' +
  '`PERSONAKIT_CHAT_PROVIDER` and its key (for example `PERSONAKIT_OPENAI_API_KEY`), the persona gets its ' +
  'own LLM in `layers.llm`, or the request brings `X-Personakit-Provider` and `X-Personakit-Provider-Key`.';

export const NO_KNOWLEDGE = `I have no documents to answer from. ${HOW_TO}`;
export const NOTHING_FOUND = `I found nothing about that in my documents. ${HOW_TO}`;

/** Words of the question that say something: letters and digits, three or more, lower-cased. */
const WORD = /[\p{L}\p{N}]{3,}/gu;
const STOP = new Set([
  'the',
  'and',
  'for',
  'are',
  'but',
  'not',
  'you',
  'your',
  'with',
  'this',
  'that',
  'what',
  'how',
  'who',
  'why',
  'when',
  'where',
  'which',
  'can',
  'does',
  'did',
  'was',
  'were',
  'has',
  'have',
  'had',
  'from',
  'about',
  'any',
  'all',
  'there',
  'their',
  'they',
  'them',
  'will',
  'would',
  'could',
  'should',
  'tell',
  'please',
  'our',
]);

export function terms(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.slice(0, 2_000).toLowerCase().matchAll(WORD)) {
    if (!STOP.has(m[0])) out.add(m[0]);
    if (out.size >= 64) break;
  }
  return out;
}

/** The extractive answer for `question` from the numbered passages (or the honest no-answer). */
export function localAnswer(question: string, citations: readonly Citation[], hadScope: boolean): string {
  if (citations.length === 0) return hadScope ? NOTHING_FOUND : NO_KNOWLEDGE;
  const wanted = terms(question);
  const parts: string[] = [];
  for (const c of citations.slice(0, MAX_PASSAGES)) {
    const extract = bestSentences(c.text, wanted);
    if (extract !== '') parts.push(withMarker(extract, c.index));
  }
  return parts.length > 0 ? parts.join(' ') : hadScope ? NOTHING_FOUND : NO_KNOWLEDGE;
}

function bestSentences(text: string, wanted: ReadonlySet<string>): string {
  const spans = sentences(text);
  const scored = spans.map((s, i) => {
    const sentence = oneLine(text.slice(s.start, s.end)).slice(0, MAX_SENTENCE_CHARS);
    let score = 0;
    for (const t of terms(sentence)) if (wanted.has(t)) score++;
    return { i, sentence, score };
  });
  const ranked = scored
    .filter((s) => s.sentence !== '')
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, SENTENCES_PER_PASSAGE);
  // Without a word in common, the passage's opening says best what it is about.
  const picked = ranked.some((s) => s.score > 0) ? ranked.filter((s) => s.score > 0) : ranked.slice(0, 1);
  return picked
    .sort((a, b) => a.i - b.i)
    .map((s) => s.sentence)
    .join(' ');
}

/** "It costs 10 euros [2]." — the marker before the closing punctuation, or at the end. */
function withMarker(extract: string, index: number): string {
  const last = extract.at(-1);
  if (last === '.' || last === '!' || last === '?') return `${extract.slice(0, -1)} [${index}]${last}`;
  return `${extract} [${index}].`;
}

const WHITESPACE = /\s+/g;
const oneLine = (s: string) => s.replace(WHITESPACE, ' ').trim();

/** The answer as stream deltas: a few words each, so a streamed local answer reads like any other. */
export function deltasOf(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let words = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 32 && ++words % 4 === 0) {
      out.push(text.slice(start, i + 1));
      start = i + 1;
    }
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}
