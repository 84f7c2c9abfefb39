import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { JsonObject } from '../src/core/persona.ts';
import { applyLocalStyle, enforceStyle } from '../src/style/index.ts';

/** [input, attributes, expected output] */
type Case = [string, JsonObject, string];

function table(title: string, cases: Case[]) {
  describe(title, () => {
    for (const [input, attributes, expected] of cases) {
      test(`${JSON.stringify(attributes)}: ${JSON.stringify(input)}`, () => {
        assert.equal(applyLocalStyle(input, attributes), expected);
      });
    }
  });
}

table('formality', [
  [
    "Yeah, I don't think it's gonna work. BTW, ping me ASAP.",
    { formality: 'formal' },
    'Yes, I do not think it is going to work. By the way, ping me as soon as possible.',
  ],
  ['Hey, I dunno. Wanna try?', { formality: 'formal' }, 'Hello, I do not know. Want to try?'],
  // neutral drops slang but keeps contractions as written
  ["Yeah, it's kinda slow.", { formality: 'neutral' }, "Yes, it's kind of slow."],
  [
    'In order to proceed, we will utilize the tool prior to launch. It is fine.',
    { formality: 'casual' },
    "To proceed, we'll use the tool before launch. It's fine.",
  ],
  // an explicit contractions setting wins over what formality implies
  ["It's gonna work.", { formality: 'formal', contractions: 'auto' }, "It's going to work."],
]);

table('contractions', [
  [
    'I am sure we do not need it. It is what it is. They will not go.',
    { contractions: 'always' },
    "I'm sure we don't need it. It's what it is. They won't go.",
  ],
  // a pronoun + verb at the end of a clause stays, "have" only before a participle
  [
    'That is, I know who it is. I have a car. I have been there.',
    { contractions: 'always' },
    "That is, I know who it is. I have a car. I've been there.",
  ],
  [
    "I'm sure it's been fine, but we don't know. You'd better go. Can't stop, won't stop.",
    { contractions: 'never' },
    'I am sure it has been fine, but we do not know. You had better go. Cannot stop, will not stop.',
  ],
  ['DON’T panic. It’s OK.', { contractions: 'never' }, 'DO NOT panic. It is OK.'],
  ['We do not use curly ’quotes’ here.', { contractions: 'always' }, 'We don’t use curly ’quotes’ here.'],
  ["I don't mind.", { contractions: 'auto' }, "I don't mind."],
]);

table('emoji', [
  ['Shipped 🎉 today 👍🏽! Flags 🇬🇧 and 👨‍👩‍👧 too.', { emoji: 'none' }, 'Shipped today! Flags and too.'],
  ['🎉 Done\nGreat work 🚀', { emoji: 'none' }, 'Done\nGreat work'],
  ['I ❤️ it, © 2024 Acme™', { emoji: 'none' }, 'I it, © 2024 Acme™'],
  ['Shipped 🎉 today 👍🏽 and 🚀', { emoji: 'light' }, 'Shipped 🎉 today and'],
  ['Shipped 🎉 today 👍🏽', { emoji: 'any' }, 'Shipped 🎉 today 👍🏽'],
]);

table('exclamations', [
  ['Great!! Really?! Yes! What!?', { exclamations: 'none' }, 'Great. Really? Yes. What?'],
  ['Great!! Really?! Yes!', { exclamations: 'light' }, 'Great! Really? Yes.'],
  ['Great!!', { exclamations: 'any' }, 'Great!!'],
]);

table('spelling', [
  [
    'The colour of the Centre: we organised the catalogue. Favourite COLOURS! Travelling, cancelled.',
    { spelling: 'en-US' },
    'The color of the Center: we organized the catalog. Favorite COLORS! Traveling, canceled.',
  ],
  [
    'We analyzed the color behavior at the center; she analyzes it. Organization!',
    { spelling: 'en-GB' },
    'We analysed the colour behaviour at the centre; she analyses it. Organisation!',
  ],
  // words whose spelling depends on their role are not touched
  ['The license and the program.', { spelling: 'en-GB' }, 'The license and the program.'],
  ['Colourful', { spelling: 'EN_us' }, 'Colorful'],
]);

table('vocabulary', [
  [
    'Every customer matters. Customers first. CUSTOMER care. customers-only.',
    { vocabulary: { customer: 'member' } },
    'Every member matters. Members first. MEMBER care. members-only.',
  ],
  [
    'Please sign up to buy.',
    { vocabulary: { 'sign up': 'register', buy: 'purchase' } },
    'Please register to purchase.',
  ],
  // a replacement containing its key is not replaced again
  ['A customer.', { vocabulary: { customer: 'valued customer' } }, 'A valued customer.'],
  [
    'Customer-ish words like customerbase stay.',
    { vocabulary: { customer: 'member' } },
    'Member-ish words like customerbase stay.',
  ],
]);

table('banned_phrases', [
  [
    'As an AI language model, I think so. Sure, as an AI language model, I can help. I can help as an AI language model.',
    { banned_phrases: ['as an AI language model'] },
    // the phrase is no clause of its own in the last sentence: the sentence goes, not the phrase
    'I think so. Sure, I can help.',
  ],
  // removing only the phrase would leave "That's a lot of!" and "To our API."
  [
    "That's a lot of money! Welcome to our API. It works.",
    { banned_phrases: ['money', 'welcome'] },
    'It works.',
  ],
  [
    'That is fine, as an AI. Next (as an AI) one.\n\nAs an AI.\n\nLast.',
    { banned_phrases: ['as an AI'] },
    'That is fine. Next one.\n\nLast.',
  ],
  [
    'Intro.\nPer my last message the fix is in. Next.\n- per my last message\n- ok',
    { banned_phrases: ['per my last message'] },
    'Intro.\nNext.\n- ok',
  ],
  // a sentence holding a protected span stays: the check reports the phrase instead
  [
    'See money at https://x.io today. Done.',
    { banned_phrases: ['money'] },
    'See money at https://x.io today. Done.',
  ],
  // every spelling of a phrase is banned, whatever the spelling rule did first
  [
    'We apologise for the delay. It is fixed.',
    { banned_phrases: ['we apologize'], spelling: 'en-GB' },
    'It is fixed.',
  ],
  [
    'We apologize, the build failed.',
    { banned_phrases: ['we apologise'], spelling: 'en-US' },
    'The build failed.',
  ],
  [
    "I hope this helps! Let me know. I'm just an AI.",
    { banned_phrases: ['I hope this helps', "I'm just an AI"] },
    'Let me know.',
  ],
  ['Great question! The answer is 42.', { banned_phrases: 'great question' }, 'The answer is 42.'],
]);

table('max_sentences / max_words', [
  ['One. Two! Three? Four.', { max_sentences: 2 }, 'One. Two!'],
  ['Dr. Lee said e.g. this. Second one. Third.', { max_sentences: 1 }, 'Dr. Lee said e.g. this.'],
  ['Steps:\n1. Install it\n2. Run it\n3. Done', { max_sentences: 3 }, 'Steps:\n1. Install it\n2. Run it'],
  ['One two three. Four five six seven. Eight nine.', { max_words: 5 }, 'One two three.'],
  ['One two three four five six seven. Eight.', { max_words: 5 }, 'One two three four five…'],
  ['Version 3.14 is 10% faster. Next.', { max_words: 5 }, 'Version 3.14 is 10% faster.'],
  ['Short text.', { max_words: 5, max_sentences: 1 }, 'Short text.'],
  // a code block is one unit: kept whole or cut whole
  [
    'Run this:\n```sh\nnpm install && npm run build --verbose\n```\nThen wait. Then more.',
    { max_words: 4 },
    'Run this:\n```sh\nnpm install && npm run build --verbose\n```',
  ],
  [
    'Run this. `npm install && npm run build` is long. End.',
    { max_sentences: 2 },
    'Run this. `npm install && npm run build` is long.',
  ],
]);

table('greeting / sign_off', [
  [
    'Your order shipped.',
    { greeting: 'Hi there!', sign_off: 'Cheers, Ana' },
    'Hi there! Your order shipped. Cheers, Ana',
  ],
  [
    'hi there, your order shipped. cheers, ana',
    { greeting: 'Hi there!', sign_off: 'Cheers, Ana' },
    'hi there, your order shipped. cheers, ana',
  ],
  ['Line one.\nLine two.', { sign_off: 'Best,\nAna' }, 'Line one.\nLine two.\n\nBest,\nAna'],
  // the greeting goes through the persona's rules like the rest
  [
    'Done.',
    { greeting: 'Hey, great colour!', spelling: 'en-US', exclamations: 'none' },
    'Hey, great color. Done.',
  ],
  // limits cut the content, never the greeting or sign-off; a cut-off sign-off comes back
  ['One. Two. Three. Cheers, Ana', { sign_off: 'Cheers, Ana', max_sentences: 2 }, 'One. Two. Cheers, Ana'],
]);

describe('protected spans are never altered', () => {
  const all: JsonObject = {
    formality: 'formal',
    contractions: 'never',
    emoji: 'none',
    exclamations: 'none',
    spelling: 'en-US',
    vocabulary: { colour: 'hue', customer: 'member' },
    banned_phrases: ['gonna'],
  };
  const cases: [string, string][] = [
    ['fenced code', 'Fix it!\n```js\nconst colour = "don\'t"; // gonna 🎉 customer!\n```\nDone!'],
    ['unclosed fence', "Fix it!\n```\nconst colour = 'gonna!'"],
    ['tilde fence', "Fix it!\n~~~\ncustomer don't!\n~~~"],
    ['inline code', 'Set `colour: "don\'t"!` and ``a `b` customer!`` now!'],
    ['URL', "See https://example.com/colour/don't?customer=1&x=gonna! and www.organise.co.uk/centre."],
    ['Markdown link', 'See [the colour docs](https://example.com/wiki/Colour_(physics)) now!'],
    ['email', 'Mail customer.colour@example.co.uk or gonna@x.io!'],
    ['numbers', 'It costs $1,000 or 3.14, up 10%, v2.1.3, 24/7, 12:30, the 2nd!'],
  ];
  for (const [name, input] of cases) {
    test(name, () => {
      const out = applyLocalStyle(input, all);
      const spans = input.match(
        /```[\s\S]*?(?:```|$)|~~~[\s\S]*?~~~|``[^\n]*?``|`[^`\n]+`|https?:\/\/\S+[^\s.!)]|www\.\S+[^\s.!]|\S+@\S+\.[a-z]+|\$?\d[\d.,:/%]*\w*/g,
      );
      assert.ok(spans && spans.length > 0);
      for (const span of spans)
        assert.ok(out.includes(span), `${JSON.stringify(span)} missing from ${JSON.stringify(out)}`);
    });
  }

  test('the text around a protected span is still styled', () => {
    const out = applyLocalStyle('The colour is `colour`! See https://x.io/colour.', {
      spelling: 'en-US',
      exclamations: 'none',
    });
    assert.equal(out, 'The color is `colour`. See https://x.io/colour.');
  });

  test('input that contains our private-use token characters comes back exactly', () => {
    const input = 'odd \uE000\uE010\uE001 chars \uE002\uE011\uE001 and colour 5';
    assert.equal(
      applyLocalStyle(input, { spelling: 'en-US' }),
      'odd \uE000\uE010\uE001 chars \uE002\uE011\uE001 and color 5',
    );
  });
});

describe('attributes the engine does not understand', () => {
  test('invalid values are ignored, not a crash', () => {
    const text = "Yeah, it's gonna be great! 🎉 One. Two. Three.";
    const invalid: JsonObject = {
      formality: 'posh',
      contractions: true,
      emoji: 'lots',
      exclamations: 3,
      spelling: 'en-AU',
      vocabulary: ['customer'],
      banned_phrases: { a: 1 },
      max_words: 'ten',
      max_sentences: -2,
      greeting: 42,
      sign_off: '   ',
    };
    assert.equal(applyLocalStyle(text, invalid), text);
    assert.equal(applyLocalStyle(text, { max_words: 2.5, max_sentences: 0 }), text);
  });

  test('free-form keys do nothing locally', () => {
    assert.equal(applyLocalStyle('Hello!', { tone: 'warm', audience: 'developers' }), 'Hello!');
  });

  test('a numeric string is a valid limit', () => {
    assert.equal(applyLocalStyle('One. Two. Three.', { max_sentences: '2' }), 'One. Two.');
  });

  test('vocabulary entries that are not strings are skipped, the rest apply', () => {
    assert.equal(
      applyLocalStyle('A customer and a user.', { vocabulary: { customer: 'member', user: 7 } }),
      'A member and a user.',
    );
  });
});

describe('order and repeatability', () => {
  test('rules compose: formal expands what slang produced, spelling runs before vocabulary', () => {
    const attributes = { formality: 'formal', spelling: 'en-US', vocabulary: { color: 'hue' } };
    assert.equal(applyLocalStyle('I dunno the colour.', attributes), 'I do not know the hue.');
  });

  test('banned phrases are removed in the form the other rules leave them in', () => {
    const attributes = { contractions: 'always', banned_phrases: ["I'm sorry"] };
    assert.equal(applyLocalStyle('I am sorry, the build failed.', attributes), 'The build failed.');
  });

  test('enforceStyle is the engine, and running it twice changes nothing more', () => {
    const attributes: JsonObject = {
      formality: 'formal',
      emoji: 'light',
      exclamations: 'light',
      spelling: 'en-GB',
      vocabulary: { customer: 'valued customer' },
      banned_phrases: ['as an AI'],
      max_words: 30,
      greeting: 'Hello!',
      sign_off: 'Best regards, Ana',
    };
    const input = "As an AI, I can't say! The color 🎉 is gonna please every customer 🚀! Thanks!";
    const once = enforceStyle(input, attributes);
    assert.equal(once, applyLocalStyle(input, attributes));
    assert.equal(enforceStyle(once, attributes), once);
  });

  test('frozen attributes are compiled once; a mutable object is read afresh each call', () => {
    const frozen = Object.freeze({ vocabulary: Object.freeze({ customer: 'member' }) });
    assert.equal(applyLocalStyle('customer', frozen), 'member');
    assert.equal(applyLocalStyle('customer', frozen), 'member');
    const mutable: JsonObject = { vocabulary: { customer: 'member' } };
    assert.equal(applyLocalStyle('customer', mutable), 'member');
    mutable.vocabulary = { customer: 'client' };
    assert.equal(applyLocalStyle('customer', mutable), 'client');
  });

  test('no attributes: the text comes back as it is', () => {
    const text = '  Hello!! 🎉 colour  \n';
    assert.equal(applyLocalStyle(text, {}), text);
  });
});

// issue 12.1: no content damage
table('sentences around abbreviations, initials, numbers and quotes', [
  [
    'The call is on Jan. 5 at 3 p.m. today. Bring ID.',
    { max_sentences: 1 },
    'The call is on Jan. 5 at 3 p.m. today.',
  ],
  [
    'See No. 5 in the U.S. list, e.g. item two. Next.',
    { max_sentences: 1 },
    'See No. 5 in the U.S. list, e.g. item two.',
  ],
  [
    'Ask Dr. Lee or Mr. Kim about v2.1.3 and 3.5 GB. Then rest.',
    { max_sentences: 1 },
    'Ask Dr. Lee or Mr. Kim about v2.1.3 and 3.5 GB.',
  ],
  [
    '"Is it done?" she asked. Yes... mostly. It is.',
    { max_sentences: 2 },
    '"Is it done?" she asked. Yes... mostly.',
  ],
  ['Wait... Then go. Stop.', { max_sentences: 1 }, 'Wait...'],
]);

table('emoji with meaning become text', [
  [
    '1️⃣ Open it. 2️⃣ Tap ➡️ Save. ✅ Done. ⚠️ Unplugged? Party 🎉 time.',
    { emoji: 'none' },
    '1 Open it. 2 Tap → Save. ✓ Done. Warning: Unplugged? Party time.',
  ],
  ['© 2024 Acme™, all rights reserved.', { emoji: 'none' }, '© 2024 Acme™, all rights reserved.'],
]);

table('greeting and sign-off join the text as it already reads', [
  // a greeting or sign-off in the text's own words: none is added
  [
    'Hello Ana, your order shipped.\n\nBest regards,\nSam',
    { greeting: 'Hi there!', sign_off: 'Cheers, Ana' },
    'Hello Ana, your order shipped.\n\nBest regards,\nSam',
  ],
  // after the greeting's "!" the text starts a sentence
  ['your order shipped.', { greeting: 'Hi there!' }, 'Hi there! Your order shipped.'],
  ['Mail ana@x.io', { greeting: 'Hi!', exclamations: 'light' }, 'Hi! Mail ana@x.io'],
  ['Cheers, Ana. All good.', { sign_off: 'Cheers, Ana' }, 'Cheers, Ana. All good. Cheers, Ana'],
]);

table('vocabulary matches every spelling of its keys', [
  [
    'We organise it. We organize it.',
    { vocabulary: { organize: 'arrange' }, spelling: 'en-GB' },
    'We arrange it. We arrange it.',
  ],
]);

// issue 12.2: `formal` catches chat abbreviations and interjections, and the engine fixes them
table('formal and chat slang', [
  [
    'That works, lol. OMG it is fast. IDK why. lol, it works. Great lol it is. Ngl this is good tho.',
    { formality: 'formal' },
    'That works. It is fast. I do not know why. It works. Great it is. To be honest this is good though.',
  ],
]);

table('banned phrases match whatever form the contraction rule leaves', [
  [
    "I'm sorry, the build failed.",
    { contractions: 'never', banned_phrases: ["I'm sorry"] },
    'The build failed.',
  ],
  ['We do not know. It works.', { contractions: 'always', banned_phrases: ['we do not know'] }, 'It works.'],
]);
