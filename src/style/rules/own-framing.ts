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
  'take care',
  'talk soon',
];
const WINDOW = 200;
/** A greeting's clause ("Hi Ana", "Good morning team") or a sign-off line holds at most this many words. */
const MAX_WORDS = 5;
const WORD = /[\p{L}\p{N}'’]+/gu;
const CLAUSE_END = /[,.!?:;\n—–]/;
const SENTENCE_END = /[.!?…]/;

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
  return ws.length <= MAX_WORDS ? startsWithOneOf(ws, GREETINGS) : undefined;
}

/** The sign-off `text` closes with (on one of its last two lines), or undefined. */
export function ownSignOff(text: string): string | undefined {
  const tail = text.trimEnd().slice(-WINDOW);
  const lines = tail.split('\n').filter((l) => l.trim() !== '');
  for (const line of lines.slice(-2)) {
    const ws = words(line);
    if (ws.length === 0 || ws.length > MAX_WORDS) continue;
    // the line is the sign-off and maybe a name: "Cheers, Ana. All good." ends with something else
    if (line.split(SENTENCE_END).filter((part) => words(part).length > 0).length > 1) continue;
    const found = startsWithOneOf(ws, SIGN_OFFS);
    if (found) return found;
  }
  return undefined;
}
