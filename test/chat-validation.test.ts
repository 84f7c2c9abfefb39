import assert from 'node:assert/strict';
import { test } from 'node:test';
import { v1Persona } from './helpers/chat-surface.ts';
import { openAiProblem } from './helpers/error-shapes.ts';
import { describeEachBackend } from './helpers/harness.ts';

/**
 * Bad input on every field of POST /v1/chat/completions: a 400 in OpenAI's error shape whose `param`
 * names the field, never a 5xx and never a silent default. The local engine answers what is valid (no
 * LLM is configured), so nothing here reaches a network.
 */

const user = [{ role: 'user', content: 'hi' }];

/** [what is wrong, the body fields that replace the valid ones, the param the error names]. */
const cases: [string, Record<string, unknown>, string][] = [
  ['model missing', { model: undefined }, 'model'],
  ['model empty', { model: '' }, 'model'],
  ['model not a string', { model: 7 }, 'model'],
  ['messages missing', { messages: undefined }, 'messages'],
  ['messages empty', { messages: [] }, 'messages'],
  ['messages not an array', { messages: 'hi' }, 'messages'],
  ['unknown role', { messages: [{ role: 'function', content: 'x' }] }, 'messages.0.role'],
  ['content not text', { messages: [{ role: 'user', content: 5 }] }, 'messages.0.content'],
  [
    'image part',
    { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] },
    'messages.0.content.0.type',
  ],
  [
    'text part without text',
    { messages: [{ role: 'user', content: [{ type: 'text' }] }] },
    'messages.0.content.0.text',
  ],
  [
    'tool turn without tool_call_id',
    { messages: [{ role: 'tool', content: 'x' }] },
    'messages.0.tool_call_id',
  ],
  [
    'tool call without function name',
    {
      messages: [
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c', type: 'function', function: { arguments: '{}' } }],
        },
      ],
    },
    'messages.0.tool_calls.0.function.name',
  ],
  ['stream not boolean', { stream: 'yes' }, 'stream'],
  ['stream_options without stream', { stream_options: { include_usage: true } }, 'stream_options'],
  [
    'include_usage not boolean',
    { stream: true, stream_options: { include_usage: 'y' } },
    'stream_options.include_usage',
  ],
  ['tools not an array', { tools: {} }, 'tools'],
  ['tool of another type', { tools: [{ type: 'retrieval' }] }, 'tools.0.type'],
  [
    'tool name with spaces',
    { tools: [{ type: 'function', function: { name: 'get weather' } }] },
    'tools.0.function.name',
  ],
  [
    'tool parameters not an object',
    { tools: [{ type: 'function', function: { name: 'f', parameters: 'x' } }] },
    'tools.0.function.parameters',
  ],
  ['tool_choice unknown', { tool_choice: 'sometimes' }, 'tool_choice'],
  ['temperature above 2', { temperature: 2.5 }, 'temperature'],
  ['temperature not a number', { temperature: 'hot' }, 'temperature'],
  ['top_p above 1', { top_p: 1.5 }, 'top_p'],
  ['max_tokens zero', { max_tokens: 0 }, 'max_tokens'],
  ['max_tokens fractional', { max_tokens: 1.5 }, 'max_tokens'],
  ['max_completion_tokens negative', { max_completion_tokens: -1 }, 'max_completion_tokens'],
  ['stop with five sequences', { stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
  ['stop not text', { stop: 3 }, 'stop'],
  ['n above 1', { n: 2 }, 'n'],
  ['n zero', { n: 0 }, 'n'],
  ['user not a string', { user: 42 }, 'user'],
  ['response_format of unknown type', { response_format: { type: 'xml' } }, 'response_format.type'],
  ['document_ids not an array', { document_ids: 'd1' }, 'document_ids'],
  ['document_tags with an empty tag', { document_tags: [''] }, 'document_tags.0'],
  ['enforce not boolean', { enforce: 'yes' }, 'enforce'],
];

describeEachBackend('POST /v1/chat/completions input', (h) => {
  test('every bad field is a 400 in OpenAI shape naming the field', async () => {
    const a = await h().newAccount();
    const p = await v1Persona(h, a);
    for (const [what, fields, param] of cases) {
      const json: Record<string, unknown> = { model: p.id, messages: user, ...fields };
      for (const [k, v] of Object.entries(fields)) if (v === undefined) delete json[k];
      const r = await h().request('POST', '/v1/chat/completions', { account: a, json });
      assert.equal(r.status, 400, `${what}: ${r.text}`);
      assert.equal(openAiProblem(r.body), undefined, `${what}: ${r.text}`);
      assert.equal(r.body.error.type, 'invalid_request_error', what);
      assert.equal(r.body.error.param, param, `${what}: ${r.text}`);
    }
    // The same body with its fields valid is answered.
    const ok = await h().request('POST', '/v1/chat/completions', {
      account: a,
      json: {
        model: p.id,
        messages: [
          { role: 'developer', content: [{ type: 'text', text: 'Be brief.' }] },
          { role: 'user', content: [{ type: 'text', text: 'hi' }], name: 'lin' },
        ],
        stream: false,
        temperature: 1,
        top_p: 0.5,
        max_completion_tokens: 10,
        stop: 'END',
        n: 1,
        user: 'u1',
        response_format: { type: 'text' },
        seed: 3,
        parallel_tool_calls: true,
      },
    });
    assert.equal(ok.status, 200, ok.text);
  });

  test('transport errors keep the OpenAI shape: no key, wrong media type, oversized or broken JSON, wrong method', async () => {
    const a = await h().newAccount();
    const p = await v1Persona(h, a);
    const body = JSON.stringify({ model: p.id, messages: user });
    const replies = [
      [
        401,
        await h().request('POST', '/v1/chat/completions', {
          body,
          headers: { 'content-type': 'application/json' },
        }),
      ],
      [
        415,
        await h().request('POST', '/v1/chat/completions', {
          account: a,
          body,
          headers: { 'content-type': 'text/plain' },
        }),
      ],
      [
        400,
        await h().request('POST', '/v1/chat/completions', {
          account: a,
          body: '{"model":',
          headers: { 'content-type': 'application/json' },
        }),
      ],
      [
        413,
        await h().request('POST', '/v1/chat/completions', {
          account: a,
          json: { model: p.id, messages: user, pad: 'x'.repeat(1_100_000) },
        }),
      ],
      [405, await h().request('DELETE', '/v1/chat/completions', { account: a })],
      [404, await h().request('GET', '/v1/models/nope', { account: a })],
      // A NUL in an id never reaches the store (PostgreSQL refuses it in text: it was a 500).
      [404, await h().request('GET', '/v1/models/%00', { account: a })],
      // In a body it is refused with every other string that is not well-formed Unicode.
      [
        400,
        await h().request('POST', '/v1/chat/completions', {
          account: a,
          json: { model: 'p\u0000', messages: user },
        }),
      ],
    ] as const;
    for (const [status, r] of replies) {
      assert.equal(r.status, status, r.text);
      assert.equal(openAiProblem(r.body), undefined, r.text);
    }
    // The OpenGiant routes beside them keep their own shape.
    const og = await h().request('GET', '/v1/personas/nope', { account: a });
    assert.deepEqual(Object.keys(og.body).sort(), ['error', 'message']);
  });
});
