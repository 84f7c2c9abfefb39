import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_JSON_DEPTH, nestedTooDeep } from '../src/core/json-shape.ts';
import { parseJsonText } from '../src/http/json-body.ts';

describe('JSON nesting is refused before parsing', () => {
  test('counts only brackets outside strings, escapes included', () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    assert.equal(nestedTooDeep(deep(MAX_JSON_DEPTH), MAX_JSON_DEPTH), false);
    assert.equal(nestedTooDeep(deep(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH), true);
    assert.equal(nestedTooDeep(JSON.stringify({ a: '['.repeat(10_000) }), MAX_JSON_DEPTH), false);
    assert.equal(nestedTooDeep(JSON.stringify({ a: `\\"${'{'.repeat(100)}` }), MAX_JSON_DEPTH), false);
    const objects = `${'{"a":'.repeat(MAX_JSON_DEPTH + 1)}1${'}'.repeat(MAX_JSON_DEPTH + 1)}`;
    assert.equal(nestedTooDeep(objects, MAX_JSON_DEPTH), true);
  });

  test('agrees with the walk after parsing: the deepest accepted body still parses', () => {
    const ok = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;
    assert.deepEqual(parseJsonText(`{"x":${ok.slice(1, -1)}}`) !== undefined, true);
    assert.throws(() => parseJsonText('['.repeat(1 << 20)), /nested more than 64 levels deep/);
  });
});
