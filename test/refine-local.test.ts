import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { applyLocalStyle, checkStyle } from '../src/style/index.ts';
import { StreamEnforcer } from '../src/style/stream-enforcer.ts';
import { answerFor } from './helpers/fake-upstreams.ts';
import { describeEachBackend } from './helpers/harness.ts';
import { marker, newPersona, parseEvents, startFakes } from './helpers/refine-fixtures.ts';

const fakes = await startFakes();
after(() => fakes.close());

const attributes = {
  tone: 'warm',
  formality: 'casual',
  emoji: 'none',
  exclamations: 'none',
  vocabulary: { customer: 'member' },
  max_words: 60,
};
const content =
  'Hello customer!! 🎉 We have received your request. See https://example.com/a!b and run `npm i` now! ' +
  'It costs 1,000.50 dollars.';

describeEachBackend(
  '/v1/refine with the local engine and enforce',
  (h) => {
    test('the seed request with provider local: no key, the engine’s rewrite and its checks', async () => {
      const account = await h().newAccount();
      const persona = await newPersona(h, account, attributes);
      const r = await h().request('POST', '/v1/refine', {
        account,
        json: { provider: 'local', personaId: persona.id, content },
      });
      assert.equal(r.status, 200, r.text);
      const response = applyLocalStyle(content, persona.attributes);
      assert.deepEqual(r.body, {
        response,
        provider: 'local',
        model: 'local-rules',
        usage: { inputTokens: null, outputTokens: null },
        checks: checkStyle(response, persona.attributes),
      });
      // A providerApiKey sent anyway is accepted and unused.
      const withKey = await h().request('POST', '/v1/refine', {
        account,
        json: { provider: 'local', providerApiKey: 'unused', personaId: persona.id, content },
      });
      assert.deepEqual(withKey.body, r.body);
    });

    test('local stream: the rewrite as a delta, then done', async () => {
      const account = await h().newAccount();
      const persona = await newPersona(h, account, attributes);
      const r = await h().request('POST', '/v1/refine', {
        account,
        json: { provider: 'local', personaId: persona.id, content, stream: true },
      });
      assert.equal(r.status, 200, r.text);
      const events = parseEvents(r.text);
      const response = applyLocalStyle(content, persona.attributes);
      assert.equal(
        events
          .filter((e) => e.event === 'delta')
          .map((e) => e.data.text)
          .join(''),
        response,
      );
      assert.equal(events.at(-1)?.event, 'done');
      assert.equal(events.at(-1)?.data.response, response);
      assert.deepEqual(events.at(-1)?.data.checks, checkStyle(response, persona.attributes));
    });

    test('enforce: the provider’s output is repaired by the local engine before the checks', async () => {
      const account = await h().newAccount();
      const persona = await newPersona(h, account, attributes);
      const text = `${content} ${marker('enforce')}`;
      const raw = answerFor(text);
      const enforced = applyLocalStyle(raw, persona.attributes);
      const body = {
        provider: 'openai',
        providerApiKey: 'k',
        personaId: persona.id,
        content: text,
        enforce: true,
      };
      const json = await h().request('POST', '/v1/refine', { account, json: body });
      assert.equal(json.status, 200, json.text);
      assert.equal(json.body.response, enforced);
      assert.deepEqual(json.body.checks, checkStyle(enforced, persona.attributes));

      // Streaming: the deltas are already the repaired text (issue 12.3; they used to be the raw text),
      // fixed line by line, and done carries their concatenation.
      const streamed = new StreamEnforcer(persona.attributes, () => {});
      streamed.push(raw);
      const expected = streamed.finish();
      const s = await h().request('POST', '/v1/refine', { account, json: { ...body, stream: true } });
      const events = parseEvents(s.text);
      const deltas = events.filter((e) => e.event === 'delta').map((e) => e.data.text);
      assert.equal(deltas.join(''), expected);
      assert.notEqual(expected, raw);
      assert.equal(events.at(-1)?.event, 'done');
      assert.equal(events.at(-1)?.data.response, expected);
      const checks = checkStyle(expected, persona.attributes);
      assert.deepEqual(events.at(-1)?.data.checks, checks);
      assert.ok(
        checks.every((c) => c.passed),
        JSON.stringify(checks),
      );
    });

    test('without enforce, the provider’s output is returned as it came, checks included', async () => {
      const account = await h().newAccount();
      const persona = await newPersona(h, account, attributes);
      const text = `${content} ${marker('raw')}`;
      const r = await h().request('POST', '/v1/refine', {
        account,
        json: { provider: 'openai', providerApiKey: 'k', personaId: persona.id, content: text },
      });
      assert.equal(r.body.response, answerFor(text));
      assert.deepEqual(r.body.checks, checkStyle(answerFor(text), persona.attributes));
    });
  },
  fakes.env,
);
