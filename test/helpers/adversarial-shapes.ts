/**
 * The worst text and JSON shapes of the adversarial-size suite (issue 11): what makes a regex backtrack,
 * a segmenter rescan, a patch amplify or a parser recurse. Every generator is deterministic, so a failure
 * reproduces with the same bytes.
 */

/** Repeats `unit` up to exactly `chars` UTF-16 code units (cut mid-unit at the end if need be). */
export const runOf = (unit: string, chars: number) =>
  unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars);

/** Text shapes, each at a given length; names appear in the failure messages. */
export const textShapes: Record<string, (chars: number) => string> = {
  newlines: (n) => runOf('\n', n),
  spaces: (n) => runOf(' ', n),
  'mixed whitespace': (n) => runOf(' \t\n\r\u00a0\u2003', n),
  '". " runs': (n) => runOf('. ', n),
  'one-letter sentences': (n) => runOf('a. ', n),
  'delimiter runs': (n) => runOf('!?,;:…—()[]"\'-', n),
  exclamations: (n) => runOf('!', n),
  backticks: (n) => runOf('`', n),
  'code fences': (n) => runOf('```\n', n),
  'URL and number lookalikes': (n) => runOf('http://a.1.2,3% www. b@c ', n),
  'banned-phrase prefixes': (n) => runOf('as an AI ', n),
  'emoji ZWJ sequences': (n) => runOf('👨‍👩‍👧‍👦🏳️‍🌈', n),
};

/** A word made of letters only, distinct for each i (phrases and vocabulary keys must be words). */
export function wordOf(i: number): string {
  let s = '';
  let n = i;
  do {
    s += String.fromCharCode(97 + (n % 26));
    n = Math.floor(n / 26);
  } while (n > 0);
  return `q${s}`;
}

/**
 * 2,500+ small banned phrases sharing the prefix the 'banned-phrase prefixes' shape repeats: an
 * alternation tried phrase by phrase at every position is 2,500 attempts per word.
 */
export const bannedPhrases = (count = 2600) =>
  Array.from({ length: count }, (_, i) => `as an AI ${wordOf(i)}`);

/**
 * A /v1 persona with every hard rule on and the length limits at their tightest, under the 64 KiB
 * attributes limit.
 */
export function everyRuleAttributes() {
  return {
    tone: 'warm',
    formality: 'casual',
    contractions: 'always',
    emoji: 'none',
    exclamations: 'light',
    spelling: 'en-GB',
    vocabulary: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [wordOf(i + 5000), 'member'])),
    banned_phrases: bannedPhrases(),
    max_sentences: 1,
    max_words: 3,
    greeting: 'Hi there!',
    sign_off: 'Cheers, Ana',
  };
}

/** `depth` nested objects (`{"a":{"a":…}}`), the innermost holding `leaf`. */
export function nested(depth: number, leaf: unknown = 'x'): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** An object with `keys` short keys, each holding `value`. */
export const wide = (keys: number, value: unknown = 1) =>
  Object.fromEntries(Array.from({ length: keys }, (_, i) => [wordOf(i), value]));

/** A body of `depth` opening brackets (never closed): the parser must stop at its depth limit. */
export const bracketBomb = (depth: number) => '['.repeat(depth);

/**
 * JSON Patch amplification (issue 11.4): each `copy` doubles /amp, so 16 ops on a 1 KiB seed make a
 * 64 MiB document out of a 1 KiB request.
 */
export function doublingPatch(doublings: number, seedBytes = 1024) {
  const ops: unknown[] = [{ op: 'add', path: '/amp', value: { s: 'x'.repeat(seedBytes) } }];
  for (let i = 0; i < doublings; i++) ops.push({ op: 'copy', from: '/amp', path: `/amp/${wordOf(i)}` });
  return ops;
}

/** `copies` ops each copying one `seedBytes` string to a new field: copies × seed bytes stored. */
export function wideCopyPatch(copies: number, seedBytes: number) {
  const ops: unknown[] = [{ op: 'add', path: '/blob', value: 'y'.repeat(seedBytes) }];
  for (let i = 0; i < copies; i++) ops.push({ op: 'copy', from: '/blob', path: `/${wordOf(i)}` });
  return ops;
}

/** Copies /n into its own child `levels` times: one level deeper per op. */
export function deepeningPatch(levels: number) {
  const ops: unknown[] = [{ op: 'add', path: '/n', value: {} }];
  for (let i = 0; i < levels; i++) ops.push({ op: 'copy', from: '/n', path: '/n/a' });
  return ops;
}

/** Copies /n into its own deepest object `times` times: the nesting doubles with each op (2^times). */
export function doublingDepthPatch(times: number) {
  const ops: unknown[] = [{ op: 'add', path: '/n', value: {} }];
  let depth = 1;
  for (let i = 0; i < times; i++) {
    ops.push({ op: 'copy', from: '/n', path: `/n${'/a'.repeat(depth)}` });
    depth *= 2;
  }
  return ops;
}
