import type { JsonObject } from '../core/persona.ts';
import { type CompiledStyle, compileStyle } from './compile.ts';
import { applyMarkRules, applyWordRules } from './pipeline.ts';
import { mask, unmask } from './protect.ts';
import { endsWithFraming, joinParts, startsWithFraming } from './rules/framing.ts';
import { limitSentences, limitWords } from './rules/length.ts';

/**
 * The local engine. Order of application:
 * 1. mask protected spans (code fences, inline code, URLs, emails, numbers): nothing below sees them;
 * 2. word rules: formality, contractions, spelling, vocabulary, banned phrases (pipeline.ts);
 * 3. length: max_sentences, then max_words, on the content;
 * 4. greeting and sign_off around it unless already there, themselves passed through the word rules;
 * 5. mark rules on the whole text: emoji, exclamations;
 * 6. restore the protected spans.
 * Every step is a no-op for an attribute that is not set or not valid.
 */
export function applyLocalStyle(text: string, attributes: JsonObject): string {
  const style = compileStyle(attributes);
  if (style.empty) return text;
  const spans: string[] = [];
  let out = applyWordRules(mask(text, spans), style);
  out = frame(out, style, spans);
  out = applyMarkRules(out, style);
  return unmask(out, spans);
}

/** Cuts the (masked) content to max_sentences, then max_words. */
function limit(body: string, style: CompiledStyle): string {
  let out = body;
  if (style.maxSentences !== undefined) out = limitSentences(out, style.maxSentences);
  if (style.maxWords !== undefined) out = limitWords(out, style.maxWords);
  return out;
}

/**
 * Greeting and sign-off go around the cut content, so a limit never removes them; one the text had
 * at its end that the cut took is added back.
 */
function frame(body: string, style: CompiledStyle, spans: string[]): string {
  let out = limit(body, style);
  if (!style.greeting && !style.signOff) return out;
  const plain = unmask(out, spans);
  if (style.greeting && !startsWithFraming(plain, style.greeting)) {
    out = joinParts(mask(style.greeting.styled, spans), out);
  }
  if (style.signOff && !endsWithFraming(plain, style.signOff)) {
    out = joinParts(out, mask(style.signOff.styled, spans));
  }
  return out;
}
