import { LETTER_OR_DIGIT, TOKEN_RANGE } from '../chars.ts';
import { closesAbbreviation } from '../sentences.ts';
import { matchCase, WordTable } from '../word-table.ts';

/**
 * formality: `formal` and `neutral` replace chat slang by standard words; `casual` replaces stiff
 * wording by plain words. Contractions follow from formality too (formal expands, casual contracts)
 * unless `contractions` is set itself: see compile.ts.
 */
export const formalities = ['formal', 'neutral', 'casual'] as const;
export type Formality = (typeof formalities)[number];

/** Chat interjections ("lol") have no formal word: they are removed, with the comma or space they leave. */
const LAUGH = '\uE006';

/** Slang -> standard English. Kept small and unambiguous: each entry is slang in any context. */
const slang = new WordTable([
  ['gonna', 'going to'],
  ['wanna', 'want to'],
  ['gotta', 'have to'],
  ['kinda', 'kind of'],
  ['sorta', 'sort of'],
  ['dunno', "don't know"],
  ['lemme', 'let me'],
  ['gimme', 'give me'],
  ["y'all", 'you all'],
  ['ya', 'you'],
  ['yeah', 'yes'],
  ['yep', 'yes'],
  ['yup', 'yes'],
  ['nope', 'no'],
  ['nah', 'no'],
  ['thx', 'thanks'],
  ['thanx', 'thanks'],
  ['pls', 'please'],
  ['plz', 'please'],
  ['btw', 'by the way'],
  ['fyi', 'for your information'],
  ['asap', 'as soon as possible'],
  ['imo', 'in my opinion'],
  ['imho', 'in my opinion'],
  ['tbh', 'to be honest'],
  ['cuz', 'because'],
  ['coz', 'because'],
  ['hey', 'hello'],
  ['hiya', 'hello'],
  ['alright', 'all right'],
  ['idk', "I don't know"],
  ['ngl', 'to be honest'],
  ['tho', 'though'],
  ['brb', 'I will be right back'],
  ['lmk', 'let me know'],
  ['omw', 'on my way'],
  ['fave', 'favorite'],
  ['faves', 'favorites'],
  ['tl;dr', 'in short'],
  ['tldr', 'in short'],
  // interjections with no formal word ("OMG" -> "oh my" left "Oh my, I am so sorry": "my" dangling)
  ['omg', LAUGH],
  ['bruh', LAUGH],
  ['lol', LAUGH],
  ['lmao', LAUGH],
  ['rofl', LAUGH],
  ['haha', LAUGH],
  ['hahaha', LAUGH],
  ['smh', LAUGH],
]);

/** Abbreviations written in capitals ("BTW") whose expansion must not be shouted. */
const acronyms = new Set([
  'btw',
  'fyi',
  'asap',
  'imo',
  'imho',
  'tbh',
  'thx',
  'pls',
  'plz',
  'omg',
  'ngl',
  'brb',
  'idk',
  'lmk',
  'omw',
  'tl;dr',
  'tldr',
]);

/** Stiff or bureaucratic wording -> plain words, with its inflections spelled out. */
const stiff = new WordTable([
  ['utilize', 'use'],
  ['utilizes', 'uses'],
  ['utilized', 'used'],
  ['utilizing', 'using'],
  ['utilise', 'use'],
  ['utilises', 'uses'],
  ['utilised', 'used'],
  ['utilising', 'using'],
  ['in order to', 'to'],
  ['prior to', 'before'],
  ['commence', 'start'],
  ['commences', 'starts'],
  ['commenced', 'started'],
  ['commencing', 'starting'],
  ['facilitate', 'help'],
  ['facilitates', 'helps'],
  ['inquire', 'ask'],
  ['inquires', 'asks'],
  ['inquired', 'asked'],
  ['assistance', 'help'],
  ['additionally', 'also'],
  ['furthermore', 'also'],
  ['approximately', 'about'],
  ['numerous', 'many'],
  ['sufficient', 'enough'],
  ['regarding', 'about'],
  ['henceforth', 'from now on'],
  ['heretofore', 'until now'],
  ['pursuant to', 'under'],
  ['aforementioned', 'above'],
]);

const AFTER_SENTENCE_END = /[.!?\n][\s"'“‘(]*$/;
const ONLY_OPENERS = /^[\s"'“‘(]*$/;

function replaceSlang(match: string, text: string, offset: number): string {
  const to = slang.lookup(match) ?? match;
  if (to === LAUGH) return LAUGH;
  if (!acronyms.has(match.toLowerCase())) return matchCase(match, to);
  // "BTW, it works" -> "By the way, it works"; "see this ASAP" -> "see this as soon as possible".
  const from = Math.max(0, offset - 8);
  const before = text.slice(from, offset);
  const end = AFTER_SENTENCE_END.exec(before);
  const atStart =
    (end !== null && !closesAbbreviation(text, from + end.index)) ||
    (from === 0 && ONLY_OPENERS.test(before));
  return atStart ? (to[0] ?? '').toUpperCase() + to.slice(1) : to;
}

/**
 * "fire" is slang only as a verdict: after a copula and ending its clause ("that's fire", "this is
 * fire 🔥"), never before a word ("fire alarm", "is fire-resistant"). Run after the interjections are
 * gone, so "that's fire lol." is judged as it ends up, as the check sees it.
 */
const FIRE = new RegExp(
  `(?<![${LETTER_OR_DIGIT}_'’])(?:is|was|so|(?:that|it|this)['’]s)[ \\t]+fire(?![${LETTER_OR_DIGIT}_-])`,
  'gi',
);
const WORD_NEXT = new RegExp(`^[ \\t]*[${LETTER_OR_DIGIT}${TOKEN_RANGE}]`);

/** Where each "fire" used as slang starts in `text`. */
function fireVerdicts(text: string): number[] {
  const at: number[] = [];
  for (const m of text.matchAll(FIRE)) {
    const end = m.index + m[0].length;
    if (!WORD_NEXT.test(text.slice(end, end + 16))) at.push(end - 4);
  }
  return at;
}

function replaceFire(text: string): string {
  const at = fireVerdicts(text);
  let out = '';
  let from = 0;
  for (const i of at) {
    out += text.slice(from, i) + matchCase(text.slice(i, i + 4), 'excellent');
    from = i + 4;
  }
  return out + text.slice(from);
}

export function applyFormality(text: string, formality: Formality): string {
  if (formality === 'casual') return stiff.replace(text);
  const out = slang.replace(text, replaceSlang);
  return replaceFire(out.includes(LAUGH) ? removeLaughs(out) : out);
}

const isBlank = (ch: string | undefined) => ch === ' ' || ch === '\t';

/**
 * Drops each removed interjection with the blanks before it and a comma after it ("Works, lol." ->
 * "Works."; "lol, it works" -> "It works"). One pass, no regex over the text.
 */
function removeLaughs(text: string): string {
  let out = '';
  let at = 0;
  for (let i = text.indexOf(LAUGH); i >= 0; i = text.indexOf(LAUGH, i + 1)) {
    let from = i;
    while (from > at && isBlank(text[from - 1])) from--;
    let j = i + 1;
    if (text[j] === ',' || text[j] === ';') j++;
    while (isBlank(text[j])) j++;
    const next = text[j];
    const before = text[from - 1];
    if (next === undefined || next === LAUGH || PUNCTUATION.includes(next)) {
      if (before === ',' && from > at) from--; // "Works, lol." -> "Works."
      out += text.slice(at, from);
      at = j;
      continue;
    }
    const atStart =
      before === undefined ||
      before === '\n' ||
      ('.!?'.includes(before) && !closesAbbreviation(text, from - 1));
    out += text.slice(at, from) + (before !== undefined && before !== '\n' ? ' ' : '');
    out += atStart ? next.toUpperCase() : next;
    at = j + 1;
    i = j;
  }
  return out + text.slice(at);
}
const PUNCTUATION = '.!?,;:)\n';

/**
 * Stiff-table words the engine makes plainer for `casual` but that are ordinary English: the check does
 * not fail a text for them (issue 12.2: `casual` must not fail ordinary phrasing).
 */
const ORDINARY = new Set([
  'assistance',
  'additionally',
  'furthermore',
  'approximately',
  'numerous',
  'sufficient',
  'regarding',
]);

/** The words that break `formality` (contractions are checked through the contraction rule). */
export function findFormalityViolations(text: string, formality: Formality): string[] {
  if (formality !== 'casual') {
    const found = slang.find(text);
    for (const i of fireVerdicts(text)) found.push(text.slice(i, i + 4));
    return found;
  }
  return stiff.find(text).filter((w) => !ORDINARY.has(w.toLowerCase()));
}
