/**
 * Whether a text already greets or signs off in words of its own ("Hello Ana," when the persona's
 * greeting is "Hi there!"): the engine then adds none (issue 12.1: no "Hi there! Hello Ana, ..."), and
 * the check accepts it, naming what it found. Only the first and last few hundred characters are read.
 */
const GREETINGS = [
  'hi',
  'hello',
  'hey',
  'hiya',
  'howdy',
  'greetings',
  'dear',
  'good morning',
  'good afternoon',
  'good evening',
  'good day',
];
const SIGN_OFFS = [
  'best',
  'best regards',
  'best wishes',
  'all the best',
  'kind regards',
  'warm regards',
  'warmest regards',
  'regards',
  'cheers',
  'thanks',
  'many thanks',
  'thank you',
  'sincerely',
  'yours',
  'yours sincerely',
  'yours truly',
  'yours faithfully',
  'respectfully',
  'with thanks',
  'warm wishes',
  'take care',
  'talk soon',
];
const WINDOW = 200;
/** A greeting's clause ("Hi Ana", "Good morning team") or a sign-off line holds at most this many words. */
const MAX_WORDS = 5;
const WORD = /[\p{L}\p{N}'’]+/gu;
const CLAUSE_END = /[,.!?:;\n—–]/;
const SENTENCE_END = /[.!?…]/;

/** "Heyyy", "Hiii": a greeting drawn out in chat reads as the greeting itself. */
function undrawn(word: string): string {
  let end = word.length;
  while (end > 2 && word[end - 1] === word[end - 2]) end--;
  return end === word.length ? word : word.slice(0, end);
}

function words(s: string): string[] {
  return (s.match(WORD) ?? []).map((w) => w.toLowerCase());
}

function startsWithOneOf(ws: string[], list: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const phrase of list) {
    const p = phrase.split(' ');
    if (p.every((w, i) => ws[i] === w) && (!best || p.length > best.split(' ').length)) best = phrase;
  }
  return best;
}

/** The greeting `text` opens with, in its own words, or undefined. */
export function ownGreeting(text: string): string | undefined {
  const head = text.trimStart().slice(0, WINDOW);
  const end = head.search(CLAUSE_END);
  if (end < 0) return undefined;
  const ws = words(head.slice(0, end));
  const first = undrawn(ws[0] ?? '');
  if (GREETINGS.includes(first)) ws[0] = first;
  return ws.length <= MAX_WORDS ? startsWithOneOf(ws, GREETINGS) : undefined;
}

/**
 * The sign-off `text` closes with, or undefined: on its last line ("Cheers, Ana"), or on one of the two
 * lines above it with only names below ("Best regards,\nSarah Mills\nHead of People"). A line above
 * the last must hold the sign-off words alone ("Best regards,", "Thanks!") or end with "," or "!", so a
 * closing sentence such as "Thanks for your order." above a last line is not taken for one.
 */
export function ownSignOff(text: string): string | undefined {
  const tail = text.trimEnd().slice(-WINDOW);
  const lines = tail.split('\n').filter((l) => l.trim() !== '');
  const last = lines.length - 1;
  for (let i = Math.max(0, last - 2); i <= last; i++) {
    const line = lines[i] ?? '';
    const ws = words(line);
    if (ws.length === 0 || ws.length > MAX_WORDS) continue;
    // the line is the sign-off and maybe a name: "Cheers, Ana. All good." ends with something else
    if (line.split(SENTENCE_END).filter((part) => words(part).length > 0).length > 1) continue;
    const found = startsWithOneOf(ws, SIGN_OFFS);
    if (!found) continue;
    if (i === last) return found;
    const below = lines.slice(i + 1);
    // "Best regards," / "Thanks!" alone, or a closing line that ends as one ("Thanks again for your help!")
    const closing = found.split(' ').length === ws.length || CLOSING_MARK.test(line);
    if (
      closing &&
      below.every((l) => words(l).length <= NAME_WORDS && !SENTENCE_END.test(l.trim().slice(-1)))
    ) {
      return found;
    }
  }
  return undefined;
}
const CLOSING_MARK = /[,!][ \t]*$/;
/** A name or role line under a sign-off ("Sarah Mills", "Head of People"). */
const NAME_WORDS = 4;
