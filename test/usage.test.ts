import assert from 'node:assert/strict';
import { after, afterEach, test } from 'node:test';
import { createKey } from '../src/core/api-keys.ts';
import { estimateTokens } from '../src/core/usage.ts';
import { LOCAL_MODEL } from '../src/providers/local.ts';
import { openGiantProblem } from './helpers/error-shapes.ts';
import { startFake } from './helpers/fake-upstreams.ts';
import { type Account, describeEachBackend, type Harness } from './helpers/harness.ts';

/**
 * Usage: a known sequence of refines (the local engine, whose tokens are estimated, and a fake OpenAI
 * upstream, whose usage is reported: 11 in, 7 out per call) must sum to known figures in every grouping,
 * on both backends; daily budgets refuse with 429 once spent and reset the next UTC day.
 */

const openai = await startFake('openai');
after(() => openai.close());

const ADMIN = 'admin-secret-for-usage-tests-012345';
const admin: Account = { key: ADMIN, accountId: '', auth: { authorization: `Bearer ${ADMIN}` } };
const as = (key: string, accountId = ''): Account => ({
  key,
  accountId,
  auth: { authorization: `Bearer ${key}` },
});
let n = 0;

async function newKey(h: Harness, account: string, options: Parameters<typeof createKey>[3] = {}) {
  const k = await createKey(h.services.db, account, new Date(), options);
  return as(k.key, k.accountId);
}

async function persona(h: Harness, key: Account): Promise<string> {
  const r = await h.request('POST', '/v1/personas', {
    account: key,
    json: { name: 'U', attributes: { emoji: 'none' } },
  });
  assert.equal(r.status, 200, r.text);
  return r.body.id;
}

async function refine(
  h: Harness,
  key: Account,
  personaId: string,
  provider: 'local' | 'openai',
  content: string,
) {
  return h.request('POST', '/v1/refine', {
    account: key,
    json: {
      provider,
      personaId,
      content,
      ...(provider === 'openai' ? { providerApiKey: 'sk-test', model: 'gpt-test' } : {}),
    },
  });
}

describeEachBackend(
  'usage and budgets',
  (h) => {
    afterEach(() => {
      h().services.now = () => new Date();
    });
    const at = (iso: string) => {
      h().services.now = () => new Date(iso);
    };

    test('a known sequence of refines sums right in every grouping', async () => {
      const account = `usage-${process.pid}-${n++}`;
      const k1 = await newKey(h(), account, { name: 'one' });
      const k2 = await newKey(h(), account, { name: 'two' });
      const p1 = await persona(h(), k1);
      const p2 = await persona(h(), k1);
      at('2031-03-01T10:00:00.000Z');
      const local = await refine(h(), k1, p1, 'local', 'Hello customer, we got it!! Thanks.');
      assert.equal(local.status, 200, local.text);
      const localIn = estimateTokens('Hello customer, we got it!! Thanks.');
      const localOut = estimateTokens(local.body.response);
      assert.equal((await refine(h(), k1, p1, 'openai', 'first')).status, 200);
      at('2031-03-02T09:00:00.000Z');
      assert.equal((await refine(h(), k1, p1, 'openai', 'second')).status, 200);
      assert.equal((await refine(h(), k2, p2, 'openai', 'third')).status, 200);
      assert.equal((await refine(h(), k2, 'persona_nosuch', 'local', 'x')).status, 404);

      const report = async (group: string) => {
        const r = await h().request('GET', `/v1/usage?from=2031-03-01&to=2031-03-03&group_by=${group}`, {
          account: k1,
        });
        assert.equal(r.status, 200, r.text);
        return r.body;
      };
      const byKey = await report('key');
      const sums = (requests: number, input: number, output: number, estimated: number, errors: number) => ({
        requests,
        input_tokens: input,
        output_tokens: output,
        total_tokens: input + output,
        estimated_requests: estimated,
        errors,
      });
      const pick = (row: Record<string, unknown>) => ({
        requests: row.requests,
        input_tokens: row.input_tokens,
        output_tokens: row.output_tokens,
        total_tokens: row.total_tokens,
        estimated_requests: row.estimated_requests,
        errors: row.errors,
      });
      const keyId = async (k: Account) =>
        (
          await h()
            .services.db.kysely.selectFrom('api_keys')
            .select('id')
            .where('key_hash', '=', (await import('../src/core/api-keys.ts')).hashKey(k.key))
            .executeTakeFirstOrThrow()
        ).id;
      const [id1, id2] = [await keyId(k1), await keyId(k2)];
      const row = (data: Record<string, unknown>[], field: string, value: unknown) => {
        const found = data.find((d) => d[field] === value);
        assert.ok(found, `no ${field}=${String(value)} in ${JSON.stringify(data)}`);
        return pick(found);
      };
      assert.equal(byKey.data.length, 2);
      assert.deepEqual(row(byKey.data, 'key_id', id1), sums(3, localIn + 22, localOut + 14, 1, 0));
      assert.deepEqual(row(byKey.data, 'key_id', id2), sums(2, 11, 7, 0, 1));
      assert.deepEqual(pick(byKey.totals), sums(5, localIn + 33, localOut + 21, 1, 1));

      const byPersona = await report('persona');
      assert.deepEqual(row(byPersona.data, 'persona_id', p1), sums(3, localIn + 22, localOut + 14, 1, 0));
      assert.deepEqual(row(byPersona.data, 'persona_id', p2), sums(1, 11, 7, 0, 0));
      assert.deepEqual(row(byPersona.data, 'persona_id', 'persona_nosuch'), sums(1, 0, 0, 0, 1));

      const byModel = await report('model');
      assert.deepEqual(row(byModel.data, 'model', LOCAL_MODEL), sums(1, localIn, localOut, 1, 0));
      assert.equal(byModel.data.find((d: { model: string }) => d.model === LOCAL_MODEL).provider, 'local');
      const openaiRow = byModel.data.find(
        (d: { provider: string; model: string }) => d.provider === 'openai' && d.model !== '',
      );
      assert.deepEqual(pick(openaiRow), sums(3, 33, 21, 0, 0));

      const byDay = await report('day');
      assert.deepEqual(
        byDay.data.map((d: { day: string }) => d.day),
        ['2031-03-01', '2031-03-02'],
      );
      assert.deepEqual(row(byDay.data, 'day', '2031-03-01'), sums(2, localIn + 11, localOut + 7, 1, 0));
      assert.deepEqual(row(byDay.data, 'day', '2031-03-02'), sums(3, 22, 14, 0, 1));

      // The range is [from, to): the second day alone.
      const second = await h().request(
        'GET',
        '/v1/usage?from=2031-03-02T00:00:00Z&to=2031-03-03&group_by=day',
        {
          account: k2,
        },
      );
      assert.deepEqual(pick(second.body.totals), sums(3, 22, 14, 0, 1));

      // Another account sees none of it; the operator sees it with account_id.
      const stranger = await newKey(h(), `usage-other-${process.pid}-${n++}`);
      const theirs = await h().request('GET', '/v1/usage?from=2031-03-01&to=2031-03-03', {
        account: stranger,
      });
      assert.deepEqual(theirs.body.data, []);
      assert.equal(theirs.body.totals.requests, 0);
      const peek = await h().request(
        'GET',
        `/v1/usage?from=2031-03-01&to=2031-03-03&account_id=${k1.accountId}`,
        {
          account: stranger,
        },
      );
      assert.equal(peek.status, 403);
      assert.equal(openGiantProblem(403, peek.body), undefined);
      const op = await h().request(
        'GET',
        `/v1/usage?from=2031-03-01&to=2031-03-03&account_id=${k1.accountId}`,
        {
          account: admin,
        },
      );
      assert.equal(op.status, 200, op.text);
      assert.equal(op.body.totals.requests, 5);
      const all = await h().request('GET', '/v1/usage?from=2031-03-01&to=2031-03-03', { account: admin });
      assert.ok(all.body.totals.requests >= 5);

      for (const bad of ['group_by=week', 'from=yesterday', 'from=2031-03-03&to=2031-03-01']) {
        const r = await h().request('GET', `/v1/usage?${bad}`, { account: k1 });
        assert.equal(r.status, 400, `${bad}: ${r.text}`);
        assert.equal(openGiantProblem(400, r.body), undefined);
      }
    });

    test('a streamed refine is recorded too', async () => {
      const k = await newKey(h(), `usage-stream-${process.pid}-${n++}`);
      const p = await persona(h(), k);
      at('2031-04-01T10:00:00.000Z');
      const r = await h().request('POST', '/v1/refine', {
        account: k,
        json: {
          provider: 'openai',
          providerApiKey: 'sk-test',
          model: 'gpt-test',
          personaId: p,
          content: 'stream me',
          stream: true,
        },
      });
      assert.equal(r.status, 200);
      assert.match(r.text, /event: done/);
      const u = await h().request('GET', '/v1/usage?from=2031-04-01&to=2031-04-02&group_by=model', {
        account: k,
      });
      assert.equal(u.body.totals.requests, 1);
      assert.equal(u.body.data[0].provider, 'openai');
    });

    test('a request budget refuses with 429 once spent, and resets the next UTC day', async () => {
      const k = await newKey(h(), `budget-${process.pid}-${n++}`, { budgetRequests: 2 });
      const p = await persona(h(), k);
      at('2031-05-01T23:00:00.000Z');
      assert.equal((await refine(h(), k, p, 'local', 'one')).status, 200);
      assert.equal((await refine(h(), k, p, 'local', 'two')).status, 200);
      const spent = await refine(h(), k, p, 'local', 'three');
      assert.equal(spent.status, 429, spent.text);
      assert.equal(openGiantProblem(429, spent.body), undefined);
      assert.match(spent.body.message, /daily budget of 2 requests is spent; it resets at 00:00 UTC/);
      assert.equal(spent.headers.get('retry-after'), '3600');
      // Routes that spend nothing are not refused.
      assert.equal((await h().request('GET', `/v1/personas/${p}`, { account: k })).status, 200);
      at('2031-05-02T00:00:01.000Z');
      assert.equal((await refine(h(), k, p, 'local', 'four')).status, 200);
    });

    test('a token budget counts the provider’s tokens and refuses once they reach it', async () => {
      const k = await newKey(h(), `budget-tokens-${process.pid}-${n++}`, { budgetTokens: 20 });
      const p = await persona(h(), k);
      at('2031-06-01T12:00:00.000Z');
      assert.equal((await refine(h(), k, p, 'openai', 'a')).status, 200); // 18 tokens
      assert.equal((await refine(h(), k, p, 'openai', 'b')).status, 200); // 36: the call under way finishes
      const spent = await refine(h(), k, p, 'openai', 'c');
      assert.equal(spent.status, 429, spent.text);
      assert.match(spent.body.message, /daily budget of 20 tokens is spent/);
    });

    test('budgets count what the store holds: a new counter (another instance) starts from it', async () => {
      const k = await newKey(h(), `budget-store-${process.pid}-${n++}`, { budgetRequests: 3 });
      const p = await persona(h(), k);
      at('2031-07-01T12:00:00.000Z');
      for (const c of ['a', 'b']) assert.equal((await refine(h(), k, p, 'local', c)).status, 200);
      await h().services.usage.flush();
      // A fresh guard over the same store (what a second instance has) knows two are spent.
      const { BudgetGuard } = await import('../src/core/budgets.ts');
      const { UsageRecorder } = await import('../src/core/usage.ts');
      const now = () => new Date('2031-07-01T12:30:00.000Z');
      const recorder = new UsageRecorder(h().services.db, h().services.log, now);
      const guard = new BudgetGuard(h().services.db, recorder, now);
      const principal = await h().services.keys.authenticate(k.key);
      assert.ok(principal);
      await guard.check(principal);
      recorder.record({
        accountId: k.accountId,
        keyId: principal.keyId,
        kind: 'refine',
        personaId: p,
        provider: 'local',
        model: LOCAL_MODEL,
        inputTokens: 1,
        outputTokens: 1,
        latencyMs: 1,
        outcome: 'ok',
      });
      await assert.rejects(guard.check(principal), /daily budget of 3 requests/);
      await recorder.close();
    });

    test('budgets are set at creation over HTTP and listed', async () => {
      const k = await newKey(h(), `budget-http-${process.pid}-${n++}`);
      const r = await h().request('POST', '/v1/keys', {
        account: k,
        json: { budget: { requests_per_day: 100, tokens_per_day: 5000 } },
      });
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(r.body.budget, { requests_per_day: 100, tokens_per_day: 5000 });
      const bad = await h().request('POST', '/v1/keys', {
        account: k,
        json: { budget: { requests_per_day: 0 } },
      });
      assert.equal(bad.status, 400);
    });
  },
  {
    PERSONAKIT_ADMIN_KEY: ADMIN,
    PERSONAKIT_OPENAI_BASE_URL: `${openai.origin}/v1`,
    PERSONAKIT_ALLOWED_HOSTS: '127.0.0.1',
  },
);
