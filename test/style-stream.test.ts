import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { JsonObject } from '../src/core/persona.ts';
import { deepFreeze } from '../src/core/persona-cache.ts';
import { compileStyle } from '../src/style/compile.ts';
import { checkStyle } from '../src/style/index.ts';
import { StreamEnforcer } from '../src/style/stream-enforcer.ts';

/**
 * Issue 12.3: streaming with enforce sends fixed text. Whatever way the provider splits its answer, the
 * deltas concatenate to the response, every prefix a client has seen already obeys the mark and phrase
 * rules, and the response passes the checks.
 */

const personas: JsonObject[] = [
  {
    formality: 'formal',
    emoji: 'none',
    exclamations: 'light',
    banned_phrases: ['as an AI language model', 'great question'],
    vocabulary: { customer: 'member' },
    spelling: 'en-US',
  },
  { emoji: 'light', exclamations: 'none', max_sentences: 3, greeting: 'Hi there!', sign_off: 'Cheers, Ana' },
  { max_words: 12, contractions: 'always', sign_off: 'Best regards,\nThe team' },
];

const answers = [
  'Great question! As an AI language model, I think the colour is fine 🎉!\nEvery customer gets it.\n\n```js\nconst colour = "gonna 🎉!";\n```\nDone!! Yeah, gonna ship it. 🚀',
  'Step one: open https://example.com/a!\n1. Install it\n2. Run `npm test` 🎉\nThat is all. It is fine. We do not know more.\nThanks!',
  'One. Two! Three? Four.\nFive 🎉 six 🎉 seven!\n',
];

function run(attributes: JsonObject, deltas: string[]) {
  const seen: string[] = [];
  const enforcer = new StreamEnforcer(attributes, (text) => {
    seen.push(text);
    const prefix = seen.join('');
    // what a client has on screen obeys the rules a prefix can break
    for (const check of checkStyle(prefix, attributes)) {
      if (
        ['emoji', 'exclamations', 'banned_phrases', 'vocabulary', 'spelling', 'formality'].includes(
          check.rule,
        )
      ) {
        assert.equal(check.passed, true, `${check.rule} broken in the prefix ${JSON.stringify(prefix)}`);
      }
    }
  });
  for (const d of deltas) enforcer.push(d);
  const response = enforcer.finish();
  return { response, seen };
}

function splits(text: string) {
  return fc.array(fc.nat(text.length), { maxLength: 12 }).map((cuts) => {
    const at = [...new Set([0, ...cuts, text.length])].sort((a, b) => a - b);
    return at.slice(1).map((end, i) => text.slice(at[i], end));
  });
}

describe('streamed enforce (issue 12.3)', () => {
  personas.forEach((attributes, i) => {
    test(`persona ${i}: deltas are the response, fixed, however the answer is split`, () => {
      for (const answer of answers) {
        const whole = run(attributes, [answer]).response;
        for (const check of checkStyle(whole, attributes))
          assert.equal(check.passed, true, `${check.rule}: ${check.detail} in ${JSON.stringify(whole)}`);
        fc.assert(
          fc.property(splits(answer), (deltas) => {
            const { response, seen } = run(attributes, deltas);
            assert.equal(seen.join(''), response);
            assert.equal(response, whole);
          }),
          { numRuns: 40 },
        );
      }
    });
  });

  test('held back only to the end of the line', () => {
    const seen: string[] = [];
    const enforcer = new StreamEnforcer({ emoji: 'none' }, (t) => void seen.push(t));
    enforcer.push('First line 🎉 here.\nSecond');
    assert.deepEqual(seen, ['First line here.']);
    enforcer.push(' line.');
    assert.equal(enforcer.finish(), 'First line here.\nSecond line.');
  });

  test("a persona's phrase matcher and vocabulary are compiled once for a stream, not once per line", () => {
    // Cached personas are deep-frozen; the enforcer copies their attributes per line (its limits change).
    // Letters for digits: a number inside a phrase is protected text, which no rule changes.
    const word = (i: number) => [...String(i)].map((d) => 'abcdefghij'[Number(d)]).join('');
    const phrases = Array.from({ length: 2600 }, (_, i) => `banned phrase ${word(i)}`);
    const attributes = deepFreeze({
      banned_phrases: phrases,
      vocabulary: { customer: 'member' },
      max_sentences: 40,
    });
    const shared = compileStyle(attributes);
    const seen: string[] = [];
    const enforcer = new StreamEnforcer(attributes, (t) => void seen.push(t));
    for (let i = 0; i < 30; i++) enforcer.push(`Banned phrase ${word(i)}, the customer is here.\n`);
    const text = enforcer.finish();
    assert.equal(text, 'The member is here.\n'.repeat(30).trimEnd());
    // A per-line copy of the attributes gets the compiled rules of the persona's own lists.
    const copy = compileStyle({ ...attributes, max_sentences: 3 });
    assert.equal(copy.bannedPhrases, shared.bannedPhrases);
    assert.equal(copy.vocabulary, shared.vocabulary);
    assert.equal(shared.bannedPhrases?.matcherBuilt, true);
  });

  test('one character at a time stays linear: 20,000 lines cost no more than 4x 5,000 lines', () => {
    const cost = (lines: number) => {
      const text = 'Yeah, gonna work 🎉!\n'.repeat(lines);
      const t0 = performance.now();
      const enforcer = new StreamEnforcer({ formality: 'formal', emoji: 'none' }, () => {});
      for (let i = 0; i < text.length; i += 3) enforcer.push(text.slice(i, i + 3));
      enforcer.finish();
      return performance.now() - t0;
    };
    cost(500);
    const small = Math.min(cost(5000), cost(5000));
    const large = Math.min(cost(20000), cost(20000));
    assert.ok(large < small * 12, `${small.toFixed(0)} ms -> ${large.toFixed(0)} ms`);
  });
});
