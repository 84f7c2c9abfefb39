import type { Persona } from '../core/persona.ts';
import { type CompiledStyle, compileStyle, ruleKeys } from './compile.ts';

/**
 * The persona as one system prompt for every LLM provider. Deterministic: known attributes in a fixed
 * order, other keys sorted, nested objects with sorted keys, so the prompt of a persona version is
 * stable (and cacheable) whatever order its attributes were written in.
 */

const formality = {
  formal: 'Use a formal register: complete sentences, no slang, no contractions.',
  neutral: 'Use a neutral, professional register: plain standard English, no slang.',
  casual:
    'Use a casual register: relaxed, conversational wording, like talking to a friend; contractions are welcome.',
};
const contractions = {
  always: "Use contractions wherever they read naturally (don't, it's, we're).",
  never: 'Never use contractions: write "do not", "it is", "we are".',
  auto: 'Use contractions where they sound natural.',
};
const emoji = {
  none: 'Do not use emoji.',
  light: 'Use at most one emoji.',
  any: 'Emoji are fine where they fit.',
};
const exclamations = {
  none: 'Do not use exclamation marks.',
  light: 'Use at most one exclamation mark.',
  any: 'Exclamation marks are fine.',
};
const spelling = {
  'en-US': 'Use American English spelling (color, organize, center).',
  'en-GB': 'Use British English spelling (colour, organise, centre).',
};

/** The style guide line of a known key, or undefined when its value is not one the rules know. */
function ruleLine(key: (typeof ruleKeys)[number], s: CompiledStyle): string | undefined {
  switch (key) {
    case 'formality':
      return s.formality && formality[s.formality];
    case 'contractions':
      return s.contractions && contractions[s.contractions];
    case 'emoji':
      return s.emoji && emoji[s.emoji];
    case 'exclamations':
      return s.exclamations && exclamations[s.exclamations];
    case 'spelling':
      return s.spelling && spelling[s.spelling];
    case 'vocabulary':
      return (
        s.vocabulary &&
        `Vocabulary: ${s.vocabulary.entries.map(([from, to]) => `say ${q(to)} instead of ${q(from)}`).join('; ')}.`
      );
    case 'banned_phrases':
      return s.bannedPhrases && `Never use these phrases: ${s.bannedPhrases.phrases.map(q).join(', ')}.`;
    case 'max_words':
      return s.maxWords !== undefined
        ? `Keep the answer to at most ${s.maxWords} words${besides(s)}.`
        : undefined;
    case 'max_sentences':
      return s.maxSentences !== undefined
        ? `Keep the answer to at most ${s.maxSentences} sentences${besides(s)}.`
        : undefined;
    case 'greeting':
      return s.greeting && `Begin with the greeting ${q(s.greeting.raw)}.`;
    case 'sign_off':
      return s.signOff && `End with the sign-off ${q(s.signOff.raw)}.`;
  }
}

const q = (s: string) => JSON.stringify(s);

/** Limits count the content only (checks.ts), which the prompt says when there is more. */
function besides(s: CompiledStyle): string {
  if (s.greeting && s.signOff) return ', not counting the greeting and sign-off';
  if (s.greeting) return ', not counting the greeting';
  return s.signOff ? ', not counting the sign-off' : '';
}
const WHITESPACE = /\s+/g;

function oneLine(s: string): string {
  return s.replace(WHITESPACE, ' ').trim();
}

/** JSON with object keys sorted at every depth. */
function stable(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** A free-form attribute as `key: value`; empty values say nothing and are left out. */
function freeLine(key: string, value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  const text = typeof value === 'string' ? value : stable(value);
  const line = oneLine(text);
  return line === '' ? undefined : `${oneLine(key)}: ${line}`;
}

export function styleGuide(attributes: Persona['attributes']): string[] {
  const style = compileStyle(attributes);
  const lines: string[] = [];
  const known = new Set<string>(ruleKeys);
  for (const key of ruleKeys) {
    if (!Object.hasOwn(attributes, key)) continue;
    const line = ruleLine(key, style) ?? freeLine(key, attributes[key]);
    if (line) lines.push(line);
  }
  const others = Object.keys(attributes)
    .filter((k) => !known.has(k))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const key of others) {
    const line = freeLine(key, attributes[key]);
    if (line) lines.push(line);
  }
  return lines;
}

const REWRITE_RULE = [
  "Rewrite the user's content in this voice.",
  'Keep its facts, numbers, names, links and code exactly as they are, and add nothing new.',
  'Answer with the rewritten text only: no preamble, no notes, no quotation marks around it.',
].join(' ');

/**
 * Compiled prompts by persona object. Cached personas are frozen and replaced (never changed) on write,
 * so a prompt never goes stale and leaves with its persona, as compileStyle() does for attributes.
 */
const compiled = new WeakMap<Persona, string>();

/** The persona as one system prompt: style guide from attributes + the rewrite rule. Deterministic. */
export function compileSystemPrompt(persona: Persona): string {
  let prompt = compiled.get(persona);
  if (prompt === undefined) {
    prompt = compile(persona);
    if (Object.isFrozen(persona)) compiled.set(persona, prompt);
  }
  return prompt;
}

function compile(persona: Persona): string {
  const parts: string[] = [];
  const description = persona.description.trim();
  parts.push(`You are ${oneLine(persona.name)}.${description ? ` ${description}` : ''}`);
  if (persona.systemPrompt?.trim()) parts.push(persona.systemPrompt.trim());
  if (persona.context?.trim()) parts.push(`Context:\n${persona.context.trim()}`);
  const guide = styleGuide(persona.attributes);
  if (guide.length > 0) parts.push(`Style guide:\n${guide.map((l) => `- ${l}`).join('\n')}`);
  parts.push(REWRITE_RULE);
  return parts.join('\n\n');
}
