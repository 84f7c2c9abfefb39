import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { emptyFields, type JsonObject, type Persona } from '../src/core/persona.ts';
import { compileStyle } from '../src/style/compile.ts';
import { compileSystemPrompt } from '../src/style/index.ts';

function persona(fields: Partial<Persona>): Persona {
  return {
    id: 'p_test',
    accountId: 'a_test',
    personaType: 'user',
    ...emptyFields('Ana'),
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    version: 1,
    ...fields,
  };
}

const full: JsonObject = {
  tone: 'warm, upbeat',
  audience: 'developers',
  formality: 'casual',
  contractions: 'always',
  emoji: 'light',
  exclamations: 'none',
  spelling: 'en-GB',
  vocabulary: { 'sign up': 'join', customer: 'member' },
  banned_phrases: ['as an AI language model', 'I apologize for the inconvenience'],
  max_words: 120,
  max_sentences: 6,
  greeting: 'Hi there!',
  sign_off: 'Cheers, Ana',
  examples: { good: 'Sure thing!', bad: 'Certainly.' },
};

// Snapshots live in test/style-prompt.test.ts.snapshot; a prompt change fails here until the
// snapshot is regenerated on purpose with `node --test --test-update-snapshots <this file>`.
const asText = { serializers: [(v: unknown) => String(v)] };

describe('compileSystemPrompt', () => {
  test('every field and every known attribute', (t) => {
    const prompt = compileSystemPrompt(
      persona({
        name: 'Ana from Support',
        description: 'Friendly support lead at Acme.',
        systemPrompt: 'Be concise and concrete.',
        context: 'Acme sells widgets.\nSupport hours: 9-17 CET.',
        attributes: full,
      }),
    );
    t.assert.snapshot(prompt, asText);
  });

  test('the formal counterparts', (t) => {
    const attributes = {
      formality: 'formal',
      contractions: 'never',
      emoji: 'none',
      exclamations: 'light',
      spelling: 'en-US',
      max_words: 50,
    };
    t.assert.snapshot(compileSystemPrompt(persona({ name: 'Counsel', attributes })), asText);
  });

  test('the prompt builds no banned-phrase matcher, even with a greeting and sign-off (issue 11)', () => {
    // 2,600 phrases made the first prompt of such a persona hold the event loop ~15 ms (~100 loaded)
    // because styling the greeting built the matcher; the prompt lists the phrases and needs no matcher.
    const attributes = Object.freeze({
      banned_phrases: Array.from({ length: 2600 }, (_, i) => `as an AI number ${i}`),
      greeting: 'Hi there!',
      sign_off: 'Cheers, Ana',
    });
    const prompt = compileSystemPrompt(Object.freeze(persona({ attributes })));
    assert.match(prompt, /Begin with the greeting "Hi there!"/);
    const style = compileStyle(attributes);
    assert.equal(style.bannedPhrases?.matcherBuilt, false);
    // Styling the greeting (the engine and the checks do) builds it then, once.
    assert.equal(style.greeting?.styled, 'Hi there!');
    assert.equal(style.bannedPhrases?.matcherBuilt, true);
  });

  test('a bare persona: name and the rewrite rule only', () => {
    assert.equal(
      compileSystemPrompt(persona({ name: 'Ana' })),
      "You are Ana.\n\nRewrite the user's content in this voice. Keep its facts, numbers, names, links and code " +
        'exactly as they are, and add nothing new. Answer with the rewritten text only: no preamble, no notes, ' +
        'no quotation marks around it.',
    );
  });

  test('unknown keys become sorted `key: value` lines after the known ones', () => {
    const prompt = compileSystemPrompt(
      persona({
        attributes: { zeta: 'last', audience: 'developers', emoji: 'none', nested: { b: 1, a: [1, 'x'] } },
      }),
    );
    assert.match(
      prompt,
      /Style guide:\n- Do not use emoji\.\n- audience: developers\n- nested: \{"a":\[1,"x"\],"b":1\}\n- zeta: last\n/,
    );
  });

  test('a known key with a value the engine does not know is passed on as written', () => {
    const prompt = compileSystemPrompt(persona({ attributes: { emoji: 'lots', max_words: 'about fifty' } }));
    assert.match(prompt, /- emoji: lots\n- max_words: about fifty\n/);
  });

  test('empty values say nothing; multi-line values stay on one line', () => {
    const prompt = compileSystemPrompt(persona({ attributes: { a: '', b: null, c: 'one\n  two' } }));
    assert.match(prompt, /Style guide:\n- c: one two\n\n/);
  });

  test('deterministic: the order attributes were written in does not matter', () => {
    const reversed = Object.fromEntries(Object.entries(full).reverse());
    reversed.vocabulary = { customer: 'member', 'sign up': 'join' };
    reversed.examples = { bad: 'Certainly.', good: 'Sure thing!' };
    const a = compileSystemPrompt(persona({ attributes: full }));
    const b = compileSystemPrompt(persona({ attributes: reversed }));
    assert.equal(a, b);
    assert.equal(compileSystemPrompt(persona({ attributes: full })), a);
  });
});
