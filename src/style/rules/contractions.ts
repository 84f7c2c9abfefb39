import { LETTER_OR_DIGIT } from '../chars.ts';
import { matchCase, WordTable } from '../word-table.ts';

/**
 * contractions: `never` expands ("don't" -> "do not"), `always` contracts the common pairs back,
 * `auto` leaves the text as written. Only contractions that read naturally both ways are in the
 * tables; a pronoun + verb is contracted only before another word, never at the end of a clause
 * ("what it is." stays), and ambiguous forms ('s, 'd) are expanded by the word that follows them.
 */
export const contractionModes = ['always', 'never', 'auto'] as const;
export type ContractionMode = (typeof contractionModes)[number];

const negations: [string, string][] = [
  ["don't", 'do not'],
  ["doesn't", 'does not'],
  ["didn't", 'did not'],
  ["isn't", 'is not'],
  ["aren't", 'are not'],
  ["wasn't", 'was not'],
  ["weren't", 'were not'],
  ["hasn't", 'has not'],
  ["haven't", 'have not'],
  ["hadn't", 'had not'],
  ["wouldn't", 'would not'],
  ["couldn't", 'could not'],
  ["shouldn't", 'should not'],
  ["mustn't", 'must not'],
  ["won't", 'will not'],
  ["can't", 'cannot'],
];

/** Unambiguous pronoun contractions, both ways. */
const pronounForms: [string, string][] = [
  ["i'm", 'i am'],
  ["you're", 'you are'],
  ["we're", 'we are'],
  ["they're", 'they are'],
  ["here's", 'here is'],
  ...['i', 'you', 'we', 'they', 'he', 'she', 'it', 'that'].map((p): [string, string] => [
    `${p}'ll`,
    `${p} will`,
  ]),
];
/** 's of these is "is" (or "has" before a participle). */
const isForms = ['he', 'she', 'it', 'that', 'there', 'what', 'who', 'where'];
/** 'd of these is "would" (or "had" before a participle). */
const wouldForms = ['i', 'you', 'we', 'they', 'he', 'she', 'it', 'that', 'who'];
/** 've of these is "have". */
const haveForms = ['i', 'you', 'we', 'they', 'who'];

/** 's of these is expanded too ("How's it going" -> "How is it going"), but never contracted back. */
const isExpandOnly = ['how', 'when', 'why'];

const expansions = new WordTable([
  ...negations,
  ...pronounForms,
  ...[...isForms, ...isExpandOnly].map((p): [string, string] => [`${p}'s`, `${p} is`]),
  ...wouldForms.map((p): [string, string] => [`${p}'d`, `${p} would`]),
  ...haveForms.map((p): [string, string] => [`${p}'ve`, `${p} have`]),
  ["let's", 'let us'],
  ["needn't", 'need not'],
  ["shan't", 'shall not'],
]);

/** After these, 's means "has": "it's been", "she's got". Otherwise "is" ("it's done" is passive). */
const HAS_NEXT = /^[ \t]+(?:been|got|gotten|had)(?![\p{L}])/iu;
/** After these, 'd means "had": "I'd done", "you'd better". Otherwise "would". */
const HAD_NEXT =
  /^[ \t]+(?:been|got|gotten|had|done|gone|seen|made|already|never|just|finished|taken|given|heard|told|better)(?![\p{L}])/iu;
const PARTICIPLES_FOR_HAVE =
  'been|got|gotten|done|had|seen|made|already|just|never|always|heard|found|tried|used|finished|received|sent|added|updated|fixed|changed|created|written|read|decided|noticed|learned|shipped|released|started';
const NEXT_IS_WORD = '(?=[ \\t]+[\\w\\u00C0-\\u024F\\uE000-\\uE01F])';

const contractible = new WordTable([
  ...negations.map(([c, e]): [string, string] => [e, c]),
  ['can not', "can't"],
]);
/** Pronoun + verb pairs, contracted only when another word follows. */
const pronounPairs = new Map<string, string>([
  ...pronounForms.map(([c, e]): [string, string] => [e, c]),
  ...isForms.map((p): [string, string] => [`${p} is`, `${p}'s`]),
  ...wouldForms.filter((p) => p !== 'who').map((p): [string, string] => [`${p} would`, `${p}'d`]),
]);
const PRONOUN_PAIR = new RegExp(
  `\\b(?<![${LETTER_OR_DIGIT}_])(?:(${[...pronounPairs.keys()].map((k) => k.replace(' ', '[ \\t]+')).join('|')})${NEXT_IS_WORD}` +
    `|((?:i|you|we|they)[ \\t]+have)(?=[ \\t]+(?:${PARTICIPLES_FOR_HAVE})\\b))\\b(?![${LETTER_OR_DIGIT}_])`,
  'gi',
);
const SPACES = /[ \t]+/;

function expandOne(match: string, text: string, offset: number): string {
  let to = expansions.lookup(match) ?? match;
  const next = text.slice(offset + match.length, offset + match.length + 16);
  if (to.endsWith(' is') && HAS_NEXT.test(next)) to = `${to.slice(0, -3)} has`;
  else if (to.endsWith(' would') && HAD_NEXT.test(next)) to = `${to.slice(0, -6)} had`;
  return matchCase(match, to);
}

export function expandContractions(text: string): string {
  return expansions.replace(text, expandOne);
}

export function contract(text: string): string {
  const apostrophe = text.includes('’') ? '’' : "'";
  const withApostrophe = (s: string) => (apostrophe === "'" ? s : s.replace("'", apostrophe));
  const negated = contractible.replace(text, (match) =>
    matchCase(match, withApostrophe(contractible.lookup(match) ?? match)),
  );
  return negated.replace(PRONOUN_PAIR, (match: string, pair?: string) => {
    const key = match.toLowerCase().split(SPACES).join(' ');
    const to = pair ? pronounPairs.get(key) : `${key.split(' ')[0]}'ve`;
    return to === undefined ? match : matchCase(match, withApostrophe(to));
  });
}

/** Contractions present ("don't", "it's"): what `never` forbids. */
export function findContractions(text: string): string[] {
  return expansions.find(text);
}

/**
 * Negated pairs ("do not", "is not"): what `casual` contracts and its check reports. Other pairs ("it
 * is", "we will") are ordinary English a casual text may keep, so casual does not fail them.
 */
export function findUncontractedNegations(text: string): string[] {
  return contractible.find(text);
}

/** Pairs that `always` would contract ("do not", "it is ..."). */
export function findContractible(text: string): string[] {
  return [...contractible.find(text), ...(text.match(PRONOUN_PAIR) ?? [])];
}
