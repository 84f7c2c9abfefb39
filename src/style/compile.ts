import type { JsonObject } from '../core/persona.ts';
import { applyWordRules } from './pipeline.ts';
import { mask, unmask } from './protect.ts';
import { type BannedPhrases, parseBannedPhrases } from './rules/banned.ts';
import { type ContractionMode, contractionModes } from './rules/contractions.ts';
import { type EmojiLevel, emojiLevels, findEmoji } from './rules/emoji.ts';
import { type ExclamationLevel, exclamationLevels, findExclamations } from './rules/exclamations.ts';
import { type Formality, formalities } from './rules/formality.ts';
import { type Framing, framingWords } from './rules/framing.ts';
import { parseSpelling, type Spelling } from './rules/spelling.ts';
import { parseVocabulary, type Vocabulary } from './rules/vocabulary.ts';

/**
 * A persona's attributes parsed into the hard rules the engine and the checks apply. A key whose value
 * is not one the engine understands (`emoji: "lots"`, `max_words: "ten"`) is not a hard rule: it
 * stays a free-form line of the prompt and is otherwise ignored.
 */
export interface CompiledStyle {
  formality?: Formality;
  /** `contractions` as set on the persona. */
  contractions?: ContractionMode;
  /** What the engine does: `contractions`, else what `formality` implies (formal: never, casual: always). */
  contractionMode?: ContractionMode;
  emoji?: EmojiLevel;
  exclamations?: ExclamationLevel;
  spelling?: Spelling;
  vocabulary?: Vocabulary;
  bannedPhrases?: BannedPhrases;
  maxWords?: number;
  maxSentences?: number;
  greeting?: Framing;
  signOff?: Framing;
  /** No hard rule at all: the engine returns the text as is. */
  empty: boolean;
}

/** The attribute keys that carry hard rules, in the order the prompt lists and the checks report them. */
export const ruleKeys = [
  'formality',
  'contractions',
  'emoji',
  'exclamations',
  'spelling',
  'vocabulary',
  'banned_phrases',
  'max_words',
  'max_sentences',
  'greeting',
  'sign_off',
] as const;

function oneOf<T extends string>(values: readonly T[], value: unknown): T | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  return values.find((x) => x === v);
}

/** A positive integer, as a JSON number or a string of digits. */
function positiveInteger(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * A framing text and what it looks like after the persona's word rules: either form counts as
 * present, so output the engine produced (or a provider wrote as configured) passes the check.
 *
 * The styled form is worked out on first use, not when the style is compiled: styling runs every word
 * rule, and the banned-phrase rule then builds its matcher (2,600 phrases: ~15 ms of the event loop,
 * ~100 on a loaded machine, issue 11). The prompt only needs `raw`, so a refine through a provider whose
 * answer is checked in a worker, or never arrives, does not pay for it.
 */
class LazyFraming implements Framing {
  readonly raw: string;
  readonly #style: CompiledStyle;
  #done: Omit<Framing, 'raw'> | undefined;

  constructor(raw: string, style: CompiledStyle) {
    this.raw = raw;
    this.#style = style;
  }

  #styledForms(): Omit<Framing, 'raw'> {
    if (this.#done) return this.#done;
    const raw = this.raw;
    const spans: string[] = [];
    const masked = applyWordRules(mask(raw, spans), this.#style);
    const styled = unmask(masked, spans);
    const marks = { emoji: findEmoji(masked).length, exclamations: findExclamations(masked).length };
    const variants = new Map([raw, styled].map((t) => [framingWords(t).join(' '), framingWords(t)]));
    const cores = [...variants.values()].filter((c) => c.length > 0).sort((a, b) => b.length - a.length);
    this.#done = { styled, cores, marks };
    return this.#done;
  }

  get styled(): string {
    return this.#styledForms().styled;
  }
  get cores(): string[][] {
    return this.#styledForms().cores;
  }
  get marks(): Framing['marks'] {
    return this.#styledForms().marks;
  }
}

function framing(raw: string | undefined, style: CompiledStyle): Framing | undefined {
  return raw === undefined ? undefined : new LazyFraming(raw, style);
}

function parse(a: JsonObject): CompiledStyle {
  const formality = oneOf(formalities, a.formality);
  const contractions = oneOf(contractionModes, a.contractions);
  const implied = formality === 'formal' ? 'never' : formality === 'casual' ? 'always' : undefined;
  const style: CompiledStyle = {
    formality,
    contractions,
    contractionMode: contractions ?? implied,
    emoji: oneOf(emojiLevels, a.emoji),
    exclamations: oneOf(exclamationLevels, a.exclamations),
    spelling: parseSpelling(a.spelling),
    vocabulary: parseVocabulary(a.vocabulary),
    bannedPhrases: parseBannedPhrases(a.banned_phrases),
    maxWords: positiveInteger(a.max_words),
    maxSentences: positiveInteger(a.max_sentences),
    empty: false,
  };
  style.greeting = framing(text(a.greeting), style);
  style.signOff = framing(text(a.sign_off), style);
  style.empty = Object.entries(style).every(([k, v]) => k === 'empty' || v === undefined);
  return style;
}

/**
 * Persona attributes are frozen and reused for a persona version, so their compiled form (the
 * per-persona vocabulary and banned-phrase matchers) is built once. Mutable objects are compiled per
 * call: caching them could serve rules the object no longer holds.
 */
const cache = new WeakMap<JsonObject, CompiledStyle>();

export function compileStyle(attributes: JsonObject): CompiledStyle {
  const cached = cache.get(attributes);
  if (cached) return cached;
  const style = parse(attributes);
  if (Object.isFrozen(attributes)) cache.set(attributes, style);
  return style;
}
