import type { CompiledStyle } from './compile.ts';
import { contract, expandContractions } from './rules/contractions.ts';
import { applyEmoji } from './rules/emoji.ts';
import { applyExclamations } from './rules/exclamations.ts';
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
 * The mark rules, on the whole output including greeting and sign-off, since `light` counts there
 * too. They change neither word nor sentence counts, so they can run after the length cut.
 */
export function applyMarkRules(masked: string, style: CompiledStyle): string {
  let t = masked;
  if (style.emoji) t = applyEmoji(t, style.emoji);
  if (style.exclamations) t = applyExclamations(t, style.exclamations);
  return t;
}
