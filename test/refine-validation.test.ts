import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { PROVIDER_IDS } from '../src/providers/registry.ts';
import { describeEachBackend, type Reply } from './helpers/harness.ts';
import { marker, newPersona, startFakes } from './helpers/refine-fixtures.ts';

const fakes = await startFakes();
after(() => fakes.close());

function assertV1Error(r: Reply, status: number, message: RegExp) {
  assert.equal(r.status, status, r.text);
  assert.deepEqual(Object.keys(r.body).sort(), ['error', 'message']);
  assert.equal(r.body.error, status);
  assert.match(r.body.message, message);
}

describeEachBackend(
  '/v1/refine input errors',
  (h) => {
    test('persona not found, including another account’s -> 404', async () => {
      const owner = await h().newAccount();
      const other = await h().newAccount();
      const persona = await newPersona(h, owner);
      const json = (personaId: string) => ({ provider: 'local', personaId, content: 'hi' });
      const missing = await h().request('POST', '/v1/refine', { account: other, json: json('pnope') });
      assertV1Error(missing, 404, /^Persona not found$/);
      const theirs = await h().request('POST', '/v1/refine', { account: other, json: json(persona.id) });
      assertV1Error(theirs, 404, /^Persona not found$/);
      assert.deepEqual(theirs.body, missing.body);
      const mine = await h().request('POST', '/v1/refine', { account: owner, json: json(persona.id) });
      assert.equal(mine.status, 200);
    });

    test('content over 100,000 characters -> 413; exactly 100,000 is fine', async () => {
      const account = await h().newAccount();
      const persona = await newPersona(h, account);
      const over = await h().request('POST', '/v1/refine', {
        account,
        json: { provider: 'local', personaId: persona.id, content: 'a'.repeat(100_001) },
      });
      assertV1Error(over, 413, /^content: must be at most 100000 characters/);
      const at = await h().request('POST', '/v1/refine', {
        account,
        json: { provider: 'local', personaId: persona.id, content: 'a'.repeat(100_000) },
      });
      assert.equal(at.status, 200, at.text);
    });

    test('unknown provider -> 400 listing the supported ones', async () => {
      const account = await h().newAccount();
      const r = await h().request('POST', '/v1/refine', {
        account,
        json: { provider: 'skynet', providerApiKey: 'k', personaId: 'p1', content: 'x' },
      });
      assertV1Error(r, 400, /^provider: unknown provider; supported: /);
      for (const id of PROVIDER_IDS) assert.ok(r.body.message.includes(id), id);
    });

    test('the seed fields are required; providerApiKey only for remote providers', async () => {
      const account = await h().newAccount();
      const persona = await newPersona(h, account);
      const base = { provider: 'openai', providerApiKey: 'k', personaId: persona.id, content: 'x' };
      for (const field of ['provider', 'personaId', 'content'] as const) {
        const { [field]: _, ...json } = base;
        assertV1Error(
          await h().request('POST', '/v1/refine', { account, json }),
          400,
          new RegExp(`^${field}: `),
        );
      }
      const { providerApiKey: _, ...noKey } = base;
      for (const id of ['openai', 'anthropic', 'cohere', 'google', 'groq']) {
        const r = await h().request('POST', '/v1/refine', { account, json: { ...noKey, provider: id } });
        assertV1Error(r, 400, new RegExp(`^providerApiKey: is required for provider ${id}$`));
      }
      const local = await h().request('POST', '/v1/refine', {
        account,
        json: { ...noKey, provider: 'local' },
      });
      assert.equal(local.status, 200, local.text);
    });

    test('field shapes are checked and named', async () => {
      const account = await h().newAccount();
      const persona = await newPersona(h, account);
      const base = { provider: 'openai', providerApiKey: 'k', personaId: persona.id, content: 'x' };
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ temperature: 2.5 }, /^temperature: must be at most 2$/],
        [{ temperature: -1 }, /^temperature: must be at least 0$/],
        [{ maxTokens: 0 }, /^maxTokens: must be at least 1$/],
        [{ maxTokens: 1.5 }, /^maxTokens: must be an integer$/],
        [{ stream: 'yes' }, /^stream: /],
        [{ content: '' }, /^content: must not be empty$/],
        [{ providerApiKey: 'has space' }, /^providerApiKey: must be printable ASCII without spaces$/],
        [{ providerApiKey: 'line\nbreak' }, /^providerApiKey: must be printable ASCII without spaces$/],
      ];
      for (const [fields, message] of cases) {
        const r = await h().request('POST', '/v1/refine', { account, json: { ...base, ...fields } });
        assertV1Error(r, 400, message);
        // Validation messages never echo the key.
        assert.ok(!r.text.includes('has space') && !r.text.includes('line\\nbreak'));
      }
    });

    test('openai-compatible needs baseUrl and model', async () => {
      const account = await h().newAccount();
      const persona = await newPersona(h, account);
      const base = {
        provider: 'openai-compatible',
        providerApiKey: 'k',
        personaId: persona.id,
        content: 'x',
      };
      const noBase = await h().request('POST', '/v1/refine', { account, json: { ...base, model: 'm' } });
      assertV1Error(
        noBase,
        400,
        /^baseUrl: is required for provider openai-compatible \(in the request, or in the persona's layers\.llm\)$/,
      );
      const noModel = await h().request('POST', '/v1/refine', {
        account,
        json: { ...base, baseUrl: fakes.compatibleBaseUrl },
      });
      assertV1Error(
        noModel,
        400,
        /^model: is required for provider openai-compatible \(in the request, or in the persona's layers\.llm\)$/,
      );
    });

    test('a baseUrl to a private, loopback or link-local target is refused before any connection', async () => {
      const account = await h().newAccount();
      const persona = await newPersona(h, account);
      const content = marker('ssrf');
      const targets = [
        `${fakes.compatibleBaseUrl}`, // a live server on 127.0.0.1: must not be reached
        'http://localhost:1/v1',
        'http://10.1.2.3/v1',
        'http://172.16.0.1/v1',
        'http://192.168.1.1/v1',
        'http://169.254.169.254/latest/meta-data',
        'http://100.64.0.1/v1',
        'http://0.0.0.0/v1',
        'http://[::1]/v1',
        'http://[::ffff:127.0.0.1]/v1',
        'http://[fd00::1]/v1',
        'http://[fe80::1]/v1',
        'http://2130706433/v1', // 127.0.0.1 as a number
      ];
      for (const baseUrl of targets) {
        for (const provider of ['openai-compatible', 'openai']) {
          const r = await h().request('POST', '/v1/refine', {
            account,
            json: { provider, providerApiKey: 'k', personaId: persona.id, content, model: 'm', baseUrl },
          });
          assertV1Error(r, 400, /^baseUrl: host .* private or reserved address .*PERSONAKIT_ALLOWED_HOSTS$/);
        }
      }
      assert.ok(
        !fakes.of('openai-compatible').requests.some((q) => JSON.stringify(q.body).includes(content)),
      );
      for (const [baseUrl, message] of [
        ['ftp://example.com/', /^baseUrl: must be an http or https URL$/],
        ['http://user:pw@example.com/', /^baseUrl: must not contain credentials$/],
        ['not a url', /^baseUrl: is not a valid URL$/],
      ] as const) {
        const r = await h().request('POST', '/v1/refine', {
          account,
          json: {
            provider: 'openai-compatible',
            providerApiKey: 'k',
            personaId: persona.id,
            content,
            model: 'm',
            baseUrl,
          },
        });
        assertV1Error(r, 400, message);
      }
    });
  },
  fakes.env,
);

describeEachBackend(
  '/v1/refine baseUrl allow-listed by CIDR',
  (h) => {
    test('an allow-listed private baseUrl is used', async () => {
      const account = await h().newAccount();
      const persona = await newPersona(h, account);
      const content = marker('allowed');
      const r = await h().request('POST', '/v1/refine', {
        account,
        json: {
          provider: 'openai-compatible',
          providerApiKey: 'k',
          personaId: persona.id,
          content,
          model: 'm',
          baseUrl: fakes.compatibleBaseUrl,
        },
      });
      assert.equal(r.status, 200, r.text);
      assert.equal(fakes.of('openai-compatible').find(content).path, '/custom/v1/chat/completions');
      const other = await h().request('POST', '/v1/refine', {
        account,
        json: {
          provider: 'openai-compatible',
          providerApiKey: 'k',
          personaId: persona.id,
          content,
          model: 'm',
          baseUrl: 'http://10.0.0.1/v1',
        },
      });
      assert.equal(other.status, 400);
    });
  },
  { PERSONAKIT_ALLOWED_HOSTS: '127.0.0.0/8' },
);
