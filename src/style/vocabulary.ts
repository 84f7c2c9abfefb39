/**
 * The style vocabulary's allowed values, for validating a persona's `attributes` when it is written
 * (design.md, "Persona attributes"). The engine reads attributes leniently (a value it does not know is
 * no hard rule); a write refuses a known key with a value outside its vocabulary, so `"emoji": "no"`
 * is a 400 naming the allowed values instead of a rule that silently does nothing.
 *
 * The forms accepted are the ones the engine understands: enum values in any case and with spaces
 * around them, `en_gb` for `en-GB`, integers as numbers or digit strings. `null` clears a rule.
 */

export interface AttributeProblem {
  /** The attribute key at fault. */
  key: string;
  message: string;
}

export interface AttributeWarning {
  /** Dotted path of the field, e.g. `attributes.formalty`. */
  field: string;
  message: string;
}

type Rule = (value: unknown) => string | undefined;

const enumOf =
  (values: readonly string[]): Rule =>
  (value) => {
    const listed = values.join(', ');
    if (typeof value !== 'string') return `must be one of ${listed}`;
    const v = value.trim().toLowerCase();
    return values.some((x) => x.toLowerCase() === v) ? undefined : `must be one of ${listed}`;
  };

const spelling: Rule = (value) => {
  const ok =
    typeof value === 'string' && ['en-us', 'en-gb'].includes(value.trim().toLowerCase().replace('_', '-'));
  return ok ? undefined : 'must be one of en-US, en-GB';
};

const digits = /^\s*\d{1,15}\s*$/;

const positiveInteger: Rule = (value) => {
  const n = typeof value === 'string' && digits.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? undefined : 'must be a positive integer';
};

const text: Rule = (value) => (typeof value === 'string' ? undefined : 'must be a string');

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

const vocabulary: Rule = (value) => {
  const shape = 'must be an object of word → replacement strings, e.g. {"customer": "member"}';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return shape;
  for (const [from, to] of Object.entries(value)) {
    if (!nonEmpty(from) || !nonEmpty(to)) return shape;
  }
  return undefined;
};

const bannedPhrases: Rule = (value) => {
  if (nonEmpty(value)) return undefined;
  const ok = Array.isArray(value) && value.every(nonEmpty);
  return ok ? undefined : 'must be an array of non-empty strings';
};

/** The canonical values of the enumerated style keys (the engine also takes other cases). */
export const styleEnums = {
  formality: ['formal', 'neutral', 'casual'],
  contractions: ['always', 'never', 'auto'],
  emoji: ['none', 'light', 'any'],
  exclamations: ['none', 'light', 'any'],
  spelling: ['en-US', 'en-GB'],
} as const;

/** Every attribute key with a meaning to the engine, and what its value must be. */
export const styleVocabulary: Readonly<Record<string, Rule>> = {
  formality: enumOf(styleEnums.formality),
  contractions: enumOf(styleEnums.contractions),
  emoji: enumOf(styleEnums.emoji),
  exclamations: enumOf(styleEnums.exclamations),
  spelling,
  vocabulary,
  banned_phrases: bannedPhrases,
  max_words: positiveInteger,
  max_sentences: positiveInteger,
  greeting: text,
  sign_off: text,
};

const knownKeys = Object.keys(styleVocabulary);

/** The known keys whose value is outside the vocabulary. */
export function attributeProblems(attributes: Record<string, unknown>): AttributeProblem[] {
  const problems: AttributeProblem[] = [];
  for (const key of knownKeys) {
    if (!Object.hasOwn(attributes, key)) continue;
    const value = attributes[key];
    if (value === null) continue;
    const rule = styleVocabulary[key];
    const message = rule?.(value);
    if (message !== undefined) problems.push({ key, message });
  }
  return problems;
}

/**
 * Unknown keys one edit away from a known one (`formalty`, `Emoji`, `max-words`): probably a typo. They
 * are stored as written (a free-form key is legal) but reported, since the rule they meant is not set.
 */
export function attributeWarnings(attributes: Record<string, unknown>): AttributeWarning[] {
  const warnings: AttributeWarning[] = [];
  for (const key of Object.keys(attributes)) {
    if (Object.hasOwn(styleVocabulary, key)) continue;
    const near = knownKeys.find((k) => withinOneEdit(key, k));
    if (near === undefined) continue;
    warnings.push({
      field: `attributes.${key}`,
      message: `unknown style attribute; did you mean "${near}"? Stored as a free-form attribute, so no "${near}" rule applies`,
    });
  }
  return warnings;
}

/**
 * True when `a` becomes `b` by at most one insertion, deletion, substitution or swap of two adjacent
 * characters. One pass over the shorter string: linear in the key's length, however long it is.
 */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}
