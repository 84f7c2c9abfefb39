import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachBackend, listen } from './helpers/harness.ts';

describeEachBackend('POST /v1/check', (h) => {
  let server: { url: string; close(): Promise<void> } | undefined;
  before(async () => {
    server = await listen(h());
  });
  after(async () => {
    await server?.close();
  });

  const persona = async (attributes: Record<string, unknown>) => {
    const account = await h().newAccount();
    const r = await h().request('POST', '/v1/personas', { account, json: { name: 'Check', attributes } });
    assert.equal(r.status, 200, r.text);
    return { account, personaId: r.body.id as string };
  };
  const strict = {
    formality: 'formal',
    emoji: 'none',
    exclamations: 'none',
    spelling: 'en-GB',
    vocabulary: { customer: 'member' },
    banned_phrases: ['as an AI language model'],
    max_sentences: 2,
  };

  test('reports every failed rule on a raw text, without changing it', async () => {
    const { account, personaId } = await persona(strict);
    const content = 'As an AI language model, I think the customer color is gonna work!! 🎉 Really. Yes.';
    const r = await h().request('POST', '/v1/check', { account, json: { personaId, content } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.body), ['passed', 'checks']);
    assert.equal(r.body.passed, false);
    const failed = r.body.checks
      .filter((c: { passed: boolean }) => !c.passed)
      .map((c: { rule: string }) => c.rule);
    assert.deepEqual(failed, [
      'formality',
      'emoji',
      'exclamations',
      'spelling',
      'vocabulary',
      'banned_phrases',
      'max_sentences',
    ]);
    assert.equal('response' in r.body, false);
  });

  test('the same checks refine returns, on the same text', async () => {
    const { account, personaId } = await persona(strict);
    const content = 'Hello customer!! We have received your colour request 🎉 and will process it.';
    const refined = await h().request('POST', '/v1/refine', {
      account,
      json: { provider: 'local', personaId, content },
    });
    assert.equal(refined.status, 200, refined.text);
    const r = await h().request('POST', '/v1/check', {
      account,
      json: { personaId, content: refined.body.response },
    });
    assert.deepEqual(r.body.checks, refined.body.checks);
    assert.equal(
      r.body.passed,
      refined.body.checks.every((c: { passed: boolean }) => c.passed),
    );
    assert.equal(r.body.passed, true);
  });

  test('a persona without hard rules passes with no checks; system personas can be checked', async () => {
    const { account, personaId } = await persona({ tone: 'warm' });
    const r = await h().request('POST', '/v1/check', { account, json: { personaId, content: 'Hi!!' } });
    assert.deepEqual(r.body, { passed: true, checks: [] });
    const sys = await h().request('POST', '/v1/check', {
      account,
      json: { personaId: 'psys_support_agent', content: 'OMG this is gonna be awesome!!! 🎉🎉' },
    });
    assert.equal(sys.status, 200);
    assert.ok(sys.body.checks.length > 0);
  });

  test('errors: unknown or foreign persona 404, too long 413, unknown field or missing content 400, no key 401', async () => {
    const { account, personaId } = await persona({ emoji: 'none' });
    const other = await h().newAccount();
    const call = (json: unknown, who = account) => h().request('POST', '/v1/check', { account: who, json });
    assert.equal((await call({ personaId, content: 'x' }, other)).status, 404);
    assert.equal((await call({ personaId: 'pmissing000', content: 'x' })).status, 404);
    const long = await call({ personaId, content: 'x'.repeat(100_001) });
    assert.equal(long.status, 413);
    assert.match(long.body.message, /^content: must be at most 100000 characters/);
    const extra = await call({ personaId, content: 'x', provider: 'local' });
    assert.equal(extra.status, 400);
    assert.match(extra.body.message, /unknown field\(s\) provider/);
    const missing = await call({ personaId });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.message, 'content: is required');
    const anon = await h().request('POST', '/v1/check', { json: { personaId, content: 'x' } });
    assert.equal(anon.status, 401);
  });

  test('the native fast path answers as the Hono app does', async () => {
    const { account, personaId } = await persona(strict);
    for (const body of [
      { personaId, content: 'Great news!!! 🎉' },
      { personaId, content: 'Fine.' },
      { personaId: 'pmissing000', content: 'x' },
      { personaId, content: 'x', extra: 1 },
    ]) {
      const init = {
        method: 'POST',
        headers: { ...account.auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      };
      const native = await fetch(`${server?.url}/v1/check`, init);
      const hono = await h().app.request('/v1/check', init);
      assert.equal(native.status, hono.status);
      assert.deepEqual(await native.json(), await hono.json());
    }
  });
});
