/**
 * Character classes shared by the hot-path patterns, as code point ranges (regex source). A Unicode
 * property class (\p{L}) with the `u` flag makes these patterns several times slower; ranges cover
 * the letters and digits of the scripts in use (Latin, Greek, Cyrillic, Indic, CJK, Hangul, ...).
 * Punctuation, symbols and emoji (surrogate pairs) fall outside.
 */
export const LETTER_OR_DIGIT =
  'A-Za-z0-9\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u1FFF\\u2C00-\\u2DFF\\u3040-\\uD7FF\\uF900-\\uFAFF\\uFF10-\\uFFDC';

/**
 * Private-use characters of protected-span tokens (protect.ts) and of transient rule markers:
 * U+E000-U+E002 and U+E010-U+E019 build tokens, U+E003-U+E00F are markers a rule removes again.
 */
export const TOKEN_RANGE = '\\uE000-\\uE01F';

/** A word character for counting: a letter, a digit or a protected token. */
export const CONTENT = LETTER_OR_DIGIT + TOKEN_RANGE;
