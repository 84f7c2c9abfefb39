import type { CompiledStyle } from './compile.ts';
import { contract, expandContractions } from './rules/contractions.ts';
import { applyEmoji, emojiAllowed, findEmoji } from './rules/emoji.ts';
import { applyExclamations, exclamationsAllowed, findExclamations } from './rules/exclamations.ts';
import { applyFormality } from './rules/formality.ts';
import { applySpelling } from './rules/spelling.ts';

/**
 * The word rules, in this order, on masked text:
 * 1. formality word tables (slang -> standard, or stiff -> plain): may produce contractions ("dunno"
 *    -> "don't know") and pairs, so it runs before the contraction rule;
 * 2. contractions (expand or contract);
 * 3. spelling, before vocabulary, so a vocabulary key written in either spelling is found;
 * 4. vocabulary;
 * 5. banned phrases last, so a phrase is removed in the form the other rules leave it in.
 */
export function applyWordRules(masked: string, style: CompiledStyle): string {
  let t = masked;
  if (style.formality) t = applyFormality(t, style.formality);
  if (style.contractionMode === 'never') t = expandContractions(t);
  else if (style.contractionMode === 'always') t = contract(t);
  if (style.spelling) t = applySpelling(t, style.spelling);
  if (style.vocabulary) t = style.vocabulary.apply(t);
  if (style.bannedPhrases) t = style.bannedPhrases.apply(t);
  return t;
}

/**
 * The mark rules: emoji and exclamations. `used` counts the marks already in the text this one joins
 * (a greeting added to content that kept its one `light` emoji keeps none of its own).
 */
export function applyMarkRules(
  masked: string,
  style: CompiledStyle,
  used = { emoji: 0, exclamations: 0 },
): string {
  let t = masked;
  if (style.emoji) t = applyEmoji(t, Math.max(0, emojiAllowed(style.emoji) - used.emoji));
  if (style.exclamations) {
    t = applyExclamations(t, Math.max(0, exclamationsAllowed(style.exclamations) - used.exclamations));
  }
  return t;
}

/** The marks `masked` holds, for the framing added to it. */
export function marksUsed(masked: string, style: CompiledStyle): { emoji: number; exclamations: number } {
  return {
    emoji: style.emoji === 'light' ? findEmoji(masked).length : 0,
    exclamations: style.exclamations === 'light' ? findExclamations(masked).length : 0,
  };
}
