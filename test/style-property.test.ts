import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { JsonObject } from '../src/core/persona.ts';
import { applyLocalStyle, checkStyle, protectedSpans, type StyleCheck } from '../src/style/index.ts';
import { mask, unmask } from '../src/style/protect.ts';
import { sentences } from '../src/style/sentences.ts';

/**
 * The engine's promise, on any text and any attribute set: its output passes every check of the
 * rules it applied, and every protected span of the input comes out unchanged (or, with a length
 * limit, is cut off whole: the spans left are the input's first ones, in order).
 */

const words = [
  'the',
  'a',
  'we',
  'it',
  'team',
  'order',
  'shipped',
  'today',
  'Done',
  'Sure',
  'I',
  'gonna',
  'Yeah',
  'BTW',
  'dunno',
  'utilize',
  'in order to',
  'prior to',
  "don't",
  "it's",
  "I'm",
  "won't",
  "can't",
  "you'd",
  'do not',
  'it is',
  'I am',
  'we will',
  'I have been',
  'colour',
  'color',
  'Centre',
  'center',
  'organised',
  'organize',
  'catalogue',
  'analyzes',
  'customer',
  'Customers',
  'sign up',
  'user',
  'as an AI language model',
  'As an AI language model,',
  'I hope this helps',
  'great question',
  'Hi there',
  'Cheers, Ana',
  'e.g.',
  'Dr.',
];
const marks = ['.', '!', '?', '!!', '?!', ',', ':', '…', ''];
const protectedFragments = [
  'https://example.com/colour?x=1&y=gonna!',
  'www.organise.co.uk/centre',
  '[docs](https://x.io/a_(b))',
  'ana.colour@example.co.uk',
  '`colour!`',
  "``a `don't` b``",
  '```\nconst colour = "don\'t"; // gonna! 🎉\n```',
  '3.14',
  '1,000',
  '10%',
  'v2.1.3',
  '24/7',
  '12:30',
  '2nd',
  '42',
];
const emoji = ['🎉', '👍🏽', '🇬🇧', '👨‍👩‍👧', '❤️', '🚀', '1️⃣', '©', '™'];

const fragment = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.tuple(fc.constantFrom(...words), fc.constantFrom(...marks)).map(([w, m]) => w + m),
  },
  { weight: 2, arbitrary: fc.constantFrom(...protectedFragments) },
  { weight: 1, arbitrary: fc.constantFrom(...emoji) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
);
const separator = fc.constantFrom(' ', ' ', ' ', '\n', '\n\n', '');
const text = fc
  .array(fc.tuple(fragment, separator), { maxLength: 40 })
  .map((parts) => parts.map(([f, s]) => f + s).join(''));

const attributes: fc.Arbitrary<JsonObject> = fc.record(
  {
    formality: fc.constantFrom('formal', 'neutral', 'casual'),
    contractions: fc.constantFrom('always', 'never', 'auto'),
    emoji: fc.constantFrom('none', 'light', 'any'),
    exclamations: fc.constantFrom('none', 'light', 'any'),
    spelling: fc.constantFrom('en-US', 'en-GB'),
    vocabulary: fc.constantFrom({ customer: 'member' }, { 'sign up': 'register', user: 'member' }),
    banned_phrases: fc.constantFrom(['as an AI language model'], ['I hope this helps', 'great question']),
    max_words: fc.integer({ min: 1, max: 40 }),
    max_sentences: fc.integer({ min: 1, max: 6 }),
    greeting: fc.constantFrom('Hi there!', 'Hello,'),
    sign_off: fc.constantFrom('Cheers, Ana', 'Best regards,\nThe team'),
    tone: fc.constantFrom('warm', 'dry'),
  },
  { requiredKeys: [] },
);

function assertPromise(input: string, attrs: JsonObject) {
  const out = applyLocalStyle(input, attrs);
  const failed = checkStyle(out, attrs).filter(
    (c) => c.passed === false && !bannedLeftOnPurpose(c, out, attrs),
  );
  assert.deepEqual(failed, [], `output ${JSON.stringify(out)}`);
  assertSpansKept(protectedSpans(input), protectedSpans(out), attrs, out);
}

/**
 * A banned phrase that is no clause of its own is removed with its sentence, unless that sentence holds
 * a protected span (docs/style.md, "banned phrases"): then the text stays and the check reports it. Allowed
 * only when every sentence with a phrase holds a span.
 */
function bannedLeftOnPurpose(check: StyleCheck, out: string, attrs: JsonObject): boolean {
  if (check.rule !== 'banned_phrases') return false;
  const spans: string[] = [];
  const masked = mask(out, spans);
  const only = { banned_phrases: attrs.banned_phrases ?? [] };
  return sentences(masked).every((s) => {
    const piece = masked.slice(s.start, s.end);
    return checkStyle(unmask(piece, spans), only)[0]?.passed !== false || /[\uE000\uE002]/.test(piece);
  });
}

const OPEN_FENCE = /^(`{3,}|~{3,})/;

/**
 * The input's protected spans, in order, are among the output's: all of them, or with a length limit
 * the first ones, the rest cut off entirely (none of them further on). A fence left open may come out
 * closed (a sign-off was appended after it). The output may hold spans the input did not ("www" +
 * "!" -> "www."): only the input's are promised.
 */
function assertSpansKept(before: string[], after: string[], attrs: JsonObject, out: string) {
  const same = (a: string, b: string) => a === b || (OPEN_FENCE.test(b) && a.startsWith(b));
  let from = 0;
  let kept = 0;
  for (const span of before) {
    const at = after.findIndex((a, i) => i >= from && same(a, span));
    if (at < 0) break;
    kept++;
    from = at + 1;
  }
  const why = `spans ${JSON.stringify(before)} -> ${JSON.stringify(after)} in ${JSON.stringify(out)}`;
  if (attrs.max_words === undefined && attrs.max_sentences === undefined) {
    assert.equal(kept, before.length, why);
  } else {
    const rest = before.slice(kept + 1);
    assert.ok(!after.slice(from).some((a) => rest.some((b) => same(a, b) && a.length > 3)), why);
  }
}

describe('applyLocalStyle output passes its own checks and keeps protected spans', () => {
  const inputs = [
    "Yeah, I don't think it's gonna work! 🎉 The colour is fine. See https://example.com/a?b=1! v2.1.3 costs $1,000 (10%).",
    'As an AI language model, I can not say. Every customer should sign up prior to launch!!',
    'Steps:\n1. Install it\n2. Run `npm test`\n3. Done!\n\n```sh\nnpm run build\n```\nCheers, Ana',
    'Hi there! We will utilize the catalogue. I am sure it is fine. Dr. Lee agrees, e.g. today.',
    '',
    '🎉🎉🎉',
  ];
  const sets: JsonObject[] = [
    { formality: 'formal' },
    { formality: 'casual' },
    { contractions: 'always' },
    { contractions: 'never' },
    { emoji: 'none' },
    { emoji: 'light' },
    { exclamations: 'none' },
    { exclamations: 'light' },
    { spelling: 'en-US' },
    { spelling: 'en-GB' },
    { vocabulary: { customer: 'member' } },
    { banned_phrases: ['as an AI language model', 'I hope this helps'] },
    { max_words: 7 },
    { max_sentences: 2 },
    { greeting: 'Hi there!', sign_off: 'Cheers, Ana' },
    {
      formality: 'formal',
      emoji: 'light',
      exclamations: 'none',
      spelling: 'en-GB',
      vocabulary: { customer: 'member' },
      banned_phrases: ['as an AI language model'],
      max_words: 20,
      max_sentences: 3,
      greeting: 'Hello,',
      sign_off: 'Best regards,\nThe team',
    },
  ];
  for (const attrs of sets) {
    test(`table: ${JSON.stringify(attrs)}`, () => {
      for (const input of inputs) assertPromise(input, attrs);
    });
  }

  test('random text and attribute sets (fast-check)', () => {
    fc.assert(
      fc.property(text, attributes, (input, attrs) => assertPromise(input, attrs)),
      { numRuns: 400 },
    );
  });
});

test('refining the output again changes nothing (idempotent), limits and framing included', () => {
  // a greeting or sign-off already in the text used to count towards max_sentences on the second run,
  // which then cut what the first had kept: 1,265 of 3,000 random cases changed on a second run
  fc.assert(
    fc.property(text, attributes, (input, attrs) => {
      const once = applyLocalStyle(input, attrs);
      assert.equal(applyLocalStyle(once, attrs), once, `from ${JSON.stringify(input)}`);
    }),
    { numRuns: 1500 },
  );
});
