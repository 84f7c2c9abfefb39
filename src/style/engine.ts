import type { JsonObject } from '../core/persona.ts';
import { type CompiledStyle, compileStyle } from './compile.ts';
import { applyMarkRules, applyWordRules, marksUsed } from './pipeline.ts';
import { keepSpansApart, mask, openFenceAtEnd, unmask } from './protect.ts';
import { endsWithFraming, joinParts, startsWithFraming } from './rules/framing.ts';
import { limitSentences, limitWords } from './rules/length.ts';

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
export function applyLocalStyle(text: string, attributes: JsonObject): string {
  const style = compileStyle(attributes);
  if (style.empty) return text;
  const spans: string[] = [];
  // Marks first: removing an emoji can bring words together that a word rule then must see ("it is 🎉
  // the" -> "it is the"). Then once more, for a mark a vocabulary replacement brought in.
  const reserved = reservedMarks(text, style);
  let out = applyMarkRules(mask(text, spans), style, reserved);
  out = applyMarkRules(applyWordRules(out, style), style, reserved);
  out = limit(keepSpansApart(out, spans), style);
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
    [style.greeting, style.greeting && startsWithFraming(text, style.greeting)],
    [style.signOff, style.signOff && endsWithFraming(text, style.signOff)],
  ] as const) {
    if (!framing || present) continue;
    reserved.emoji += framing.marks.emoji;
    reserved.exclamations += framing.marks.exclamations;
  }
  return reserved;
}

/** Cuts the (masked) content to max_sentences, then max_words. */
function limit(body: string, style: CompiledStyle): string {
  let out = body;
  if (style.maxSentences !== undefined) out = limitSentences(out, style.maxSentences);
  if (style.maxWords !== undefined) out = limitWords(out, style.maxWords);
  return out;
}

/** Greeting and sign-off go around the content, so a limit never removes them. */
function frame(body: string, style: CompiledStyle, spans: string[]): string {
  const plain = unmask(body, spans);
  const addGreeting = style.greeting && !startsWithFraming(plain, style.greeting);
  const addSignOff = style.signOff && !endsWithFraming(plain, style.signOff);
  if (!addGreeting && !addSignOff) return body;
  const used = marksUsed(body, style);
  let out = body;
  if (addGreeting && style.greeting) {
    const greeting = applyMarkRules(mask(style.greeting.styled, spans), style, used);
    const inGreeting = marksUsed(greeting, style);
    used.emoji += inGreeting.emoji;
    used.exclamations += inGreeting.exclamations;
    out = joinParts(greeting, out);
  }
  if (addSignOff && style.signOff) {
    const fence = openFenceAtEnd(out, spans);
    if (fence) out = `${out.trimEnd()}\n${fence}`; // close it, or the sign-off would be code
    out = joinParts(out, applyMarkRules(mask(style.signOff.styled, spans), style, used));
  }
  return out;
}
