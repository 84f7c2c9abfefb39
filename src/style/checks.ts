import type { JsonObject } from '../core/persona.ts';
import { type CompiledStyle, compileStyle } from './compile.ts';
import { mask } from './protect.ts';
import { findContractible, findContractions, findUncontractedNegations } from './rules/contractions.ts';
import { findEmoji } from './rules/emoji.ts';
import { findExclamations } from './rules/exclamations.ts';
import { findFormalityViolations } from './rules/formality.ts';
import { endsWithFraming, startsWithFraming, withoutFraming } from './rules/framing.ts';
import { ownGreeting, ownSignOff } from './rules/own-framing.ts';
import { findMisspellings } from './rules/spelling.ts';
import { countWords } from './segment.ts';
import { countSentences } from './sentences.ts';

/**
 * One verified hard rule of a persona, as returned by /v1/refine in `checks`. `passed` is null when the
 * check cannot decide (issue 12.2): `formality` on a text without a word of prose (only code, URLs,
 * numbers or emoji) says so instead of passing.
 */
export interface StyleCheck {
  rule: string;
  passed: boolean | null;
  detail: string;
}

const PROSE = /\p{L}/u;

const MAX_LISTED = 10;

function plural(n: number, one: string): string {
  return `${n} ${n === 1 || one === 'emoji' ? one : `${one}s`}`;
}

/** `"a", "b"`: distinct findings in order of appearance, at most MAX_LISTED. */
function quoted(found: readonly string[]): string {
  const distinct = [...new Set(found)];
  const listed = distinct.slice(0, MAX_LISTED).map((f) => JSON.stringify(f));
  return listed.join(', ') + (distinct.length > MAX_LISTED ? ', …' : '');
}

function findings(rule: string, found: string[], what: string): StyleCheck {
  return found.length === 0
    ? { rule, passed: true, detail: `no ${what}s found` }
    : { rule, passed: false, detail: `${plural(found.length, what)} found: ${quoted(found)}` };
}

function formality(masked: string, style: CompiledStyle): StyleCheck | undefined {
  const f = style.formality;
  if (!f) return undefined;
  if (!PROSE.test(masked)) {
    return { rule: 'formality', passed: null, detail: `${f}: undetermined, no prose to judge` };
  }
  const words = findFormalityViolations(masked, f);
  // Contractions count here only when formality decides them; a set `contractions` has its own check.
  const derived = style.contractions === undefined;
  const pairs = derived && f === 'formal' ? findContractions(masked) : [];
  // casual contracts what it rewrites, but fails only negations ("do not"): "We will", "That is" are
  // ordinary English (issue 12.2); a set `contractions` has its own check
  const unpaired = derived && f === 'casual' ? findUncontractedNegations(masked) : [];
  const what = f === 'casual' ? 'stiff word' : 'slang word';
  const parts = [
    words.length > 0 ? `${plural(words.length, what)} found: ${quoted(words)}` : '',
    pairs.length > 0 ? `${plural(pairs.length, 'contraction')} found: ${quoted(pairs)}` : '',
    unpaired.length > 0 ? `${plural(unpaired.length, 'uncontracted pair')} found: ${quoted(unpaired)}` : '',
  ].filter((p) => p !== '');
  if (parts.length > 0) return { rule: 'formality', passed: false, detail: `${f}: ${parts.join('; ')}` };
  const clean =
    f === 'formal' && derived ? 'no slang or contractions' : f === 'casual' ? 'no stiff wording' : 'no slang';
  return { rule: 'formality', passed: true, detail: `${f}: ${clean} found` };
}

function contractions(masked: string, style: CompiledStyle): StyleCheck | undefined {
  const mode = style.contractions;
  if (mode === undefined) return undefined;
  if (mode === 'auto') return { rule: 'contractions', passed: true, detail: 'auto: not enforced' };
  return mode === 'never'
    ? findings('contractions', findContractions(masked), 'contraction')
    : findings('contractions', findContractible(masked), 'uncontracted pair');
}

/** emoji and exclamations: `none` allows none, `light` one, `any` any number. */
function limited(rule: string, found: string[], level: 'none' | 'light' | 'any', what: string): StyleCheck {
  const n = plural(found.length, what);
  if (level === 'any') return { rule, passed: true, detail: `${n} found (any number allowed)` };
  const max = level === 'none' ? 0 : 1;
  if (found.length === 0)
    return { rule, passed: true, detail: `no ${rule === 'emoji' ? what : `${what}s`} found` };
  const list = rule === 'emoji' ? `: ${quoted(found)}` : '';
  return { rule, passed: found.length <= max, detail: `${n} found${list} (at most ${max} allowed)` };
}

function countAgainst(rule: string, count: number, max: number, what: string): StyleCheck {
  const passed = count <= max;
  return { rule, passed, detail: `${plural(count, what)} ${passed ? '<=' : '>'} ${rule} ${max}` };
}

/** Verifies the hard rules ("checked" column of design.md) on any provider's output. */
export function checkStyle(text: string, attributes: JsonObject): StyleCheck[] {
  const style = compileStyle(attributes);
  if (style.empty) return [];
  const masked = mask(text, []);
  const checks: (StyleCheck | undefined)[] = [
    formality(masked, style),
    contractions(masked, style),
    style.emoji && limited('emoji', findEmoji(masked), style.emoji, 'emoji'),
    style.exclamations &&
      limited('exclamations', findExclamations(masked), style.exclamations, 'exclamation mark'),
    style.spelling &&
      findings(
        'spelling',
        findMisspellings(masked, style.spelling),
        `${style.spelling === 'en-US' ? 'British' : 'American'} spelling`,
      ),
    style.vocabulary && vocabulary(masked, style),
    style.bannedPhrases && findings('banned_phrases', style.bannedPhrases.find(masked), 'banned phrase'),
    ...lengthChecks(text, masked, style),
    style.greeting &&
      framingCheck(
        'greeting',
        startsWithFraming(text, style.greeting),
        style.greeting.raw,
        ownGreeting(text),
      ),
    style.signOff &&
      framingCheck('sign_off', endsWithFraming(text, style.signOff), style.signOff.raw, ownSignOff(text)),
  ];
  return checks.filter((c): c is StyleCheck => c !== undefined);
}

/**
 * Limits count the content: not a greeting it starts with or a sign-off it ends with. Text without either
 * is the text itself, whose masked form the caller already has (masking is a pure function of the text).
 */
function lengthChecks(text: string, masked: string, style: CompiledStyle): StyleCheck[] {
  if (style.maxWords === undefined && style.maxSentences === undefined) return [];
  const framed = withoutFraming(text, style.greeting, style.signOff);
  const content = framed === text ? masked : mask(framed, []);
  const checks: StyleCheck[] = [];
  if (style.maxWords !== undefined) {
    checks.push(countAgainst('max_words', countWords(content), style.maxWords, 'word'));
  }
  if (style.maxSentences !== undefined) {
    checks.push(countAgainst('max_sentences', countSentences(content), style.maxSentences, 'sentence'));
  }
  return checks;
}

function vocabulary(masked: string, style: CompiledStyle): StyleCheck | undefined {
  const found = style.vocabulary?.find(masked) ?? [];
  if (found.length === 0) return { rule: 'vocabulary', passed: true, detail: 'no replaced words found' };
  const list = [...new Set(found.map(([w, to]) => `${JSON.stringify(w)} (use ${JSON.stringify(to)})`))];
  return {
    rule: 'vocabulary',
    passed: false,
    detail: `${plural(found.length, 'replaced word')} found: ${list.join(', ')}`,
  };
}

/** The persona's framing, or one in the text's own words ("Hello Ana," for "Hi there!"), passes. */
function framingCheck(rule: string, present: boolean, expected: string, own: string | undefined): StyleCheck {
  const verb = rule === 'greeting' ? 'starts' : 'ends';
  if (!present && own !== undefined) {
    const what = rule === 'greeting' ? 'a greeting' : 'a sign-off';
    return {
      rule,
      passed: true,
      detail: `${verb} with ${what} of its own (${JSON.stringify(own)}) instead of ${JSON.stringify(expected)}`,
    };
  }
  const detail = `${present ? verb : `does not ${verb.slice(0, -1)}`} with ${JSON.stringify(expected)}`;
  return { rule, passed: present, detail };
}
