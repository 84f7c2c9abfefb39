import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ensureSystemPersonas, systemPersonas } from '../src/core/system-personas.ts';
import { describeEachBackend } from './helpers/harness.ts';

const ids = systemPersonas.map((p) => p.id).sort();

describeEachBackend('system personas', (h) => {
  test('listed with persona_type=system for every account, with real prompts; not among user personas', async () => {
    for (const account of [await h().newAccount(), await h().newAccount()]) {
      const r = await h().request('GET', '/v2/personas?persona_type=system', { account });
      assert.equal(r.status, 200);
      assert.equal(r.body.total_count, ids.length);
      assert.ok(ids.length >= 3 && ids.length <= 5);
      assert.deepEqual(r.body.data.map((p: { persona_id: string }) => p.persona_id).sort(), ids);
      for (const p of r.body.data) {
        assert.equal(p.persona_type, 'system');
        assert.match(p.persona_id, /^psys_/);
        assert.ok(p.persona_name.length > 0);
        assert.ok(p.system_prompt.length > 100, p.persona_id);
        assert.equal(p.pipeline_mode, 'full');
      }
      const mine = await h().request('GET', '/v2/personas', { account });
      assert.deepEqual(mine.body, { data: [], total_count: 0 });
    }
  });

  test('readable by id on /v2 and /v1, with style attributes for refine', async () => {
    const account = await h().newAccount();
    const r = await h().request('GET', '/v2/personas/psys_legal_summarizer', { account });
    assert.equal(r.status, 200);
    assert.equal(r.body.data[0].persona_name, 'Formal Legal Summarizer');
    const v1 = await h().request('GET', '/v1/personas/psys_legal_summarizer', { account });
    assert.equal(v1.status, 200);
    assert.equal(v1.body.name, 'Formal Legal Summarizer');
    assert.equal(v1.body.attributes.formality, 'formal');
  });

  test('never modifiable or deletable, on either surface', async () => {
    const account = await h().newAccount();
    const path = '/v2/personas/psys_support_agent';
    const before = (await h().request('GET', path, { account })).body;
    const patch = await h().request('PATCH', path, {
      account,
      json: [{ op: 'replace', path: '/persona_name', value: 'Mine now' }],
    });
    assert.deepEqual([patch.status, patch.body], [403, { message: 'System personas cannot be modified' }]);
    const del = await h().request('DELETE', path, { account });
    assert.deepEqual([del.status, del.body], [403, { message: 'System personas cannot be modified' }]);
    const v1 = await h().request('PATCH', '/v1/personas/psys_support_agent', {
      account,
      json: { name: 'x' },
    });
    assert.equal(v1.status, 403);
    assert.equal((await h().request('DELETE', '/v1/personas/psys_support_agent', { account })).status, 403);
    assert.deepEqual((await h().request('GET', path, { account })).body, before);
  });

  test('seeding is idempotent and restores a built-in that drifted', async () => {
    const { db } = h().services;
    const read = () =>
      db.kysely
        .selectFrom('personas')
        .selectAll()
        .where('id', '=', 'psys_patient_tutor')
        .executeTakeFirstOrThrow();
    const first = await read();
    await ensureSystemPersonas(db, new Date());
    assert.deepEqual(await read(), first);
    await db.kysely
      .updateTable('personas')
      .set({ system_prompt: 'stale' })
      .where('id', '=', 'psys_patient_tutor')
      .execute();
    await ensureSystemPersonas(db, new Date());
    const restored = await read();
    assert.equal(restored.system_prompt, first.system_prompt);
    assert.equal(Number(restored.version), Number(first.version) + 1);
    const count = await db.kysely
      .selectFrom('personas')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('persona_type', '=', 'system')
      .executeTakeFirstOrThrow();
    assert.equal(Number(count.n), ids.length);
  });
});
