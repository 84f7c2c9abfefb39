import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fullCustomizations, requiredParametersOnly } from './fixtures/tavus-seed.ts';
import { describeEachBackend } from './helpers/harness.ts';

const wireKeys = [
  'persona_id',
  'persona_name',
  'system_prompt',
  'pipeline_mode',
  'context',
  'default_replica_id',
  'document_ids',
  'document_tags',
  'layers',
  'persona_type',
  'attributes',
  'created_at',
  'updated_at',
];

describeEachBackend('/v2/personas', (h) => {
  for (const [title, example] of [
    ['Required Parameters Only', requiredParametersOnly],
    ['Full Customizations', fullCustomizations],
  ] as const) {
    test(`seed example "${title}": created as written, read back field for field`, async () => {
      const account = await h().newAccount();
      const c = await h().request('POST', '/v2/personas', { account, json: example });
      assert.equal(c.status, 200, c.text);
      assert.deepEqual(Object.keys(c.body), ['persona_id', 'persona_name', 'created_at']);
      assert.match(c.body.persona_id, /^p[a-z0-9]{24}$/);
      assert.equal(c.body.persona_name, 'persona_name' in example ? example.persona_name : null);
      assert.ok(!Number.isNaN(Date.parse(c.body.created_at)));

      const r = await h().request('GET', `/v2/personas/${c.body.persona_id}`, { account });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(Object.keys(r.body), ['data']);
      assert.equal(r.body.data.length, 1);
      const p = r.body.data[0];
      for (const [k, v] of Object.entries(example)) assert.deepEqual(p[k], v, k);
      assert.equal(p.persona_id, c.body.persona_id);
      assert.equal(p.created_at, c.body.created_at);
      assert.equal(p.updated_at, c.body.created_at);
      assert.equal(p.persona_type, 'user');
      assert.deepEqual(Object.keys(p), wireKeys);
    });
  }

  test('unset fields read back as null or empty, pipeline_mode defaults to full', async () => {
    const account = await h().newAccount();
    const c = await h().request('POST', '/v2/personas', { account, json: { system_prompt: 'Be brief.' } });
    const p = (await h().request('GET', `/v2/personas/${c.body.persona_id}`, { account })).body.data[0];
    assert.deepEqual(
      { ...p, persona_id: 0, created_at: 0, updated_at: 0 },
      {
        persona_id: 0,
        persona_name: null,
        system_prompt: 'Be brief.',
        pipeline_mode: 'full',
        context: null,
        default_replica_id: null,
        document_ids: [],
        document_tags: [],
        layers: {},
        persona_type: 'user',
        attributes: {},
        created_at: 0,
        updated_at: 0,
      },
    );
  });

  test('echo mode needs no system_prompt; top-level fields the schema does not list are kept', async () => {
    const account = await h().newAccount();
    const json = { pipeline_mode: 'echo', persona_name: 'Echo', custom_flag: { a: [1, 2] }, note: 'kept' };
    const c = await h().request('POST', '/v2/personas', { account, json });
    assert.equal(c.status, 200, c.text);
    const p = (await h().request('GET', `/v2/personas/${c.body.persona_id}`, { account })).body.data[0];
    assert.equal(p.pipeline_mode, 'echo');
    assert.equal(p.system_prompt, null);
    assert.deepEqual(p.custom_flag, { a: [1, 2] });
    assert.equal(p.note, 'kept');
    // Kept beside the layers in the store, but never shown inside them.
    assert.deepEqual(p.layers, {});
  });

  test('read-only fields in a create body are ignored', async () => {
    const account = await h().newAccount();
    const json = {
      system_prompt: 'x',
      persona_id: 'pmine',
      created_at: 'yesterday',
      persona_type: 'system',
    };
    const c = await h().request('POST', '/v2/personas', { account, json });
    assert.equal(c.status, 200, c.text);
    assert.notEqual(c.body.persona_id, 'pmine');
    const p = (await h().request('GET', `/v2/personas/${c.body.persona_id}`, { account })).body.data[0];
    assert.equal(p.persona_type, 'user');
    assert.notEqual(p.created_at, 'yesterday');
  });

  test('list: pages start at 1, limit defaults to 10, newest first, with total_count', async () => {
    const account = await h().newAccount();
    const ids: string[] = [];
    // A clock one second apart per persona, so "newest first" has one right answer.
    const services = h().services;
    const realNow = services.now;
    let tick = Date.parse('2030-01-01T00:00:00.000Z');
    services.now = () => {
      tick += 1000;
      return new Date(tick);
    };
    try {
      for (let i = 0; i < 12; i++) {
        const c = await h().request('POST', '/v2/personas', {
          account,
          json: { persona_name: `P${i}`, system_prompt: 'x' },
        });
        ids.push(c.body.persona_id);
      }
    } finally {
      services.now = realNow;
    }
    const first = await h().request('GET', '/v2/personas', { account });
    assert.equal(first.status, 200);
    assert.deepEqual(Object.keys(first.body), ['data', 'total_count']);
    assert.equal(first.body.total_count, 12);
    assert.equal(first.body.data.length, 10);
    assert.equal(first.body.data[0].persona_name, 'P11');
    assert.deepEqual(Object.keys(first.body.data[0]), wireKeys);
    const second = await h().request('GET', '/v2/personas?page=2', { account });
    assert.deepEqual(
      second.body.data.map((p: { persona_name: string }) => p.persona_name),
      ['P1', 'P0'],
    );
    const small = await h().request('GET', '/v2/personas?limit=5&page=3&persona_type=user', { account });
    assert.equal(small.body.data.length, 2);
    assert.equal(small.body.total_count, 12);
    const past = await h().request('GET', '/v2/personas?limit=5&page=9', { account });
    assert.deepEqual(past.body, { data: [], total_count: 12 });
    const all = new Set(
      [...first.body.data, ...second.body.data].map((p: { persona_id: string }) => p.persona_id),
    );
    assert.deepEqual([...all].sort(), [...ids].sort());
  });

  test('delete: 204 with no body, then 404', async () => {
    const account = await h().newAccount();
    const c = await h().request('POST', '/v2/personas', { account, json: requiredParametersOnly });
    const path = `/v2/personas/${c.body.persona_id}`;
    const d = await h().request('DELETE', path, { account });
    assert.equal(d.status, 204);
    assert.equal(d.text, '');
    const r = await h().request('GET', path, { account });
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, { message: 'Persona not found' });
    assert.equal((await h().request('DELETE', path, { account })).status, 404);
  });

  test('x-api-key and Bearer both authenticate', async () => {
    const account = await h().newAccount();
    const viaHeader = await h().request('GET', '/v2/personas', { headers: { 'x-api-key': account.key } });
    const viaBearer = await h().request('GET', '/v2/personas', {
      headers: { authorization: `Bearer ${account.key}` },
    });
    assert.deepEqual([viaHeader.status, viaBearer.status], [200, 200]);
  });
});

describeEachBackend('one store behind /v1 and /v2', (h) => {
  test('a /v2 persona is a /v1 persona with name = persona_name, and /v1 renames show on /v2', async () => {
    const account = await h().newAccount();
    const c = await h().request('POST', '/v2/personas', { account, json: fullCustomizations });
    const v1 = await h().request('GET', `/v1/personas/${c.body.persona_id}`, { account });
    assert.equal(v1.status, 200);
    assert.equal(v1.body.id, c.body.persona_id);
    assert.equal(v1.body.name, 'Life Coach');
    const list = await h().request('GET', '/v1/personas', { account });
    assert.deepEqual(
      list.body.data.map((p: { id: string }) => p.id),
      [c.body.persona_id],
    );
    await h().request('PATCH', `/v1/personas/${c.body.persona_id}`, { account, json: { name: 'Coach' } });
    const v2 = (await h().request('GET', `/v2/personas/${c.body.persona_id}`, { account })).body.data[0];
    assert.equal(v2.persona_name, 'Coach');
    // A /v1 update keeps everything only /v2 shows.
    assert.deepEqual(v2.layers, fullCustomizations.layers);
    assert.equal(v2.system_prompt, fullCustomizations.system_prompt);
  });

  test('a /v1 persona is listed and readable on /v2 and can be renamed there', async () => {
    const account = await h().newAccount();
    const c = await h().request('POST', '/v1/personas', {
      account,
      json: { name: 'Plain', attributes: { tone: 'warm' } },
    });
    const list = await h().request('GET', '/v2/personas', { account });
    assert.equal(list.body.total_count, 1);
    const p = list.body.data[0];
    assert.equal(p.persona_id, c.body.id);
    assert.equal(p.persona_name, 'Plain');
    assert.equal(p.system_prompt, null);
    // No system prompt (made on /v1), but a patch that does not touch it is still accepted.
    const r = await h().request('PATCH', `/v2/personas/${c.body.id}`, {
      account,
      json: [{ op: 'replace', path: '/persona_name', value: 'Renamed' }],
    });
    assert.equal(r.status, 200, r.text);
    const v1 = await h().request('GET', `/v1/personas/${c.body.id}`, { account });
    assert.equal(v1.body.name, 'Renamed');
    assert.deepEqual(v1.body.attributes, { tone: 'warm' });
    assert.equal(v1.body.version, 2);
    // Deleting on /v2 deletes it everywhere.
    assert.equal((await h().request('DELETE', `/v2/personas/${c.body.id}`, { account })).status, 204);
    assert.equal((await h().request('GET', `/v1/personas/${c.body.id}`, { account })).status, 404);
  });
});
