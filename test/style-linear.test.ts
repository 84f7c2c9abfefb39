import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { JsonObject } from '../src/core/persona.ts';
import { applyLocalStyle, checkStyle } from '../src/style/index.ts';

/**
 * Issue 11.1: every rule and every check is linear in the size of the text, whatever its shape. On the
 * shapes that were quadratic (runs of whitespace, newlines, ". " or list markers) the time at 4x the input
 * was 12-16x; a linear engine stays near 4x. Timed as the best of three runs, interleaved, and judged
 * only when the smaller input takes long enough to measure (every quadratic shape did, 0.3-1.3 s; at a
 * few milliseconds a loaded machine's noise is larger than the signal): the bound is 12x (GC of the masked spans alone can push a linear shape to 10x).
 */

const personas: Record<string, JsonObject> = {
  support: {
    formality: 'casual',
    contractions: 'always',
    emoji: 'none',
    exclamations: 'light',
    banned_phrases: ['as an AI language model', 'per my last message'],
  },
  formal: { formality: 'formal', contractions: 'never', spelling: 'en-US' },
  gb: { formality: 'neutral', spelling: 'en-GB', emoji: 'light', exclamations: 'none' },
  sentences: { max_sentences: 1 },
  words: { max_words: 5 },
  manyPhrases: { banned_phrases: Array.from({ length: 2500 }, (_, i) => `phrase number ${i} here`) },
  repetitivePhrases: { banned_phrases: ['a a a a a a a a a b', 'a', 'as an', 'an as', 'as an AI'] },
  vocabulary: {
    vocabulary: Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`word${i}x`, `term${i}y`])),
  },
  framing: { greeting: 'Hi there!', sign_off: 'Cheers, Ana', max_sentences: 3 },
};

const shapes: Record<string, (n: number) => string> = {
  newlines: (n) => '\n'.repeat(n),
  spaces: (n) => ' '.repeat(n),
  mixedSpace: (n) => ' \t\n '.repeat(n / 4),
  dotSpace: (n) => '. '.repeat(n / 2),
  listMarkers: (n) => '1. '.repeat(n / 3),
  abbreviations: (n) => 'Dr. '.repeat(n / 4),
  ellipses: (n) => 'a... '.repeat(n / 5),
  words: (n) => 'as an '.repeat(n / 6),
  slang: (n) => 'lol gonna, '.repeat(n / 11),
  bannedSentences: (n) => 'As an AI language model, I see. I can help as an AI. '.repeat(n / 52),
  longWord: (n) => 'a'.repeat(n),
  emoji: (n) => '🎉'.repeat(n / 2),
  keycaps: (n) => '1️⃣ '.repeat(n / 4),
  urls: (n) => 'http://a.io/x '.repeat(n / 14),
  emails: (n) => 'a@b.io '.repeat(n / 7),
  atSigns: (n) => 'a@'.repeat(n / 2),
  bangs: (n) => '!'.repeat(n),
  commas: (n) => ',;'.repeat(n / 2),
  backticks: (n) => '`'.repeat(n),
  quotes: (n) => '"'.repeat(n),
};

const SMALL = 40_000;
const MEASURABLE_MS = 15;
const BOUND = 12;

function once(text: string, attributes: JsonObject): number {
  const t0 = performance.now();
  checkStyle(applyLocalStyle(text, attributes), attributes);
  return performance.now() - t0;
}

/** Best of three for each size, interleaved so a busy spell of the machine hits both alike. */
function times(make: (n: number) => string, attributes: JsonObject): [number, number] {
  const small = make(SMALL);
  const large = make(SMALL * 4);
  let s = Number.POSITIVE_INFINITY;
  let l = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 3; r++) {
    s = Math.min(s, once(small, attributes));
    l = Math.min(l, once(large, attributes));
  }
  return [s, l];
}

describe('the engine and its checks are linear in the text (issue 11.1)', () => {
  for (const [name, attributes] of Object.entries(personas)) {
    test(name, () => {
      const frozen = Object.freeze(attributes);
      const slow: string[] = [];
      for (const [shape, make] of Object.entries(shapes)) {
        once(make(2000), frozen); // compile and warm up
        // a busy spell of the machine can hit one measurement: a shape is slow only if it is slow twice
        let verdict = '';
        for (let attempt = 0; attempt < 2; attempt++) {
          const [small, large] = times(make, frozen);
          if (small < MEASURABLE_MS || large / small <= BOUND) {
            verdict = '';
            break;
          }
          verdict = `${shape}: ${small.toFixed(1)} ms -> ${large.toFixed(1)} ms (${(large / small).toFixed(1)}x)`;
        }
        if (verdict) slow.push(verdict);
      }
      assert.deepEqual(slow, [], `superlinear at 4x the input:\n${slow.join('\n')}`);
    });
  }
});
