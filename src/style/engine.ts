import type { JsonObject } from '../core/persona.ts';
import { type CompiledStyle, compileStyle } from './compile.ts';
import { applyMarkRules, applyWordRules, marksUsed } from './pipeline.ts';
import { keepSpansApart, mask, openFenceAtEnd, unmask } from './protect.ts';
import { endsWithFraming, framingBounds, joinParts, startsWithFraming } from './rules/framing.ts';
import { limitSentences, limitWords } from './rules/length.ts';
import { ownGreeting, ownSignOff } from './rules/own-framing.ts';
import { countWords, startOfRun } from './segment.ts';

/**
 * The local engine. Order of application:
 * 1. mask protected spans (code fences, inline code, URLs, emails, numbers): nothing below sees them;
 * 2. mark rules: emoji, exclamations;
 * 3. word rules: formality, contractions, spelling, vocabulary, banned phrases (pipeline.ts);
 * 4. keep protected spans apart from whatever the rules left touching them;
 * 5. length: max_sentences, then max_words, on the content as it now reads;
 * 6. greeting and sign_off around it unless already there, themselves passed through the word and
 *    mark rules (with `light`, their mark is the one kept: the content gave its own up in step 2);
 * 7. restore the protected spans.
 * Every step is a no-op for an attribute that is not set or not valid.
 */
export function applyLocalStyle(
  text: string,
  attributes: JsonObject,
  options: { precut?: boolean } = {},
): string {
  const style = compileStyle(attributes);
  if (style.empty) return text;
  const spans: string[] = [];
  // Marks first: removing an emoji can bring words together that a word rule then must see ("it is 🎉
  // the" -> "it is the"). Then once more, for a mark a vocabulary replacement brought in.
  const reserved = reservedMarks(text, style);
  const masked = mask(text, spans);
  const rules = (t: string) =>
    applyMarkRules(applyWordRules(applyMarkRules(t, style, reserved), style), style, reserved);
  let out: string | undefined;
  const prefix = options.precut === false ? undefined : precut(masked, style);
  if (prefix !== undefined && style.maxWords !== undefined) {
    out = rules(prefix);
    // Valid only if the prefix still holds clearly more than max_words afterwards (see precut()).
    if (countWords(out, style.maxWords + PRECUT_MARGIN) < style.maxWords + PRECUT_MARGIN) out = undefined;
  }
  out ??= rules(masked);
  out = limit(keepSpansApart(out, spans), style, spans);
  if (style.greeting || style.signOff) out = keepSpansApart(frame(out, style, spans), spans);
  return unmask(out, spans);
}

/**
 * The marks of a greeting or sign-off the text lacks: with `light`, the one allowed goes to them (the
 * persona wrote it), not to the content. Only a preference: frame() still counts what is there.
 */
function reservedMarks(text: string, style: CompiledStyle): { emoji: number; exclamations: number } {
  const reserved = { emoji: 0, exclamations: 0 };
  if (!style.greeting && !style.signOff) return reserved;
  for (const [framing, present] of [
    [style.greeting, style.greeting && hasGreeting(text, style)],
    [style.signOff, style.signOff && hasSignOff(text, style)],
  ] as const) {
    if (!framing || present) continue;
    reserved.emoji += framing.marks.emoji;
    reserved.exclamations += framing.marks.exclamations;
  }
  return reserved;
}

/** Words beyond max_words a precut result must keep, so a rule at the cut edge cannot matter. */
const PRECUT_MARGIN = 8;

/**
 * With max_words set, the rules need not run over text that step 5 will cut anyway. Rules are local (they
 * rewrite a word or a short phrase in place, and `light` keeps the first mark), so running them on a
 * prefix gives the same first words as running them on the whole; if the prefix still holds at least
 * max_words + PRECUT_MARGIN words afterwards, the cut lands where it would have. Otherwise (rules removed
 * a lot) the whole text is used. Banned phrases may remove any amount of text far from the cut, so with
 * them nothing is cut early. ~150 µs -> ~40 µs for 2 KB and max_words 120; test/style-precut.test.ts
 * checks that the output equals the uncut one.
 */
function precut(masked: string, style: CompiledStyle): string | undefined {
  if (style.maxWords === undefined || style.bannedPhrases) return undefined;
  const keep = Math.ceil(style.maxWords * 1.25) + 16;
  const start = startOfRun(masked, keep + 1);
  return start < 0 ? undefined : masked.slice(0, start);
}

/**
 * Cuts the (masked) content to max_sentences, then max_words. A greeting or sign-off already in the text
 * is not content: counted, it made a second run cut what the first kept (not idempotent).
 */
function limit(body: string, style: CompiledStyle, spans: string[]): string {
  if (style.maxSentences === undefined && style.maxWords === undefined) return body;
  // present as the checks see it (on the text itself: in the masked text a URL is no word)
  const plain = style.greeting || style.signOff ? unmask(body, spans) : body;
  const greeting = style.greeting && startsWithFraming(plain, style.greeting) ? style.greeting : undefined;
  const signOff = style.signOff && endsWithFraming(plain, style.signOff) ? style.signOff : undefined;
  const { start, end } = framingBounds(body, greeting, signOff);
  if (start === 0 && end === body.length) return limitContent(body, style);
  const content = body.slice(start, end);
  const cut = limitContent(content, style);
  if (cut === content) return body;
  const tail = body.slice(end);
  const gap = content.slice(content.trimEnd().length); // keeps the sign-off on its own line if it was
  return body.slice(0, start) + cut.trimEnd() + (tail === '' ? '' : gap || ' ') + tail;
}

function limitContent(body: string, style: CompiledStyle): string {
  let out = body;
  if (style.maxSentences !== undefined) out = limitSentences(out, style.maxSentences);
  if (style.maxWords !== undefined) out = limitWords(out, style.maxWords);
  // a cut can take away the protected span that kept a sentence with a banned phrase (banned.ts): judged
  // again on what is left, so the phrase goes with its sentence now
  if (out !== body && style.bannedPhrases) out = style.bannedPhrases.apply(out);
  return out;
}

/** The persona's greeting, or one in the text's own words: either way none is added. */
function hasGreeting(text: string, style: CompiledStyle): boolean {
  return (
    style.greeting !== undefined &&
    (startsWithFraming(text, style.greeting) || ownGreeting(text) !== undefined)
  );
}

function hasSignOff(text: string, style: CompiledStyle): boolean {
  return (
    style.signOff !== undefined && (endsWithFraming(text, style.signOff) || ownSignOff(text) !== undefined)
  );
}

/** Greeting and sign-off go around the content, so a limit never removes them. */
function frame(body: string, style: CompiledStyle, spans: string[]): string {
  const plain = unmask(body, spans);
  const addGreeting = style.greeting && !hasGreeting(plain, style);
  // judged on the text as it ends up: a greeting joined on the same line changes what the last line says
  const signedOff = (t: string) =>
    hasSignOff(addGreeting && style.greeting ? joinParts(style.greeting.styled, t, true) : t, style);
  const addSignOff = style.signOff && !signedOff(plain);
  if (!addGreeting && !addSignOff) return body;
  const used = marksUsed(body, style);
  let out = body;
  if (addGreeting && style.greeting) {
    const greeting = applyMarkRules(mask(style.greeting.styled, spans), style, used);
    const inGreeting = marksUsed(greeting, style);
    used.emoji += inGreeting.emoji;
    used.exclamations += inGreeting.exclamations;
    out = joinParts(greeting, out, true);
  }
  if (addSignOff && style.signOff) {
    const fence = openFenceAtEnd(out, spans);
    if (fence) out = `${out.trimEnd()}\n${fence}`; // close it, or the sign-off would be code
    out = joinParts(out, applyMarkRules(mask(style.signOff.styled, spans), style, used));
  }
  return out;
}
