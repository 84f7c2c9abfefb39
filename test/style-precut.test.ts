import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { applyLocalStyle } from '../src/style/index.ts';

const words = [
  'in order to',
  'do not',
  'it is',
  'we are',
  'customer',
  'colour',
  'gonna',
  'Hello!',
  'ok.',
  'yes?',
];
const pieces = fc.constantFrom(
  ...words,
  'https://example.com/a?b=1',
  '`code x`',
  '3.14',
  '🎉',
  '!!',
  '.',
  '\n\n',
  '```\nlet x = 1;\n```',
  'the order shipped',
  'prior to that',
);

test('cutting early for max_words never changes the output', () => {
  fc.assert(
    fc.property(
      fc.array(pieces, { minLength: 0, maxLength: 400 }),
      fc.integer({ min: 1, max: 40 }),
      fc.record({
        formality: fc.constantFrom('formal', 'casual', 'neutral', undefined),
        contractions: fc.constantFrom('always', 'never', 'auto', undefined),
        emoji: fc.constantFrom('none', 'light', 'any', undefined),
        exclamations: fc.constantFrom('none', 'light', undefined),
        vocabulary: fc.constantFrom(undefined, { customer: 'member' }, { 'the order shipped': 'done' }),
        max_sentences: fc.constantFrom(undefined, 2, 5),
        sign_off: fc.constantFrom(undefined, 'Cheers!'),
      }),
      (parts, maxWords, extra) => {
        const attributes = Object.freeze(
          Object.fromEntries(
            Object.entries({ ...extra, max_words: maxWords }).filter(([, v]) => v !== undefined),
          ),
        );
        const text = parts.join(' ');
        assert.equal(applyLocalStyle(text, attributes), applyLocalStyle(text, attributes, { precut: false }));
      },
    ),
    { numRuns: 300 },
  );
});
