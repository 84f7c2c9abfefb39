import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { jsonShape, MAX_JSON_DEPTH } from '../src/core/json-shape.ts';
import { MAX_JSON_ITEMS } from '../src/http/json-body.ts';
import { describeEachBackend } from './helpers/harness.ts';

/**
 * Issue 11: a 1 MiB body of 90,000 keys held the event loop ~0.5 s (parse, walk, validation). Bodies are
 * refused before parsing past MAX_JSON_ITEMS object members and array items, counted in the same pass
 * over the text as the nesting.
 */

/** Members and array items of a parsed value, counted the plain way. */
function items(v: unknown): number {
  if (Array.isArray(v)) return v.length + v.reduce((n: number, x) => n + items(x), 0);
  if (v && typeof v === 'object') return Object.values(v).reduce((n: number, x) => n + 1 + items(x), 0);
  return 0;
}

const wide = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));

describe('JSON members and array items are counted before parsing', () => {
  test('the pass over the text counts what the parsed value holds, strings and spacing aside', () => {
    const samples: unknown[] = [
      {},
      [],
      [[]],
      [1, [2, 3], { a: [] }, '', { 'b:,[': ',:{"' }],
      { a: { b: { c: [1, 2, { d: null }] } }, e: '\\"[,:', f: [[], [[]], [{}]] },
      wide(50),
      Array.from({ length: 40 }, (_, i) => (i % 3 ? i : { [`x${i}`]: [i, `s,${i}:`] })),
    ];
    for (const v of samples) {
      const n = items(v);
      for (const text of [
        JSON.stringify(v),
        JSON.stringify(v, null, 2),
        JSON.stringify(v, null, '\t\r\n '),
      ]) {
        assert.equal(jsonShape(text, MAX_JSON_DEPTH, n), undefined, text);
        assert.equal(jsonShape(text, MAX_JSON_DEPTH, n - 1), n > 0 ? 'wide' : undefined, text);
      }
    }
  });

  test('depth is still reported as such', () => {
    assert.equal(jsonShape('['.repeat(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH, MAX_JSON_ITEMS), 'deep');
  });
});

describeEachBackend('bodies past the item limit are a 400 in each surface shape', (h) => {
  const over = wide(MAX_JSON_ITEMS + 1);

  test('/v1 create: 400 before parsing; the limit itself is not refused as too wide', async () => {
    const account = await h().newAccount();
    const r = await h().request('POST', '/v1/personas', {
      account,
      json: { name: 'Wide', attributes: over },
    });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error, 400);
    assert.match(r.body.message, /more than 10000 object members and array items/);
    // name + attributes are 2 members: this body holds exactly the limit, and is judged on its content
    const at = await h().request('POST', '/v1/personas', {
      account,
      json: { name: 'Wide', attributes: wide(MAX_JSON_ITEMS - 2) },
    });
    assert.doesNotMatch(String(at.body.message), /object members and array items/);
  });

  test('/v2 create and patch: 400 in the Tavus shape, nothing stored', async () => {
    const account = await h().newAccount();
    const c = await h().request('POST', '/v2/personas', {
      account,
      json: { persona_name: 'Wide', system_prompt: 'x', layers: { llm: { model: 'm', extra: over } } },
    });
    assert.equal(c.status, 400, c.text);
    assert.deepEqual(Object.keys(c.body), ['error']);
    assert.match(c.body.error, /more than 10000 object members and array items/);
    assert.equal((await h().request('GET', '/v2/personas', { account })).body.total_count, 0);
    const ok = await h().request('POST', '/v2/personas', {
      account,
      json: { persona_name: 'P', system_prompt: 'x' },
    });
    assert.equal(ok.status, 200, ok.text);
    const ops = Array.from({ length: MAX_JSON_ITEMS + 1 }, () => 1);
    const p = await h().request('PATCH', `/v2/personas/${ok.body.persona_id}`, {
      account,
      json: [{ op: 'add', path: '/context', value: ops }],
    });
    assert.equal(p.status, 400, p.text);
    assert.match(p.body.error, /more than 10000 object members and array items/);
  });

  test('/suno generate: 400 in the Suno shape', async () => {
    const account = await h().newAccount();
    const g = await h().request('POST', '/suno/generate', { account, json: { prompt: 'x', extra: over } });
    assert.equal(g.status, 400, g.text);
    assert.equal(g.body.code, 400);
    assert.match(g.body.msg, /more than 10000 object members and array items/);
  });
});
