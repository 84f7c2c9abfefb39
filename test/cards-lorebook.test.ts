import assert from 'node:assert/strict';
import { test } from 'node:test';
import { activateLorebook } from '../src/cards/lorebook.ts';
import { expandMacros } from '../src/cards/macros.ts';
import type { Lorebook, LorebookEntry } from '../src/core/persona-card.ts';

/** One rule per test, each on a book built for it (entries default to enabled, order 0, before_char). */
const entry = (content: string, over: Partial<LorebookEntry> = {}): LorebookEntry => ({
  keys: [],
  content,
  enabled: true,
  insertionOrder: 0,
  ...over,
});
const book = (entries: LorebookEntry[], over: Partial<Lorebook> = {}): Lorebook => ({ entries, ...over });
const before = (b: Lorebook, turns: string[]) => activateLorebook(b, turns).beforeChar;

test('a key found in the recent turns activates its entry; no key found, nothing', () => {
  const b = book([entry('Dragons breathe fire.', { keys: ['dragon'] })]);
  assert.deepEqual(before(b, ['I saw a dragon']), ['Dragons breathe fire.']);
  assert.deepEqual(before(b, ['I saw a cat']), []);
});

test('scan_depth: only the last N turns are scanned', () => {
  const b = book([entry('lore', { keys: ['dragon'] })], { scanDepth: 2 });
  assert.deepEqual(before(b, ['dragon', 'hello', 'there']), []);
  assert.deepEqual(before(b, ['hello', 'dragon', 'there']), ['lore']);
  assert.deepEqual(before(book(b.entries, { scanDepth: 0 }), ['dragon']), []);
});

test('case: insensitive by default, exact with case_sensitive', () => {
  const loose = book([entry('lore', { keys: ['Dragon'] })]);
  assert.deepEqual(before(loose, ['a DRAGON']), ['lore']);
  const strict = book([entry('lore', { keys: ['Dragon'], caseSensitive: true })]);
  assert.deepEqual(before(strict, ['a dragon']), []);
  assert.deepEqual(before(strict, ['a Dragon']), ['lore']);
});

test('constant entries activate with no key in the text', () => {
  const b = book([entry('always', { constant: true }), entry('keyed', { keys: ['x-key'] })]);
  assert.deepEqual(before(b, ['nothing here']), ['always']);
});

test('selective: a secondary key must be found too', () => {
  const b = book([entry('both', { keys: ['castle'], secondaryKeys: ['night'], selective: true })]);
  assert.deepEqual(before(b, ['the castle by day']), []);
  assert.deepEqual(before(b, ['the castle at night']), ['both']);
  // Without `selective`, secondary keys are not required.
  const plain = book([entry('one', { keys: ['castle'], secondaryKeys: ['night'] })]);
  assert.deepEqual(before(plain, ['the castle by day']), ['one']);
});

test('insertion_order: lower comes first, whatever the entry order', () => {
  const b = book([
    entry('third', { constant: true, insertionOrder: 30 }),
    entry('first', { constant: true, insertionOrder: 10 }),
    entry('second', { constant: true, insertionOrder: 20 }),
  ]);
  assert.deepEqual(before(b, []), ['first', 'second', 'third']);
});

test('position: after_char entries go after the character definitions', () => {
  const b = book([entry('A', { constant: true, position: 'after_char' }), entry('B', { constant: true })]);
  assert.deepEqual(activateLorebook(b, []), { beforeChar: ['B'], afterChar: ['A'] });
});

test('enabled: false never activates, even constant', () => {
  const b = book([entry('off', { constant: true, enabled: false, keys: ['x'] })]);
  assert.deepEqual(before(b, ['x']), []);
});

test('token_budget with priority: the lowest priority entries are dropped first', () => {
  // 40 characters ≈ 10 tokens each; a budget of 25 keeps two.
  const text = (c: string) => c.repeat(40);
  const b = book(
    [
      entry(text('a'), { constant: true, priority: 1, insertionOrder: 1 }),
      entry(text('b'), { constant: true, priority: 10, insertionOrder: 2 }),
      entry(text('c'), { constant: true, priority: 5, insertionOrder: 3 }),
    ],
    { tokenBudget: 25 },
  );
  assert.deepEqual(before(b, []), [text('b'), text('c')]);
  // A caller's token counter and budget override the estimate.
  const counted = activateLorebook(b, [], { tokenBudget: 2, countTokens: () => 1 });
  assert.deepEqual(counted.beforeChar, [text('b'), text('c')]);
});

test('regex keys match with a linear-time engine; JS-literal flags honoured; unsupported syntax never matches', () => {
  const b = book([entry('neon', { keys: ['/neon\\s+city/i'], useRegex: true })]);
  assert.deepEqual(before(b, ['the NEON   CITY']), ['neon']);
  assert.deepEqual(before(b, ['neon town']), []);
  const look = book([entry('look', { keys: ['(?=x)x', 'a(b)\\1'], useRegex: true })]);
  assert.deepEqual(before(look, ['xx abb']), []);
  // A pattern that takes a backtracking engine exponential time runs in linear time here.
  const evil = book([entry('evil', { keys: ['^(a+)+$'], useRegex: true })]);
  assert.deepEqual(before(evil, [`${'a'.repeat(50_000)}!`]), []);
});

test('recursive_scanning: activated content can trigger other entries, only when set', () => {
  const entries = [
    entry('The king lives in the castle.', { keys: ['king'] }),
    entry('Castle lore.', { keys: ['castle'] }),
  ];
  assert.deepEqual(before(book(entries), ['the king']), ['The king lives in the castle.']);
  assert.deepEqual(before(book(entries, { recursiveScanning: true }), ['the king']), [
    'The king lives in the castle.',
    'Castle lore.',
  ]);
});

test('empty content adds nothing; V3 decorators are stripped, @@activate and @@dont_activate honoured', () => {
  const b = book([
    entry('', { constant: true }),
    entry('@@depth 4\n@@activate\nForced in.', { keys: ['never-said'] }),
    entry('@@dont_activate\nForced out.', { constant: true }),
  ]);
  assert.deepEqual(before(b, ['hello']), ['Forced in.']);
});

test('macros: {{char}} (nickname), {{user}} with a default, V1 <BOT>/<USER>, {{original}}; others left', () => {
  const out = expandMacros('{{Char}} greets {{user}}. <BOT>/<USER>. {{original}} {{random:a,b}}', {
    char: 'K',
    user: '',
    original: 'Be kind.',
  });
  assert.equal(out, 'K greets User. K/User. Be kind. {{random:a,b}}');
});

test('card JSON: NUL and lone surrogates cleaned in values and keys; __proto__ stays a plain key', async () => {
  const { parseCardJson } = await import('../src/cards/card-json.ts');
  const parsed = parseCardJson(
    Buffer.from('{"na\\u0000me":"A\\u0000b","x":["\\ud800"],"__proto__":{"polluted":"\\u0000yes"}}'),
    'test',
  ) as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed), ['name', 'x', '__proto__']);
  assert.equal(parsed.name, 'Ab');
  assert.deepEqual(parsed.x, ['\ufffd']);
  assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value, { polluted: 'yes' });
});

test('regex keys over 1,000 characters never match (compiling is bounded too)', () => {
  const long = `/${'a'.repeat(1001)}/`;
  const b = book([entry('long', { keys: [long], useRegex: true })]);
  assert.deepEqual(before(b, ['a'.repeat(2000)]), []);
  const fine = book([entry('ok', { keys: [`/${'a'.repeat(900)}/`], useRegex: true })]);
  assert.deepEqual(before(fine, ['a'.repeat(2000)]), ['ok']);
});
