import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { TEST_ENCRYPTION_KEY } from './fixtures/tavus-seed.ts';
import { type Account, describeEachBackend, type Harness } from './helpers/harness.ts';
import { marker, newPersona, parseEvents, startFakes } from './helpers/refine-fixtures.ts';

const fakes = await startFakes();
after(() => fakes.close());

const STORED_KEY = `sk-stored-${crypto.randomUUID()}`;

/** A persona whose Tavus layers.llm points at the openai-compatible fake, with a stored key. */
async function personaWithLlm(h: Harness, account: Account, llm: Record<string, unknown>): Promise<string> {
  const r = await h.request('POST', '/v2/personas', {
    account,
    json: { persona_name: 'Own LLM', system_prompt: 'Be brief.', layers: { llm } },
  });
  assert.equal(r.status, 200, r.text);
  return r.body.persona_id;
}

describeEachBackend(
  'openai-compatible: keyless servers and the persona’s own LLM',
  (h) => {
    const refine = (account: Account, json: Record<string, unknown>) =>
      h().request('POST', '/v1/refine', { account, json: { provider: 'openai-compatible', ...json } });

    test('without providerApiKey no Authorization header is sent (Ollama, LM Studio)', async () => {
      const account = await h().newAccount();
      const persona = await newPersona(h, account);
      for (const stream of [false, true]) {
        const content = marker('keyless');
        const r = await refine(account, {
          personaId: persona.id,
          content,
          model: 'llama3.2',
          baseUrl: fakes.compatibleBaseUrl,
          stream,
        });
        assert.equal(r.status, 200, r.text);
        const sent = fakes.of('openai-compatible').find(content);
        assert.equal(sent.headers.authorization, undefined);
        assert.equal(sent.body.model, 'llama3.2');
      }
      // Other providers still need a key.
      const openai = await h().request('POST', '/v1/refine', {
        account,
        json: { provider: 'openai', personaId: persona.id, content: 'x' },
      });
      assert.equal(openai.status, 400);
      assert.equal(openai.body.message, 'providerApiKey: is required for provider openai');
    });

    test('with no baseUrl, the persona’s layers.llm supplies base_url, model and the stored key', async () => {
      const account = await h().newAccount();
      const id = await personaWithLlm(h(), account, {
        model: 'persona-model',
        base_url: fakes.compatibleBaseUrl,
        api_key: STORED_KEY,
      });
      for (const stream of [false, true]) {
        const content = marker('stored');
        const r = await refine(account, { personaId: id, content, stream });
        assert.equal(r.status, 200, r.text);
        if (stream) assert.equal(parseEvents(r.text).at(-1)?.event, 'done');
        else assert.equal(r.body.provider, 'openai-compatible');
        const sent = fakes.of('openai-compatible').find(content);
        assert.equal(sent.path, '/custom/v1/chat/completions');
        assert.equal(sent.headers.authorization, `Bearer ${STORED_KEY}`);
        assert.equal(sent.body.model, 'persona-model');
        assert.equal(sent.body.messages[0].role, 'system');
        assert.ok(!r.text.includes(STORED_KEY));
      }
      // The request's fields win: its model and its key.
      const content = marker('override');
      const r = await refine(account, {
        personaId: id,
        content,
        model: 'request-model',
        providerApiKey: 'sk-req',
      });
      assert.equal(r.status, 200, r.text);
      const sent = fakes.of('openai-compatible').find(content);
      assert.equal(sent.headers.authorization, 'Bearer sk-req');
      assert.equal(sent.body.model, 'request-model');
    });

    test('the stored key is never echoed, even when the upstream puts it in its error', async () => {
      const account = await h().newAccount();
      const id = await personaWithLlm(h(), account, {
        model: 'm',
        base_url: fakes.compatibleBaseUrl,
        api_key: STORED_KEY,
      });
      for (const model of ['scenario:500', 'scenario:401', 'scenario:malformed']) {
        for (const stream of [false, true]) {
          const content = marker('leak');
          const r = await refine(account, { personaId: id, content, model, stream });
          // The upstream did get the stored key (the 500 and 401 fakes put it in their error bodies)…
          const sent = fakes.of('openai-compatible').find(content);
          assert.equal(sent.headers.authorization, `Bearer ${STORED_KEY}`);
          assert.ok(r.status >= 400 || r.text.includes('event: error'), `${model}: ${r.status}`);
          // …and none of it reaches the caller.
          assert.ok(!r.text.includes(STORED_KEY), `${model}: ${r.text}`);
          assert.ok(!r.text.includes(STORED_KEY.slice(0, 12)), `${model}: ${r.text}`);
        }
      }
      const read = await h().request('GET', `/v2/personas/${id}`, { account });
      assert.ok(!read.text.includes(STORED_KEY));
    });

    test('the stored key goes only to the stored base_url; a request baseUrl is called without it', async () => {
      const account = await h().newAccount();
      const id = await personaWithLlm(h(), account, {
        model: 'm',
        base_url: fakes.compatibleBaseUrl,
        api_key: STORED_KEY,
      });
      const content = marker('elsewhere');
      const elsewhere = `${fakes.of('openai-compatible').origin}/elsewhere/v1`;
      const r = await refine(account, { personaId: id, content, baseUrl: elsewhere, model: 'm' });
      assert.equal(r.status, 200, r.text);
      const sent = fakes.of('openai-compatible').find(content);
      assert.equal(sent.path, '/elsewhere/v1/chat/completions');
      assert.equal(sent.headers.authorization, undefined);
    });

    test('layers.llm without a key is called keyless; without base_url it is not used', async () => {
      const account = await h().newAccount();
      const keyless = await personaWithLlm(h(), account, { model: 'm', base_url: fakes.compatibleBaseUrl });
      const content = marker('no-key');
      const r = await refine(account, { personaId: keyless, content });
      assert.equal(r.status, 200, r.text);
      assert.equal(fakes.of('openai-compatible').find(content).headers.authorization, undefined);

      const hosted = await personaWithLlm(h(), account, { model: 'tavus-gpt-4o' });
      const none = await refine(account, { personaId: hosted, content: 'x' });
      assert.equal(none.status, 400);
      assert.match(none.body.message, /^baseUrl: is required for provider openai-compatible/);
    });
  },
  { ...fakes.env, PERSONAKIT_ALLOWED_HOSTS: '127.0.0.0/8', PERSONAKIT_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY },
);
