import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { JsonObject } from '../src/core/persona.ts';
import { applyLocalStyle, checkStyle, type StyleCheck } from '../src/style/index.ts';

function only(text: string, attributes: JsonObject): StyleCheck {
  const checks = checkStyle(text, attributes);
  assert.equal(checks.length, 1, JSON.stringify(checks));
  return checks[0] as StyleCheck;
}

/** [rule attributes, text, passed, detail] */
type Case = [JsonObject, string, boolean, string];

const cases: Case[] = [
  [{ formality: 'formal' }, 'I do not know.', true, 'formal: no slang or contractions found'],
  [
    { formality: 'formal' },
    "Yeah, it's gonna work.",
    false,
    'formal: 2 slang words found: "Yeah", "gonna"; 1 contraction found: "it\'s"',
  ],
  [{ formality: 'formal', contractions: 'auto' }, "It's fine.", true, 'formal: no slang found'],
  [{ formality: 'neutral' }, 'Yep.', false, 'neutral: 1 slang word found: "Yep"'],
  [{ formality: 'casual' }, 'We will utilize it.', false, 'casual: 1 stiff word found: "utilize"'],
  // issue 12.2: ordinary phrasing passes casual ("We will", "regarding" are not stiff)
  [
    { formality: 'casual' },
    'We will get back to you regarding your order. That is all.',
    true,
    'casual: no stiff wording found',
  ],
  [{ formality: 'casual' }, "We'll use it.", true, 'casual: no stiff wording found'],
  [{ contractions: 'never' }, "Don't, won't.", false, '2 contractions found: "Don\'t", "won\'t"'],
  [{ contractions: 'always' }, 'I do not know what it is.', false, '1 uncontracted pair found: "do not"'],
  [{ contractions: 'always' }, "I don't know what it is.", true, 'no uncontracted pairs found'],
  [{ contractions: 'auto' }, 'I do not.', true, 'auto: not enforced'],
  [{ emoji: 'none' }, 'Hi 😀 there 🎉', false, '2 emoji found: "😀", "🎉" (at most 0 allowed)'],
  [{ emoji: 'none' }, 'Hi there © 2024', true, 'no emoji found'],
  [{ emoji: 'light' }, 'Hi 😀', true, '1 emoji found: "😀" (at most 1 allowed)'],
  [{ emoji: 'light' }, 'Hi 😀 👋🏽', false, '2 emoji found: "😀", "👋🏽" (at most 1 allowed)'],
  [{ emoji: 'any' }, 'Hi 😀 👋🏽', true, '2 emoji found (any number allowed)'],
  [{ exclamations: 'none' }, 'Hi! Wow!!', false, '3 exclamation marks found (at most 0 allowed)'],
  [{ exclamations: 'light' }, 'Hi! Wow.', true, '1 exclamation mark found (at most 1 allowed)'],
  [{ exclamations: 'none' }, 'Hi.', true, 'no exclamation marks found'],
  [{ spelling: 'en-US' }, 'The colour centre.', false, '2 British spellings found: "colour", "centre"'],
  [{ spelling: 'en-GB' }, 'The color center.', false, '2 American spellings found: "color", "center"'],
  [{ spelling: 'en-GB' }, 'The colour centre.', true, 'no American spellings found'],
  [
    { vocabulary: { customer: 'member' } },
    'Customers and a customer.',
    false,
    '2 replaced words found: "Customers" (use "members"), "customer" (use "member")',
  ],
  [{ vocabulary: { customer: 'valued customer' } }, 'A valued customer.', true, 'no replaced words found'],
  [
    { banned_phrases: ['as an AI language model'] },
    'As an AI language model, I agree.',
    false,
    '1 banned phrase found: "As an AI language model"',
  ],
  [{ banned_phrases: ['as an AI'] }, 'As an AIM user, I agree.', true, 'no banned phrases found'],
  [{ max_words: 5 }, 'One two three four five six.', false, '6 words > max_words 5'],
  [{ max_words: 5 }, 'One two — three 🎉 four five.', true, '5 words <= max_words 5'],
  [{ max_sentences: 2 }, 'One. Two. Three.', false, '3 sentences > max_sentences 2'],
  [{ max_sentences: 2 }, 'Dr. Lee, e.g. here. Version 2.0 is out.', true, '2 sentences <= max_sentences 2'],
  [{ greeting: 'Hi there!' }, 'Hi there, all good.', true, 'starts with "Hi there!"'],
  [{ greeting: 'Hi there!' }, 'All good. Hi there!', false, 'does not start with "Hi there!"'],
  [{ sign_off: 'Cheers, Ana' }, 'All good.\n\nCheers,\nAna 👋', true, 'ends with "Cheers, Ana"'],
  [{ sign_off: 'Cheers, Ana' }, 'Cheers, Ana. All good.', false, 'does not end with "Cheers, Ana"'],
];

describe('each rule: pass and fail with what was found', () => {
  for (const [attributes, text, passed, detail] of cases) {
    const rule = Object.keys(attributes)[0] ?? '';
    test(`${JSON.stringify(attributes)} on ${JSON.stringify(text)}`, () => {
      const checks = checkStyle(text, attributes);
      const check = checks.find((c) => c.rule === rule);
      assert.deepEqual(check, { rule, passed, detail });
    });
  }
});

describe('which checks run', () => {
  test('one check per set rule, in a fixed order; free-form and invalid keys have none', () => {
    const attributes = {
      sign_off: 'Bye',
      tone: 'warm',
      max_words: 100,
      emoji: 'lots',
      formality: 'formal',
      spelling: 'en-GB',
      greeting: 'Hi',
    };
    assert.deepEqual(
      checkStyle('Hi. Text. Bye', attributes).map((c) => c.rule),
      ['formality', 'spelling', 'max_words', 'greeting', 'sign_off'],
    );
  });

  test('no attributes, no checks', () => {
    assert.deepEqual(checkStyle('anything!', {}), []);
    assert.deepEqual(checkStyle('anything!', { tone: 'warm' }), []);
  });
});

describe('protected spans are not checked', () => {
  test('code, URLs and emails may hold anything', () => {
    const attributes = {
      emoji: 'none',
      exclamations: 'none',
      spelling: 'en-US',
      contractions: 'never',
      vocabulary: { customer: 'member' },
      banned_phrases: ['gonna'],
    };
    const text =
      "Run `colour!` then:\n```\ndon't 🎉 customer gonna!\n```\nSee https://x.io/colour!/customer and a.customer@colour.io.";
    for (const check of checkStyle(text, attributes)) assert.ok(check.passed, JSON.stringify(check));
  });

  test('a code block counts as one word', () => {
    const text = 'Run:\n```\nnpm install a b c d e f g h\n```';
    assert.deepEqual(only(text, { max_words: 2 }), {
      rule: 'max_words',
      passed: true,
      detail: '2 words <= max_words 2',
    });
  });
});

describe('limits count the content between greeting and sign-off', () => {
  test('greeting and sign-off words do not count', () => {
    const attributes = { greeting: 'Hi there!', sign_off: 'Cheers, Ana', max_words: 3, max_sentences: 1 };
    const checks = checkStyle('Hi there! Your order shipped. Cheers, Ana', attributes);
    assert.deepEqual(
      checks.map((c) => [c.rule, c.passed, c.detail]),
      [
        ['max_words', true, '3 words <= max_words 3'],
        ['max_sentences', true, '1 sentence <= max_sentences 1'],
        ['greeting', true, 'starts with "Hi there!"'],
        ['sign_off', true, 'ends with "Cheers, Ana"'],
      ],
    );
  });

  test('without them present, every word counts', () => {
    const check = checkStyle('Hello! Your order shipped.', { greeting: 'Hi there!', max_words: 3 })[0];
    assert.deepEqual(check, { rule: 'max_words', passed: false, detail: '4 words > max_words 3' });
  });
});

describe('the engine repairs what the checks flag', () => {
  const attributes: JsonObject = {
    formality: 'formal',
    emoji: 'none',
    exclamations: 'light',
    spelling: 'en-US',
    vocabulary: { customer: 'member' },
    banned_phrases: ['as an AI language model'],
    max_words: 12,
    max_sentences: 2,
    greeting: 'Hello,',
    sign_off: 'Kind regards, Ana',
  };
  const answers = [
    "As an AI language model, I can't promise! But yeah, your colour order ships today 🎉!! Every customer gets it. More text here.",
    'Sure!!! The customer centre opens at 9:00. It is gonna be great. Thanks!',
    '```\nconst colour = "gonna!";\n```\nThat is the fix!',
  ];
  for (const answer of answers) {
    test(JSON.stringify(answer), () => {
      assert.ok(checkStyle(answer, attributes).some((c) => !c.passed));
      const repaired = applyLocalStyle(answer, attributes);
      const failed = checkStyle(repaired, attributes).filter((c) => c.passed === false);
      assert.deepEqual(failed, [], repaired);
    });
  }
});

test('formal flags chat abbreviations and interjections (issue 12.2)', () => {
  const [check] = checkStyle('OMG lol, idk tbh. Gonna ship it btw.', { formality: 'formal' });
  assert.equal(check?.passed, false);
  for (const word of ['OMG', 'lol', 'idk', 'tbh', 'Gonna', 'btw'])
    assert.match(check?.detail ?? '', new RegExp(`"${word}"`));
});

test('a check that cannot decide says so: formality on a text with no prose (issue 12.2)', () => {
  const [check] = checkStyle('```\nconst x = 1;\n```\nhttps://x.io 42 🎉', { formality: 'formal' });
  assert.deepEqual(check, {
    rule: 'formality',
    passed: null,
    detail: 'formal: undetermined, no prose to judge',
  });
});
