import assert from 'node:assert/strict';
import { test } from 'node:test';
import { measure } from '../src/surfaces/tavus/bounded-patch.ts';
import { type Account, describeEachBackend, type Harness } from './helpers/harness.ts';

/** A persona with a free-form layer to patch; `extra` lands in layers.llm. */
async function make(h: Harness, account: Account, extra: Record<string, unknown> = {}): Promise<string> {
  const json = {
    persona_name: 'Patch limits',
    system_prompt: 'You are terse.',
    layers: { llm: { model: 'tavus-gpt-4o', ...extra } },
  };
  const c = await h.request('POST', '/v2/personas', { account, json });
  assert.equal(c.status, 200, c.text);
  return c.body.persona_id;
}

const patch = (h: Harness, account: Account, id: string, json: unknown) =>
  h.request('PATCH', `/v2/personas/${id}`, { account, json });

async function storedSize(h: Harness, account: Account, id: string): Promise<number> {
  const r = await h.request('GET', `/v2/personas/${id}`, { account });
  assert.equal(r.status, 200, r.text);
  return r.text.length;
}

describeEachBackend('/v2 JSON Patch limits', (h) => {
  test('copies that double the document stop with a 413 once it would pass the body limit', async () => {
    const account = await h().newAccount();
    const id = await make(h(), account, { seed: 'x'.repeat(1000) });
    // Each copy doubles layers.llm: 13 copies would store ~8 MB from a patch of ~1 KB.
    const ops = Array.from({ length: 13 }, (_, i) => ({
      op: 'copy',
      from: '/layers/llm',
      path: `/layers/llm/c${i}`,
    }));
    const before = await storedSize(h(), account, id);
    const r = await patch(h(), account, id, ops);
    assert.equal(r.status, 413, r.text);
    assert.match(r.body.message, /larger than 1048576 bytes/);
    assert.equal(await storedSize(h(), account, id), before, 'nothing was written');
  });

  test('copies that nest past 64 levels are a 400 in the Tavus shape, and nothing is stored', async () => {
    const account = await h().newAccount();
    const id = await make(h(), account, { d: { v: 1 } });
    // copy /layers/llm/d into itself: every copy adds one level.
    const ops = Array.from({ length: 70 }, (_, i) => ({
      op: 'copy',
      from: `/layers/llm${'/d'.repeat(i + 1)}`,
      path: `/layers/llm${'/d'.repeat(i + 1)}/d`,
    }));
    const r = await patch(h(), account, id, ops);
    assert.equal(r.status, 400, r.text);
    assert.match(r.body.error, /nested more than 64 levels/);
  });

  test('copying and removing one large value over and over runs out of budget (413)', async () => {
    const account = await h().newAccount();
    const id = await make(h(), account, { big: 'b'.repeat(300_000) });
    const ops = [];
    for (let i = 0; i < 40; i++) {
      ops.push({ op: 'copy', from: '/layers/llm/big', path: '/layers/llm/c' });
      ops.push({ op: 'remove', path: '/layers/llm/c' });
    }
    const r = await patch(h(), account, id, ops);
    assert.equal(r.status, 413, r.text);
    assert.match(r.body.message, /too much content/);
  });

  test('replacing a large context with another large one is fine (removed content is credited)', async () => {
    const account = await h().newAccount();
    const id = await make(h(), account);
    const first = await patch(h(), account, id, [
      { op: 'add', path: '/context', value: 'a'.repeat(600_000) },
    ]);
    assert.equal(first.status, 200, first.text);
    const r = await patch(h(), account, id, [
      { op: 'replace', path: '/context', value: 'c'.repeat(600_000) },
      { op: 'copy', from: '/persona_name', path: '/layers/llm/name' },
      { op: 'move', from: '/layers/llm/name', path: '/layers/llm/label' },
    ]);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.context.length, 600_000);
    assert.equal(r.body.layers.llm.label, 'Patch limits');
  });

  test('a copy or move from a missing path is still the 422 Tavus documents', async () => {
    const account = await h().newAccount();
    const id = await make(h(), account);
    for (const op of ['copy', 'move']) {
      const r = await patch(h(), account, id, [{ op, from: '/layers/nope', path: '/layers/llm/x' }]);
      assert.equal(r.status, 422, r.text);
      assert.deepEqual(r.body, { message: 'Invalid JSON patch format' });
    }
  });
});

test('measure: estimates JSON size without escapes and the deepest container, and stops at its cap', () => {
  const v = { a: [1, 'xy', null, true], b: { c: {} } };
  const m = measure(v, 1_000);
  assert.ok(m);
  assert.equal(m.depth, 2);
  assert.ok(m.size <= JSON.stringify(v).length + 8 && m.size >= JSON.stringify(v).length - 8, String(m.size));
  assert.equal(measure('x'.repeat(100), 50), undefined);
  assert.deepEqual(measure(5, 10), { size: 1, depth: -1 });
});
