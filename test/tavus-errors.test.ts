import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requiredParametersOnly } from './fixtures/tavus-seed.ts';
import { describeEachBackend, type Reply } from './helpers/harness.ts';

/** Tavus' 400 shape: exactly {"error": "..."}. */
function assertBadRequest(r: Reply, error: string | RegExp) {
  assert.equal(r.status, 400, r.text);
  assert.deepEqual(Object.keys(r.body), ['error']);
  if (typeof error === 'string') assert.equal(r.body.error, error);
  else assert.match(r.body.error, error);
}

/** Tavus' other errors: exactly {"message": "..."}. */
function assertMessage(r: Reply, status: number, message: string | RegExp) {
  assert.equal(r.status, status, r.text);
  assert.deepEqual(Object.keys(r.body), ['message']);
  if (typeof message === 'string') assert.equal(r.body.message, message);
  else assert.match(r.body.message, message);
}

const valid = { persona_name: 'X', system_prompt: 'Be kind.' };

describeEachBackend('/v2 errors', (h) => {
  test('400 Invalid persona_id for an id of impossible shape, on every route', async () => {
    const account = await h().newAccount();
    for (const id of ['..%2F..%2Fetc', 'UPPER', 'p', 'p-dash', `p${'x'.repeat(64)}`]) {
      for (const method of ['GET', 'PATCH', 'DELETE']) {
        const json = method === 'PATCH' ? [] : undefined;
        const r = await h().request(method, `/v2/personas/${id}`, { account, json });
        assert.deepEqual([r.status, r.body], [400, { error: 'Invalid persona_id' }], `${method} ${id}`);
      }
    }
  });

  test('400: system_prompt is required unless pipeline_mode is echo', async () => {
    const account = await h().newAccount();
    const expected = 'system_prompt: is required unless pipeline_mode is echo';
    for (const json of [
      {},
      { persona_name: 'No prompt' },
      { pipeline_mode: 'full' },
      { system_prompt: '' },
      { system_prompt: '   ' },
      { system_prompt: null },
    ]) {
      assertBadRequest(await h().request('POST', '/v2/personas', { account, json }), expected);
    }
    const echo = await h().request('POST', '/v2/personas', { account, json: { pipeline_mode: 'echo' } });
    assert.equal(echo.status, 200);
  });

  test('400: each enum of the seed, violated once', async () => {
    const account = await h().newAccount();
    const cases: [unknown, string][] = [
      [{ ...valid, pipeline_mode: 'half' }, 'pipeline_mode'],
      [
        { ...valid, layers: { perception: { perception_model: 'raven-9' } } },
        'layers.perception.perception_model',
      ],
      [
        { ...valid, layers: { conversational_flow: { turn_detection_model: 'sparrow-9' } } },
        'layers.conversational_flow.turn_detection_model',
      ],
      [
        { ...valid, layers: { conversational_flow: { turn_taking_patience: 'extreme' } } },
        'layers.conversational_flow.turn_taking_patience',
      ],
      [
        { ...valid, layers: { conversational_flow: { replica_interruptibility: 'never' } } },
        'layers.conversational_flow.replica_interruptibility',
      ],
      [{ ...valid, layers: { tts: { tts_engine: 'playht' } } }, 'layers.tts.tts_engine'],
    ];
    for (const [json, field] of cases) {
      const r = await h().request('POST', '/v2/personas', { account, json });
      assertBadRequest(r, new RegExp(`^${field.replaceAll('.', '\\.')}: `));
    }
    // Nothing was stored by any of them.
    assert.equal((await h().request('GET', '/v2/personas', { account })).body.total_count, 0);
  });

  test('400: tools must be OpenAI-style function tools', async () => {
    const account = await h().newAccount();
    const tool = { type: 'function', function: { name: 'ok_tool', parameters: { type: 'object' } } };
    const ok = await h().request('POST', '/v2/personas', {
      account,
      json: { ...valid, layers: { llm: { tools: [tool] }, perception: { perception_tools: [tool] } } },
    });
    assert.equal(ok.status, 200, ok.text);
    const bad: [unknown, RegExp][] = [
      [{ llm: { tools: [{ name: 'flat', description: 'not wrapped' }] } }, /^layers\.llm\.tools\.0\.type: /],
      [
        { llm: { tools: [{ type: 'retrieval', function: { name: 'x' } }] } },
        /^layers\.llm\.tools\.0\.type: /,
      ],
      [{ llm: { tools: [{ type: 'function', function: {} }] } }, /^layers\.llm\.tools\.0\.function\.name: /],
      [
        { llm: { tools: [{ type: 'function', function: { name: 'has space' } }] } },
        /function\.name: must be/,
      ],
      [{ llm: { tools: {} } }, /^layers\.llm\.tools: /],
      [
        { llm: { tools: [{ type: 'function', function: { name: 'x', parameters: { type: 'string' } } }] } },
        /parameters\.type: /,
      ],
      [
        { perception: { perception_tools: [{ name: 'flat' }] } },
        /^layers\.perception\.perception_tools\.0\.type: /,
      ],
    ];
    for (const [layers, message] of bad) {
      assertBadRequest(
        await h().request('POST', '/v2/personas', { account, json: { ...valid, layers } }),
        message,
      );
    }
  });

  test('400: wrong types, reserved names and malformed JSON', async () => {
    const account = await h().newAccount();
    const cases: [unknown, RegExp][] = [
      [{ ...valid, persona_name: 42 }, /^persona_name: /],
      [{ ...valid, persona_name: 'x'.repeat(201) }, /^persona_name: must be at most 200/],
      [{ ...valid, document_ids: 'd1' }, /^document_ids: /],
      [{ ...valid, document_tags: [1] }, /^document_tags\.0: /],
      [{ ...valid, layers: [] }, /^layers: /],
      [
        { ...valid, layers: { llm: { headers: { Authorization: 1 } } } },
        /^layers\.llm\.headers\.Authorization: /,
      ],
      [
        { ...valid, layers: { llm: { speculative_inference: 'yes' } } },
        /^layers\.llm\.speculative_inference: /,
      ],
      [{ ...valid, layers: { _personakit_top_level: {} } }, /^layers: _personakit_top_level is reserved/],
      [[], /^body: /],
    ];
    for (const [json, message] of cases) {
      assertBadRequest(await h().request('POST', '/v2/personas', { account, json }), message);
    }
    const headers = { 'content-type': 'application/json' };
    for (const body of ['{"system_prompt":', '', 'null x']) {
      const r = await h().request('POST', '/v2/personas', { account, body, headers });
      assertBadRequest(r, 'Request body is not valid JSON');
    }
  });

  test('400: list query out of range', async () => {
    const account = await h().newAccount();
    for (const [query, message] of [
      ['limit=0', /^limit: must be at least 1/],
      ['limit=101', /^limit: must be at most 100/],
      ['limit=abc', /^limit: /],
      ['page=0', /^page: must be at least 1/],
      ['page=1.5', /^page: must be an integer/],
      ['persona_type=admin', /^persona_type: /],
    ] as const) {
      assertBadRequest(await h().request('GET', `/v2/personas?${query}`, { account }), message);
    }
  });

  test('401 {"message": "Invalid access token"}: missing, unknown and malformed keys, on every route', async () => {
    const routes: [string, string, unknown][] = [
      ['POST', '/v2/personas', valid],
      ['GET', '/v2/personas', undefined],
      ['GET', '/v2/personas/pabc', undefined],
      ['PATCH', '/v2/personas/pabc', []],
      ['DELETE', '/v2/personas/pabc', undefined],
    ];
    const variants: Record<string, string>[] = [
      {},
      { 'x-api-key': 'nope' },
      { authorization: 'Bearer pk_nope' },
      { authorization: 'Basic x' },
    ];
    for (const [method, path, json] of routes) {
      for (const headers of variants) {
        const r = await h().request(method, path, { headers, json });
        assert.deepEqual([r.status, r.body], [401, { message: 'Invalid access token' }], `${method} ${path}`);
      }
    }
  });

  test('404 {"message": ...}: unknown persona, unknown route', async () => {
    const account = await h().newAccount();
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const json = method === 'PATCH' ? [] : undefined;
      const r = await h().request(method, '/v2/personas/pdoesnotexist', { account, json });
      assert.deepEqual([r.status, r.body], [404, { message: 'Persona not found' }], method);
    }
    assertMessage(await h().request('GET', '/v2/nothing-here', { account }), 404, /^No route for GET/);
  });

  test('405 with Allow, 413, 415, in the {"message"} shape', async () => {
    const account = await h().newAccount();
    const put = await h().request('PUT', '/v2/personas/pabc', { account });
    assertMessage(put, 405, 'Method PUT is not allowed on /v2/personas/pabc');
    assert.equal(put.headers.get('allow'), 'GET, PATCH, DELETE');
    const big = JSON.stringify({ ...valid, context: 'y'.repeat(1024 * 1024) });
    const r413 = await h().request('POST', '/v2/personas', {
      account,
      body: big,
      headers: { 'content-type': 'application/json' },
    });
    assertMessage(r413, 413, 'Request body is larger than 1048576 bytes');
    for (const [method, path] of [
      ['POST', '/v2/personas'],
      ['PATCH', '/v2/personas/pabc'],
    ] as const) {
      const r = await h().request(method, path, {
        account,
        body: JSON.stringify(requiredParametersOnly),
        headers: { 'content-type': 'text/plain' },
      });
      assertMessage(r, 415, 'Content-Type must be application/json');
    }
  });
});
