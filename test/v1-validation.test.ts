import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withinOneEdit } from '../src/style/vocabulary.ts';
import { describeEachBackend } from './helpers/harness.ts';

describeEachBackend('/v1 persona validation', (h) => {
  const create = async (json: unknown) => {
    const account = await h().newAccount();
    return { account, r: await h().request('POST', '/v1/personas', { account, json }) };
  };

  test('a style key with a value outside its vocabulary is a 400 naming the allowed values', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ emoji: 'no' }, /^attributes\.emoji: must be one of none, light, any$/],
      [{ spelling: 'en-UK' }, /^attributes\.spelling: must be one of en-US, en-GB$/],
      [{ formality: 'posh' }, /^attributes\.formality: must be one of formal, neutral, casual$/],
      [{ contractions: true }, /^attributes\.contractions: must be one of always, never, auto$/],
      [{ exclamations: 3 }, /^attributes\.exclamations: must be one of none, light, any$/],
      [{ max_words: 'ten' }, /^attributes\.max_words: must be a positive integer$/],
      [{ max_sentences: 0 }, /^attributes\.max_sentences: must be a positive integer$/],
      [{ max_sentences: 2.5 }, /^attributes\.max_sentences: must be a positive integer$/],
      [{ vocabulary: ['customer'] }, /^attributes\.vocabulary: must be an object/],
      [{ vocabulary: { customer: 3 } }, /^attributes\.vocabulary: must be an object/],
      [{ banned_phrases: [1] }, /^attributes\.banned_phrases: must be an array of non-empty strings$/],
      [{ greeting: { text: 'hi' } }, /^attributes\.greeting: must be a string$/],
    ];
    for (const [attributes, message] of cases) {
      const { r } = await create({ name: 'V', attributes });
      assert.equal(r.status, 400, JSON.stringify(attributes));
      assert.equal(r.body.error, 400);
      assert.match(r.body.message, message);
    }
  });

  test('the forms the engine understands are accepted and stored as sent', async () => {
    const attributes = {
      formality: ' Casual ',
      emoji: 'NONE',
      spelling: 'en_gb',
      max_words: '40',
      max_sentences: 3,
      banned_phrases: 'as an AI',
      vocabulary: { customer: 'member' },
      greeting: 'Hi!',
      sign_off: null,
    };
    const { r } = await create({ name: 'V', attributes });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.attributes, attributes);
    assert.equal(r.body.warnings, undefined);
  });

  test('patch validates attributes as create does; nothing is written on a 400', async () => {
    const { account, r } = await create({ name: 'V', attributes: { emoji: 'none' } });
    const bad = await h().request('PATCH', `/v1/personas/${r.body.id}`, {
      account,
      json: { attributes: { emoji: 'lots' } },
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /^attributes\.emoji: must be one of none, light, any$/);
    const read = await h().request('GET', `/v1/personas/${r.body.id}`, { account });
    assert.deepEqual(read.body.attributes, { emoji: 'none' });
    assert.equal(read.body.version, 1);
  });

  test('a key one edit away from a style key is stored and reported in warnings', async () => {
    const { account, r } = await create({
      name: 'V',
      attributes: { formalty: 'formal', tone: 'warm', 'max-words': 10 },
    });
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.body.warnings.map((w: { field: string }) => w.field),
      ['attributes.formalty', 'attributes.max-words'],
    );
    assert.match(r.body.warnings[0].message, /did you mean "formality"/);
    assert.deepEqual(r.body.attributes, { formalty: 'formal', tone: 'warm', 'max-words': 10 });

    const patched = await h().request('PATCH', `/v1/personas/${r.body.id}`, {
      account,
      json: { attributes: { Emoji: 'none' } },
    });
    assert.equal(patched.status, 200);
    assert.deepEqual(patched.body.warnings, [
      {
        field: 'attributes.Emoji',
        message:
          'unknown style attribute; did you mean "emoji"? Stored as a free-form attribute, so no "emoji" rule applies',
      },
    ]);
    assert.deepEqual(patched.body.attributes, { Emoji: 'none' });
    // A clean write says nothing: the seed's answer shape is unchanged.
    const clean = await h().request('PATCH', `/v1/personas/${r.body.id}`, { account, json: { name: 'W' } });
    assert.equal(clean.status, 200);
    assert.equal('warnings' in clean.body, false);
  });

  test('description is accepted, stored and changed by patch', async () => {
    const { account, r } = await create({ name: 'D', description: 'Billing support voice' });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body), ['id', 'name', 'attributes', 'description']);
    assert.equal(r.body.description, 'Billing support voice');
    const read = await h().request('GET', `/v1/personas/${r.body.id}`, { account });
    assert.equal(read.body.description, 'Billing support voice');
    const patched = await h().request('PATCH', `/v1/personas/${r.body.id}`, {
      account,
      json: { description: 'Now for sales' },
    });
    assert.equal(patched.body.description, 'Now for sales');
    const listed = await h().request('GET', '/v1/personas', { account });
    assert.equal(listed.body.data[0].description, 'Now for sales');
    const tooLong = await h().request('PATCH', `/v1/personas/${r.body.id}`, {
      account,
      json: { description: 'x'.repeat(10_001) },
    });
    assert.equal(tooLong.status, 400);
    assert.match(tooLong.body.message, /^description: must be at most 10000 characters$/);
  });

  test('unknown top-level fields are a 400 on create and patch, naming them', async () => {
    const { account, r } = await create({ name: 'U', attribute: { tone: 'warm' } });
    assert.equal(r.status, 400);
    assert.match(r.body.message, /unknown field\(s\) attribute/);
    const ok = await h().request('POST', '/v1/personas', { account, json: { name: 'U' } });
    const patched = await h().request('PATCH', `/v1/personas/${ok.body.id}`, {
      account,
      json: { nmae: 'typo' },
    });
    assert.equal(patched.status, 400);
    assert.match(patched.body.message, /unknown field\(s\) nmae/);
  });

  test('__proto__ and constructor in attributes are stored as data and read back (get and list)', async () => {
    const body = '{"name":"P","attributes":{"__proto__":{"polluted":true},"constructor":"x","tone":"warm"}}';
    const account = await h().newAccount();
    const r = await h().request('POST', '/v1/personas', {
      account,
      body,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(r.status, 200, r.text);
    const expected = '{"__proto__":{"polluted":true},"constructor":"x","tone":"warm"}';
    assert.equal(JSON.stringify(r.body.attributes), expected);
    assert.match(r.text, /"attributes":\{"__proto__":\{"polluted":true\}/);
    const read = await h().request('GET', `/v1/personas/${r.body.id}`, { account });
    assert.match(
      read.text,
      /"attributes":\{"__proto__":\{"polluted":true\},"constructor":"x","tone":"warm"\}/,
    );
    const listed = await h().request('GET', '/v1/personas', { account });
    assert.match(
      listed.text,
      /"attributes":\{"__proto__":\{"polluted":true\},"constructor":"x","tone":"warm"\}/,
    );
    assert.equal(({} as Record<string, unknown>).polluted, undefined);

    const patched = await h().request('PATCH', `/v1/personas/${r.body.id}`, {
      account,
      body: '{"attributes":{"__proto__":{"emoji":"lots"}}}',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(patched.status, 200);
    assert.match(patched.text, /"attributes":\{"__proto__":\{"emoji":"lots"\}\}/);
  });
});

test('withinOneEdit: insertion, deletion, substitution and adjacent swap; nothing further', () => {
  for (const [a, b] of [
    ['formalty', 'formality'],
    ['formalityy', 'formality'],
    ['Emoji', 'emoji'],
    ['emjoi', 'emoji'],
    ['max-words', 'max_words'],
    ['emoji', 'emoji'],
  ]) {
    assert.equal(withinOneEdit(a as string, b as string), true, `${a} ~ ${b}`);
  }
  for (const [a, b] of [
    ['formal', 'formality'],
    ['ejomi', 'emoji'],
    ['tone', 'emoji'],
    ['EMOJI', 'emoji'],
  ]) {
    assert.equal(withinOneEdit(a as string, b as string), false, `${a} !~ ${b}`);
  }
});
