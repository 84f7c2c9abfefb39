import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CONTENT } from '../src/style/chars.ts';
import { mask, maskFully } from '../src/style/protect.ts';
import { countWords, cutAtWord, startOfRun } from '../src/style/segment.ts';

/**
 * The local engine's hand-written scans (segment.ts, protect.ts) replaced regexes on the hot path; each
 * must give exactly what the regex it replaced gives, on any text.
 */

const WORD = new RegExp(`[^\\s${CONTENT}]*[${CONTENT}]\\S*`, 'g');

/** Text that hits the edges: every kind of whitespace, token characters, letters, marks, emoji, URLs. */
const pieces = fc.constantFrom(
  '\u1680',
  ' ',
  '\t',
  '\n',
  '\u00a0',
  '\u2003',
  '\u3000',
  '\ufeff',
  'a',
  'É',
  'я',
  '字',
  '—',
  '!',
  '🎉',
  '\uE000',
  '\uE00F',
  '\uE020',
  '`',
  '```',
  '~~~',
  '@',
  '7',
  'http://x.io',
  'HTTPS://y.io/a',
  'www.z.com',
  'WWW.Q.ORG',
  'ht',
  'ww.',
  'hello',
  'h',
  'w',
  ':',
  '/',
  '://',
);
const texts = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.array(pieces).map((a) => a.join('')),
);

test('countWords counts exactly what the WORD regex matches, and stops past the limit', () => {
  fc.assert(
    fc.property(texts, fc.nat(20), (text, limit) => {
      const expected = text.match(WORD)?.length ?? 0;
      assert.equal(countWords(text), expected);
      assert.equal(countWords(text, limit), Math.min(expected, limit + 1));
    }),
    { numRuns: 3000 },
  );
});

test('cutAtWord cuts after the n-th WORD match, or gives null when no word follows', () => {
  fc.assert(
    fc.property(texts, fc.integer({ min: 1, max: 12 }), (text, n) => {
      const matches = [...text.matchAll(WORD)];
      const nth = matches[n - 1];
      const expected =
        nth !== undefined && matches.length > n ? text.slice(0, nth.index + nth[0].length) : null;
      assert.equal(cutAtWord(text, n), expected);
    }),
    { numRuns: 3000 },
  );
});

test('startOfRun finds the n-th match of /\\S+/', () => {
  fc.assert(
    fc.property(texts, fc.integer({ min: 1, max: 12 }), (text, n) => {
      const runs = [...text.matchAll(/\S+/g)];
      assert.equal(startOfRun(text, n), runs[n - 1]?.index ?? -1);
    }),
    { numRuns: 3000 },
  );
});

test('mask with its shortcut gives exactly what the full pattern gives', () => {
  fc.assert(
    fc.property(texts, (text) => {
      const spans: string[] = [];
      const fullSpans: string[] = [];
      assert.equal(mask(text, spans), maskFully(text, fullSpans));
      assert.deepEqual(spans, fullSpans);
    }),
    { numRuns: 5000 },
  );
});
