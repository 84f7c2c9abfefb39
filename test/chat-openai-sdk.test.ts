import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import OpenAI from 'openai';
import {
  completion,
  tavusPersona,
  textChunks,
  USAGE,
  v1Persona,
  weatherTool,
} from './helpers/chat-surface.ts';
import { sse, startChatFake } from './helpers/fake-chat-upstream.ts';
import { type Account, describeEachBackend, listening } from './helpers/harness.ts';

/**
 * The OpenAI-compatible surface through the official `openai` package, against a fake OpenAI upstream
 * on 127.0.0.1 that refuses what OpenAI refuses (test/helpers/fake-chat-rules.ts). The operator's
 * default LLM points at the fake; personas and per-request headers override it.
 */

const fake = await startChatFake('openai');
after(() => fake.close());
const last = () => fake.requests.at(-1) ?? assert.fail('the upstream saw no request');

/** Fails instead of hanging when the awaited thing never happens. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describeEachBackend(
  'OpenAI SDK against /v1/chat/completions',
  (h) => {
    const origin = listening(h);
    const client = (a: Account, headers: Record<string, string> = {}) =>
      new OpenAI({ apiKey: a.key, baseURL: `${origin()}/v1`, maxRetries: 0, defaultHeaders: headers });

    test('non-stream: the persona prompt and the conversation go upstream; the answer comes back with checks', async () => {
      const a = await h().newAccount();
      const p = await v1Persona(h, a, { tone: 'dry', exclamations: 'none' });
      fake.next({ json: completion('Hello there!') });
      const r = await client(a).chat.completions.create({
        model: p.id,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
        ],
        temperature: 0.2,
        max_tokens: 50,
        user: 'end-user-1',
      });
      const sent = last().body;
      assert.equal(sent.model, 'gpt-test');
      assert.equal(sent.messages[0].role, 'system');
      assert.match(sent.messages[0].content, /^You are Ada\.\n\nStyle guide:\n/);
      assert.match(sent.messages[0].content, /Be brief\.$/);
      assert.deepEqual(sent.messages.slice(1), [{ role: 'user', content: 'Hi' }]);
      assert.equal(sent.temperature, 0.2);
      assert.equal(sent.user, 'end-user-1');

      assert.equal(r.object, 'chat.completion');
      assert.equal(r.model, p.id);
      assert.equal(r.choices[0]?.message.content, 'Hello there!');
      assert.equal(r.choices[0]?.finish_reason, 'stop');
      assert.deepEqual(r.usage, USAGE);
      const extra = r as unknown as { checks: { rule: string; passed: boolean }[]; citations: unknown[] };
      assert.deepEqual(extra.citations, []);
      assert.equal(
        extra.checks.find((c) => c.rule === 'exclamations')?.passed,
        false,
        'checked, not enforced',
      );
    });

    test('enforce (persona attribute) fixes the answer before it leaves, and its checks pass', async () => {
      const a = await h().newAccount();
      const p = await v1Persona(h, a, { exclamations: 'none', emoji: 'none', enforce: true });
      fake.next({ json: completion('Great news!! 🎉 It works!') });
      const r = await client(a).chat.completions.create({
        model: p.id,
        messages: [{ role: 'user', content: 'ok?' }],
      });
      const text = r.choices[0]?.message.content ?? '';
      assert.doesNotMatch(text, /[!🎉]/u);
      assert.match(text, /Great news\./);
      const checks = (r as unknown as { checks: { passed: boolean }[] }).checks;
      assert.ok(checks.length >= 2 && checks.every((c) => c.passed), JSON.stringify(checks));
      // The request may turn it off again.
      fake.next({ json: completion('Wow!') });
      const raw = await client(a).chat.completions.create({
        model: p.id,
        messages: [{ role: 'user', content: 'ok?' }],
        // @ts-expect-error personakit's own field, sent as an extra body field
        enforce: false,
      });
      assert.equal(raw.choices[0]?.message.content, 'Wow!');
    });

    test('stream: chunks in order, enforce applied to the deltas, checks and citations on the finish chunk, usage chunk', async () => {
      const a = await h().newAccount();
      const p = await v1Persona(h, a, { exclamations: 'none', enforce: true });
      fake.next({ sse: sse.openai(textChunks(['Hello', ' there!', ' Bye!'])) });
      const stream = await client(a).chat.completions.create({
        model: p.id,
        messages: [{ role: 'user', content: 'Hi' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
      for await (const c of stream) chunks.push(c);
      assert.equal(last().body.stream, true);
      assert.equal(chunks[0]?.choices[0]?.delta.role, 'assistant');
      const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
      assert.equal(text, 'Hello there. Bye.');
      const finish = chunks.find((c) => c.choices[0]?.finish_reason);
      assert.equal(finish?.choices[0]?.finish_reason, 'stop');
      const extra = finish as unknown as { checks: { passed: boolean }[]; citations: unknown[] };
      assert.deepEqual(extra.citations, []);
      assert.ok(extra.checks.every((c) => c.passed));
      const usage = chunks.at(-1);
      assert.deepEqual(usage?.choices, []);
      assert.deepEqual(usage?.usage, USAGE);
      assert.ok(chunks.every((c) => c.model === p.id && c.id === chunks[0]?.id));
    });

    test('tools: a tool call comes back, the tool result goes up in the next turn, the answer follows', async () => {
      const a = await h().newAccount();
      const p = await v1Persona(h, a);
      const call = {
        id: 'call_1',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
      };
      fake.next({ json: completion(null, { tool_calls: [call] }) });
      const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
        { role: 'user', content: 'Weather in Paris?' },
      ];
      const first = await client(a).chat.completions.create({
        model: p.id,
        messages,
        tools: [weatherTool],
        tool_choice: 'auto',
      });
      assert.deepEqual(last().body.tools, [weatherTool]);
      assert.equal(last().body.tool_choice, 'auto');
      const msg = first.choices[0]?.message;
      assert.equal(first.choices[0]?.finish_reason, 'tool_calls');
      assert.equal(msg?.content, null);
      assert.deepEqual(msg?.tool_calls, [call]);

      messages.push(msg as OpenAI.Chat.ChatCompletionMessageParam, {
        role: 'tool',
        tool_call_id: 'call_1',
        content: '{"temp":21}',
      });
      fake.next({ json: completion('It is 21 degrees in Paris.') });
      const second = await client(a).chat.completions.create({ model: p.id, messages, tools: [weatherTool] });
      assert.deepEqual(last().body.messages.slice(1), [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', content: '{"temp":21}', tool_call_id: 'call_1' },
      ]);
      assert.equal(second.choices[0]?.message.content, 'It is 21 degrees in Paris.');
    });

    test('streamed tool calls arrive as tool_call deltas the SDK assembles', async () => {
      const a = await h().newAccount();
      const p = await v1Persona(h, a);
      const chunk = (delta: object, finish: string | null = null) => ({
        id: 'c',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'm',
        choices: [{ index: 0, delta, finish_reason: finish }],
      });
      fake.next({
        sse: sse.openai([
          chunk({ role: 'assistant', content: null }),
          chunk({
            tool_calls: [
              { index: 0, id: 'call_9', type: 'function', function: { name: 'get_weather', arguments: '' } },
            ],
          }),
          chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
          chunk({ tool_calls: [{ index: 0, function: { arguments: '"Rome"}' } }] }),
          chunk({}, 'tool_calls'),
        ]),
      });
      const runner = client(a).chat.completions.stream({
        model: p.id,
        messages: [{ role: 'user', content: 'Rome?' }],
        tools: [weatherTool],
      });
      const final = await runner.finalChatCompletion();
      assert.equal(final.choices[0]?.finish_reason, 'tool_calls');
      const called = final.choices[0]?.message.tool_calls?.[0];
      assert.ok(called?.type === 'function');
      assert.deepEqual(called.function, {
        name: 'get_weather',
        arguments: '{"city":"Rome"}',
      });
    });

    test('errors come as the SDK expects them: unknown and foreign models 404 model_not_found, bad input 400 with param, bad key 401', async () => {
      const a = await h().newAccount();
      const b = await h().newAccount();
      const theirs = await v1Persona(h, b);
      for (const model of ['p-does-not-exist', theirs.id, `${theirs.id}@1`]) {
        const err = await client(a)
          .chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] })
          .then(
            () => assert.fail('no error'),
            (e: unknown) => e,
          );
        assert.ok(err instanceof OpenAI.NotFoundError, String(err));
        assert.equal(err.code, 'model_not_found');
        assert.equal(err.type, 'invalid_request_error');
      }
      const mine = await v1Persona(h, a);
      const bad = await client(a)
        .chat.completions.create({ model: mine.id, messages: [{ role: 'user', content: 'x' }], n: 2 })
        .then(
          () => assert.fail('no error'),
          (e: unknown) => e,
        );
      assert.ok(bad instanceof OpenAI.BadRequestError);
      assert.equal(bad.param, 'n');
      const unauth = await new OpenAI({ apiKey: 'pk_wrong', baseURL: `${origin()}/v1`, maxRetries: 0 }).models
        .list()
        .then(
          () => assert.fail('no error'),
          (e: unknown) => e,
        );
      assert.ok(unauth instanceof OpenAI.AuthenticationError);
      assert.equal(unauth.code, 'invalid_api_key');
    });

    test('a client that aborts mid-stream closes the upstream connection at once', async () => {
      const a = await h().newAccount();
      const p = await v1Persona(h, a);
      const marker = `abort-${crypto.randomUUID()}`;
      fake.next({ sse: [`data: ${JSON.stringify(textChunks(['first '])[1])}\n\n`], hold: true });
      const controller = new AbortController();
      const stream = await client(a).chat.completions.create(
        { model: p.id, messages: [{ role: 'user', content: marker }], stream: true },
        { signal: controller.signal },
      );
      const it = stream[Symbol.asyncIterator]();
      let seen = '';
      while (!seen.includes('first')) {
        const { value, done } = await within(it.next(), 5000, 'no first delta');
        if (done) break;
        seen += value.choices[0]?.delta.content ?? '';
      }
      const upstream = fake.requests.findLast((r) => JSON.stringify(r.body).includes(marker));
      assert.ok(upstream, 'the upstream saw the request');
      controller.abort();
      await within(upstream.connectionClosed, 5000, 'the upstream connection was not closed');
    });

    test('bring your own provider: headers choose provider, key, base URL and model for one request; the key is never echoed', async () => {
      const a = await h().newAccount();
      const p = await v1Persona(h, a);
      const byo = (key: string) => ({
        'X-Personakit-Provider': 'openai-compatible',
        'X-Personakit-Provider-Key': key,
        'X-Personakit-Provider-Base-Url': `${fake.origin}/v1`,
        'X-Personakit-Provider-Model': 'byo-model',
      });
      fake.next({ json: completion('From your own key.') });
      const r = await client(a, byo(fake.key)).chat.completions.create({
        model: p.id,
        messages: [{ role: 'user', content: 'hi' }],
      });
      assert.equal(r.choices[0]?.message.content, 'From your own key.');
      assert.equal(last().body.model, 'byo-model');
      assert.equal(last().headers.authorization, `Bearer ${fake.key}`);

      // The upstream refuses a wrong key: 401, and the key is in no byte of the answer.
      const wrong = `sk-wrong-${crypto.randomUUID()}`;
      const res = await fetch(`${origin()}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...a.auth, 'content-type': 'application/json', ...byo(wrong) },
        body: JSON.stringify({ model: p.id, messages: [{ role: 'user', content: 'hi' }] }),
      });
      const text = await res.text();
      assert.equal(res.status, 401);
      assert.equal(JSON.parse(text).error.type, 'invalid_request_error');
      assert.ok(!text.includes(wrong) && !text.includes(wrong.slice(0, 12)), text);

      // An upstream error body echoing the key is scrubbed.
      fake.next({ status: 500, json: { error: { message: `internal failure for key ${fake.key}` } } });
      const echoed = await fetch(`${origin()}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...a.auth, 'content-type': 'application/json', ...byo(fake.key) },
        body: JSON.stringify({ model: p.id, messages: [{ role: 'user', content: 'hi' }] }),
      });
      const body = await echoed.text();
      assert.equal(echoed.status, 502);
      assert.equal(JSON.parse(body).error.type, 'server_error');
      assert.ok(!body.includes(fake.key), body);

      const orphan = await client(a, { 'X-Personakit-Provider-Key': 'sk-x' })
        .chat.completions.create({ model: p.id, messages: [{ role: 'user', content: 'hi' }] })
        .then(
          () => assert.fail('no error'),
          (e: unknown) => e,
        );
      assert.ok(orphan instanceof OpenAI.BadRequestError);
      assert.equal(orphan.param, 'X-Personakit-Provider');
    });

    test("a persona's own LLM (layers.llm) answers with its model, key, headers and extra body; Tavus model names use the operator default", async () => {
      const a = await h().newAccount();
      const own = await tavusPersona(h, a, {
        layers: {
          llm: {
            model: 'own-model',
            base_url: `${fake.origin}/v1`,
            api_key: fake.key,
            headers: { 'X-Tenant': 'blue' },
            extra_body: { seed: 7 },
          },
        },
      });
      fake.next({ json: completion('Mine.') });
      const r = await client(a).chat.completions.create({
        model: own.persona_id,
        messages: [{ role: 'user', content: 'hi' }],
      });
      assert.equal(r.choices[0]?.message.content, 'Mine.');
      assert.equal(last().body.model, 'own-model');
      assert.equal(last().body.seed, 7);
      assert.equal(last().headers['x-tenant'], 'blue');
      assert.equal(last().headers.authorization, `Bearer ${fake.key}`);
      assert.match(last().body.messages[0].content, /^You are Ada\./);

      const hosted = await tavusPersona(h, a, { layers: { llm: { model: 'tavus-gpt-4o' } } });
      fake.next({ json: completion('Default.') });
      await client(a).chat.completions.create({
        model: hosted.persona_id,
        messages: [{ role: 'user', content: 'hi' }],
      });
      assert.equal(last().body.model, 'gpt-test');
    });

    test('a pinned model <persona_id>@<n> speaks as that stored version; the bare id as the latest', async () => {
      const a = await h().newAccount();
      const p = await v1Persona(h, a, { tone: 'dry' });
      const patched = await h().request('PATCH', `/v1/personas/${p.id}`, {
        account: a,
        json: { attributes: { tone: 'warm' } },
      });
      assert.equal(patched.status, 200, patched.text);
      for (const [model, tone] of [
        [`${p.id}@1`, 'dry'],
        [p.id, 'warm'],
        [`${p.id}@2`, 'warm'],
      ] as const) {
        fake.next({ json: completion('ok') });
        const r = await client(a).chat.completions.create({
          model,
          messages: [{ role: 'user', content: 'hi' }],
        });
        assert.equal(r.model, model);
        assert.match(last().body.messages[0].content, new RegExp(`- tone: ${tone}$`, 'm'), model);
      }
      const err = await client(a)
        .chat.completions.create({ model: `${p.id}@3`, messages: [{ role: 'user', content: 'hi' }] })
        .then(
          () => assert.fail('no error'),
          (e: unknown) => e,
        );
      assert.ok(err instanceof OpenAI.NotFoundError);
      assert.equal(err.code, 'model_not_found');
    });

    test('models: every own persona with its name, the system personas, never another account; retrieve by id', async () => {
      const a = await h().newAccount();
      const b = await h().newAccount();
      const mine = await v1Persona(h, a);
      const theirs = await v1Persona(h, b);
      const list = [];
      for await (const m of client(a).models.list()) list.push(m);
      const ids = list.map((m) => m.id);
      assert.ok(ids.includes(mine.id));
      assert.ok(!ids.includes(theirs.id));
      assert.ok(list.some((m) => m.owned_by === 'system'));
      const got = await client(a).models.retrieve(mine.id);
      assert.equal(got.id, mine.id);
      assert.equal((got as unknown as { name: string }).name, 'Ada');
      assert.equal((await client(a).models.retrieve(`${mine.id}@1`)).id, `${mine.id}@1`);
      for (const id of [theirs.id, `${mine.id}@2`]) {
        const err = await client(a)
          .models.retrieve(id)
          .then(
            () => assert.fail('no error'),
            (e: unknown) => e,
          );
        assert.ok(err instanceof OpenAI.NotFoundError);
        assert.equal(err.code, 'model_not_found');
      }
    });
  },
  {
    PERSONAKIT_CHAT_PROVIDER: 'openai',
    PERSONAKIT_CHAT_MODEL: 'gpt-test',
    PERSONAKIT_OPENAI_BASE_URL: `${fake.origin}/v1`,
    PERSONAKIT_OPENAI_API_KEY: fake.key,
    PERSONAKIT_ALLOWED_HOSTS: '127.0.0.1',
    PERSONAKIT_ENCRYPTION_KEY: 'ab'.repeat(32),
  },
);
