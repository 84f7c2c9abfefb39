import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fullCustomizations } from './fixtures/tavus-seed.ts';
import { type Account, describeEachBackend, type Harness, type Reply } from './helpers/harness.ts';
import { upload } from './helpers/knowledge.ts';

const INVALID_PATCH = { message: 'Invalid JSON patch format' };

/** The seed's full example plus STT hotwords, so every path of Tavus' own patch example exists. */
const base = {
  ...fullCustomizations,
  layers: { ...fullCustomizations.layers, stt: { stt_engine: 'tavus-advanced', hotwords: 'Roey' } },
};

async function make(h: Harness, account: Account, json: unknown = base): Promise<string> {
  const c = await h.request('POST', '/v2/personas', { account, json });
  assert.equal(c.status, 200, c.text);
  return c.body.persona_id;
}

async function read(h: Harness, account: Account, id: string) {
  const r = await h.request('GET', `/v2/personas/${id}`, { account });
  assert.equal(r.status, 200, r.text);
  return r.body.data[0];
}

const patch = (h: Harness, account: Account, id: string, json: unknown): Promise<Reply> =>
  h.request('PATCH', `/v2/personas/${id}`, { account, json });

describeEachBackend('/v2 JSON Patch', (h) => {
  test("Tavus' documented example applies as a whole and answers 200 with the updated persona", async () => {
    const account = await h().newAccount();
    const id = await make(h(), account);
    const ops = [
      { op: 'replace', path: '/persona_name', value: 'Wellness Advisor' },
      { op: 'replace', path: '/default_replica_id', value: 'r79e1c033f' },
      {
        op: 'replace',
        path: '/context',
        value: 'Here are a few times that you have helped an individual make a breakthrough in...',
      },
      { op: 'replace', path: '/layers/llm/model', value: 'tavus-gpt-4o' },
      { op: 'replace', path: '/layers/tts/tts_engine', value: 'cartesia' },
      { op: 'add', path: '/layers/tts/tts_emotion_control', value: 'true' },
      { op: 'remove', path: '/layers/stt/hotwords' },
      {
        op: 'replace',
        path: '/layers/perception/perception_tool_prompt',
        value: 'Use tools when identity documents are clearly shown.',
      },
    ];
    const r = await patch(h(), account, id, ops);
    assert.equal(r.status, 200, r.text);
    const p = await read(h(), account, id);
    assert.deepEqual(r.body, p);
    assert.equal(p.persona_name, 'Wellness Advisor');
    assert.equal(p.default_replica_id, 'r79e1c033f');
    assert.equal(p.layers.tts.tts_emotion_control, 'true');
    assert.deepEqual(p.layers.stt, { stt_engine: 'tavus-advanced' });
    assert.equal(
      p.layers.perception.perception_tool_prompt,
      'Use tools when identity documents are clearly shown.',
    );
    assert.ok(p.updated_at > p.created_at);
    // Everything the patch did not name is as it was.
    assert.deepEqual(p.layers.llm, base.layers.llm);
    assert.deepEqual(p.layers.conversational_flow, base.layers.conversational_flow);
  });

  test('each operation: add, remove, replace, copy, move, test', async () => {
    const account = await h().newAccount();
    const id = await make(h(), account);
    // document_ids must name documents of the account (a made-up id is a 400, tested with the documents).
    const doc = await upload(h(), account, { name: 'notes.txt', type: 'text/plain', text: 'Notes.' });
    const docId = String(doc.body.document_id);
    const cases: [object[], (p: Reply['body']) => void][] = [
      [
        [{ op: 'add', path: '/document_ids/-', value: docId }],
        (p) => assert.deepEqual(p.document_ids, [docId]),
      ],
      [
        [{ op: 'add', path: '/layers/llm/extra_body', value: { temperature: 0.7 } }],
        (p) => assert.deepEqual(p.layers.llm.extra_body, { temperature: 0.7 }),
      ],
      [[{ op: 'remove', path: '/default_replica_id' }], (p) => assert.equal(p.default_replica_id, null)],
      [
        [{ op: 'replace', path: '/system_prompt', value: 'You are calm.' }],
        (p) => assert.equal(p.system_prompt, 'You are calm.'),
      ],
      [
        [{ op: 'copy', from: '/persona_name', path: '/context' }],
        (p) => assert.equal(p.context, 'Life Coach'),
      ],
      [
        [{ op: 'move', from: '/layers/stt/hotwords', path: '/layers/perception/perception_tool_prompt' }],
        (p) => {
          assert.equal(p.layers.perception.perception_tool_prompt, 'Roey');
          assert.equal('hotwords' in p.layers.stt, false);
        },
      ],
      [
        [
          { op: 'test', path: '/persona_name', value: 'Life Coach' },
          { op: 'replace', path: '/persona_name', value: 'Tested' },
        ],
        (p) => assert.equal(p.persona_name, 'Tested'),
      ],
      [
        [{ op: 'add', path: '/my_field', value: { kept: true } }],
        (p) => assert.deepEqual(p.my_field, { kept: true }),
      ],
      [[{ op: 'remove', path: '/my_field' }], (p) => assert.equal('my_field' in p, false)],
    ];
    for (const [ops, check] of cases) {
      const r = await patch(h(), account, id, ops);
      assert.equal(r.status, 200, `${JSON.stringify(ops)}: ${r.text}`);
      check(await read(h(), account, id));
    }
  });

  test('422 for a failing test, a missing path, and anything that is not a JSON Patch; nothing changes', async () => {
    const account = await h().newAccount();
    const id = await make(h(), account);
    const before = await read(h(), account, id);
    const bodies: unknown[] = [
      [
        { op: 'replace', path: '/persona_name', value: 'Changed first' },
        { op: 'test', path: '/context', value: 'something else' },
      ],
      [{ op: 'replace', path: '/layers/does_not_exist/model', value: 'x' }],
      [{ op: 'replace', path: '/nothing_here', value: 'x' }],
      [{ op: 'remove', path: '/layers/stt/nothing_here' }],
      [{ op: 'move', from: '/nowhere', path: '/context' }],
      [{ op: 'copy', from: '/nowhere', path: '/context' }],
      [{ op: 'add', path: '/layers/missing_parent/child', value: 1 }],
      [{ op: 'add', path: '/document_ids/7', value: 'd' }],
      [{ op: 'add', path: '/__proto__/polluted', value: true }],
      { op: 'replace', path: '/persona_name', value: 'not an array' },
      [{ op: 'merge', path: '/persona_name', value: 'x' }],
      [{ op: 'replace', value: 'no path' }],
      [{ op: 'replace', path: 'persona_name', value: 'not a pointer' }],
      [{ op: 'add', path: '/context' }],
      [{ op: 'move', path: '/context' }],
      ['replace'],
    ];
    for (const json of bodies) {
      const r = await patch(h(), account, id, json);
      assert.deepEqual([r.status, r.body], [422, INVALID_PATCH], JSON.stringify(json));
    }
    assert.deepEqual(await read(h(), account, id), before);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('400 for a patch that leaves an invalid persona; nothing changes', async () => {
    const account = await h().newAccount();
    const id = await make(h(), account);
    const before = await read(h(), account, id);
    const cases: [object[], string | RegExp][] = [
      [
        [
          { op: 'replace', path: '/persona_name', value: 'Changed first' },
          { op: 'replace', path: '/system_prompt', value: '' },
        ],
        'system_prompt: is required unless pipeline_mode is echo',
      ],
      [[{ op: 'remove', path: '/system_prompt' }], 'system_prompt: is required unless pipeline_mode is echo'],
      [[{ op: 'replace', path: '/pipeline_mode', value: 'half' }], /^pipeline_mode: /],
      [[{ op: 'replace', path: '/layers/tts/tts_engine', value: 'playht' }], /^layers\.tts\.tts_engine: /],
      [
        [{ op: 'replace', path: '/layers/conversational_flow/turn_taking_patience', value: 'x' }],
        /^layers\.conversational_flow\.turn_taking_patience: /,
      ],
      [
        [{ op: 'add', path: '/layers/llm/tools/-', value: { name: 'flat' } }],
        /^layers\.llm\.tools\.1\.type: /,
      ],
      [[{ op: 'replace', path: '/document_ids', value: 'd1' }], /^document_ids: /],
      [[{ op: 'replace', path: '/persona_id', value: 'pother' }], 'persona_id: cannot be changed'],
      [[{ op: 'remove', path: '/created_at' }], 'created_at: cannot be changed'],
      [[{ op: 'replace', path: '/persona_type', value: 'system' }], 'persona_type: cannot be changed'],
      [[{ op: 'replace', path: '', value: [] }], /^body: /],
    ];
    for (const [ops, error] of cases) {
      const r = await patch(h(), account, id, ops);
      assert.equal(r.status, 400, `${JSON.stringify(ops)}: ${r.text}`);
      assert.deepEqual(Object.keys(r.body), ['error']);
      if (typeof error === 'string') assert.equal(r.body.error, error);
      else assert.match(r.body.error, error);
    }
    assert.deepEqual(await read(h(), account, id), before);
    // Echo mode needs no prompt: the same emptying is accepted together with the switch.
    const echo = await patch(h(), account, id, [
      { op: 'replace', path: '/pipeline_mode', value: 'echo' },
      { op: 'replace', path: '/system_prompt', value: '' },
    ]);
    assert.equal(echo.status, 200, echo.text);
  });

  test('304 with no body when the result equals the original', async () => {
    const account = await h().newAccount();
    const id = await make(h(), account);
    const before = await read(h(), account, id);
    const bodies: unknown[] = [
      [],
      [{ op: 'test', path: '/persona_name', value: 'Life Coach' }],
      [{ op: 'replace', path: '/persona_name', value: 'Life Coach' }],
      [
        { op: 'replace', path: '/context', value: 'temporary' },
        { op: 'replace', path: '/context', value: base.context },
      ],
    ];
    for (const json of bodies) {
      const r = await patch(h(), account, id, json);
      assert.equal(r.status, 304, JSON.stringify(json));
      // Tavus documents {"message": "No changes were made to the persona"}, but a 304 carries no body.
      assert.equal(r.text, '');
    }
    assert.deepEqual(await read(h(), account, id), before);
    const v1 = await h().request('GET', `/v1/personas/${id}`, { account });
    assert.equal(v1.body.version, 1);
  });

  test('application/json-patch+json is accepted', async () => {
    const account = await h().newAccount();
    const id = await make(h(), account);
    const r = await h().request('PATCH', `/v2/personas/${id}`, {
      account,
      body: JSON.stringify([{ op: 'replace', path: '/persona_name', value: 'Via json-patch' }]),
      headers: { 'content-type': 'application/json-patch+json' },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.persona_name, 'Via json-patch');
  });

  test('concurrent patches to different fields are all applied', async () => {
    const account = await h().newAccount();
    const id = await make(h(), account);
    const ops = [
      [{ op: 'replace', path: '/persona_name', value: 'Concurrent name' }],
      [{ op: 'replace', path: '/context', value: 'Concurrent context' }],
      [{ op: 'add', path: '/layers/stt/hotwords', value: 'Concurrent hotwords' }],
      [{ op: 'add', path: '/document_tags/-', value: 'concurrent_tag' }],
      [{ op: 'replace', path: '/layers/llm/model', value: 'tavus-gpt-4o-mini' }],
    ];
    const replies = await Promise.all(ops.map((o) => patch(h(), account, id, o)));
    assert.deepEqual(
      replies.map((r) => r.status),
      ops.map(() => 200),
    );
    const p = await read(h(), account, id);
    assert.equal(p.persona_name, 'Concurrent name');
    assert.equal(p.context, 'Concurrent context');
    assert.equal(p.layers.stt.hotwords, 'Concurrent hotwords');
    assert.deepEqual(p.document_tags, ['concurrent_tag']);
    assert.equal(p.layers.llm.model, 'tavus-gpt-4o-mini');
    const v1 = await h().request('GET', `/v1/personas/${id}`, { account });
    assert.equal(v1.body.version, 1 + ops.length);
  });
});
