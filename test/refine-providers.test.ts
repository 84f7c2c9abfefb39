import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { checkStyle, compileSystemPrompt } from '../src/style/index.ts';
import { answerFor } from './helpers/fake-upstreams.ts';
import { describeEachBackend } from './helpers/harness.ts';
import {
  marker,
  newPersona,
  parseEvents,
  personaOf,
  refineBody,
  remoteSpecs,
  specOf,
  startFakes,
} from './helpers/refine-fixtures.ts';

const fakes = await startFakes();
after(() => fakes.close());

describeEachBackend(
  '/v1/refine through every provider',
  (h) => {
    for (const spec of remoteSpecs) {
      test(`${spec.id}: JSON — sends key, model, system prompt and content; returns the answer`, async () => {
        const account = await h().newAccount();
        const persona = await newPersona(h, account);
        const content = marker('JSON');
        const key = `key-${spec.id}-${crypto.randomUUID()}`;
        const r = await h().request('POST', '/v1/refine', {
          account,
          json: refineBody(spec, fakes, { providerApiKey: key, personaId: persona.id, content }),
        });
        assert.equal(r.status, 200, r.text);

        const sent = fakes.of(spec.id).find(content);
        const model = spec.defaultModel ?? 'served-model';
        assert.equal(sent.method, 'POST');
        assert.equal(sent.path, spec.path(model, false));
        assert.equal(spec.auth(sent), key);
        assert.equal(spec.model(sent), model);
        assert.equal(spec.system(sent), compileSystemPrompt(persona));
        assert.equal(spec.content(sent), content);
        assert.equal(spec.stream(sent), false);
        if (spec.id === 'anthropic') assert.equal(sent.headers['anthropic-version'], '2023-06-01');
        // The key travels in a header only, never in the URL (where access logs would keep it).
        assert.ok(!sent.path.includes(key));

        const response = answerFor(content);
        assert.deepEqual(r.body, {
          response,
          provider: spec.id,
          model: spec.answeredModel(model),
          usage: { inputTokens: 11, outputTokens: 7 },
          checks: checkStyle(response, persona.attributes),
        });
      });

      test(`${spec.id}: stream — delta events carry the text, then one done event`, async () => {
        const account = await h().newAccount();
        const persona = await newPersona(h, account, { emoji: 'none' });
        const content = marker('STREAM');
        const key = `key-${crypto.randomUUID()}`;
        const r = await h().request('POST', '/v1/refine', {
          account,
          json: refineBody(spec, fakes, {
            providerApiKey: key,
            personaId: persona.id,
            content,
            model: 'm-stream',
            stream: true,
          }),
        });
        assert.equal(r.status, 200, r.text);
        assert.match(r.headers.get('content-type') ?? '', /^text\/event-stream/);

        const sent = fakes.of(spec.id).find(content);
        assert.equal(sent.path, spec.path('m-stream', true));
        assert.equal(spec.stream(sent), true);
        assert.equal(spec.auth(sent), key);
        assert.equal(spec.system(sent), compileSystemPrompt(persona));

        const events = parseEvents(r.text);
        const deltas = events.filter((e) => e.event === 'delta');
        const response = answerFor(content);
        assert.ok(deltas.length >= 2, 'the answer arrives in several deltas');
        assert.equal(deltas.map((d) => d.data.text).join(''), response);
        assert.deepEqual(
          events.map((e) => e.event),
          [...deltas.map(() => 'delta'), 'done'],
        );
        assert.deepEqual(events.at(-1)?.data, {
          response,
          provider: spec.id,
          model: spec.answeredModel('m-stream'),
          usage: { inputTokens: 11, outputTokens: 7 },
          checks: checkStyle(response, persona.attributes),
        });
      });
    }

    test('optional fields reach each wire in its own shape', async () => {
      const account = await h().newAccount();
      const persona = await newPersona(h, account);
      const fields = { temperature: 0.4, maxTokens: 321, model: 'custom-model' };
      const sent = async (id: string) => {
        const content = marker(id);
        const spec = specOf(id);
        const r = await h().request('POST', '/v1/refine', {
          account,
          json: refineBody(spec, fakes, { providerApiKey: 'k', personaId: persona.id, content, ...fields }),
        });
        assert.equal(r.status, 200, r.text);
        return fakes.of(id).find(content);
      };
      const openai = await sent('openai');
      assert.equal(openai.body.temperature, 0.4);
      assert.equal(openai.body.max_completion_tokens, 321);
      assert.equal(openai.body.max_tokens, undefined);
      const mistral = await sent('mistral');
      assert.equal(mistral.body.max_tokens, 321);
      assert.equal(mistral.body.max_completion_tokens, undefined);
      const anthropic = await sent('anthropic');
      assert.equal(anthropic.body.max_tokens, 321);
      assert.equal(anthropic.body.temperature, 0.4);
      const cohere = await sent('cohere');
      assert.equal(cohere.body.max_tokens, 321);
      assert.equal(cohere.body.temperature, 0.4);
      const google = await sent('google');
      assert.deepEqual(google.body.generationConfig, { temperature: 0.4, maxOutputTokens: 321 });
      assert.equal(specOf('google').model(google), 'custom-model');

      // Without them, nothing is invented (except Anthropic's required max_tokens).
      const bare = marker('bare');
      await h().request('POST', '/v1/refine', {
        account,
        json: { provider: 'anthropic', providerApiKey: 'k', personaId: persona.id, content: bare },
      });
      const a = fakes.of('anthropic').find(bare);
      assert.equal(a.body.temperature, undefined);
      assert.equal(a.body.max_tokens, 16384);
    });

    test('stream usage is requested where the vendor needs asking', async () => {
      const account = await h().newAccount();
      const persona = await newPersona(h, account);
      const optionsFor = async (id: string) => {
        const content = marker(id);
        await h().request('POST', '/v1/refine', {
          account,
          json: refineBody(specOf(id), fakes, {
            providerApiKey: 'k',
            personaId: persona.id,
            content,
            stream: true,
          }),
        });
        return fakes.of(id).find(content).body.stream_options;
      };
      assert.deepEqual(await optionsFor('openai'), { include_usage: true });
      assert.equal(await optionsFor('mistral'), undefined);
    });

    test('a persona change reaches the system prompt (cached per persona version)', async () => {
      const account = await h().newAccount();
      const persona = await newPersona(h, account, { tone: 'warm' }, 'Before');
      const send = async () => {
        const content = marker('prompt');
        const r = await h().request('POST', '/v1/refine', {
          account,
          json: { provider: 'openai', providerApiKey: 'k', personaId: persona.id, content },
        });
        assert.equal(r.status, 200, r.text);
        return specOf('openai').system(fakes.of('openai').find(content));
      };
      assert.equal(await send(), compileSystemPrompt(persona));
      assert.equal(await send(), compileSystemPrompt(persona));
      const patched = await h().request('PATCH', `/v1/personas/${persona.id}`, {
        account,
        json: { name: 'After', attributes: { tone: 'dry', emoji: 'none' } },
      });
      assert.equal(patched.status, 200);
      const updated = await personaOf(h, account, persona.id);
      assert.equal(updated.version, 2);
      assert.equal(await send(), compileSystemPrompt(updated));
    });
  },
  { ...fakes.env, PERSONAKIT_ALLOWED_HOSTS: '127.0.0.1' },
);
