import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { revealLayers } from '../src/core/persona-secrets.ts';
import { TEST_ENCRYPTION_KEY } from './fixtures/tavus-seed.ts';
import { describeEachBackend, type RequestOptions } from './helpers/harness.ts';
import { refineBody, specOf, startFakes } from './helpers/refine-fixtures.ts';
import { storeSnapshot } from './helpers/store-snapshot.ts';
import { newClip, newPersona } from './helpers/suno.ts';

/**
 * Point 3 of issue 7: every surface runs with marker secrets (a provider key on /v1/refine, Tavus layer
 * keys and header values, the personakit key itself, the operator's Suno key), upstreams that fail and
 * echo what they were sent, and logs at trace level. No marker may appear in any log line, response body
 * or header, the OpenAPI document, or any row of any table (the encrypted column included: it holds
 * ciphertext only).
 */

const secret = (what: string) => `${what}-${randomUUID().replaceAll('-', '')}`;
const OPERATOR_KEY = secret('suno-operator');

/** A Suno upstream that fails, putting the key it was sent into its error message, as careless APIs do. */
const suno = createServer((req, res) => {
  let raw = '';
  req.on('data', (c) => {
    raw += c;
  });
  req.on('end', () => {
    const prompt = String(JSON.parse(raw).prompt ?? '');
    const status = Number(/^echo-(\d{3})$/.exec(prompt)?.[1] ?? 200);
    res.writeHead(status, {
      'content-type': 'application/json',
      'x-echo': String(req.headers.authorization),
    });
    res.end(
      status === 200
        ? '{"code":"success","id":"up-persona","data":{"task_id":"t1"}}'
        : JSON.stringify({ message: `invalid request for key ${req.headers.authorization}` }),
    );
  });
});
await new Promise<void>((resolve) => suno.listen(0, '127.0.0.1', resolve));
const fakes = await startFakes();
after(async () => {
  suno.close();
  await fakes.close();
});

const lines: string[] = [];
const logDestination = { write: (line: string) => void lines.push(line) };

describeEachBackend(
  'secrets never leak',
  (h) => {
    test('no marker secret in logs, responses, headers, the OpenAPI document or the store', async () => {
      const from = lines.length;
      const account = await h().newAccount();
      const providerKey = secret('sk-provider');
      const tavus = {
        llm: secret('sk-tavus-llm'),
        tts: secret('tavus-tts'),
        header: `Bearer ${secret('tavus-header')}`,
        org: secret('org'),
        replaced: secret('sk-tavus-new'),
      };
      const markers = [providerKey, OPERATOR_KEY, account.key, ...Object.values(tavus)];
      const replies: string[] = [];
      const send = async (method: string, path: string, options: RequestOptions = {}) => {
        const r = await h().request(method, path, { account, ...options });
        replies.push(`${r.status} ${JSON.stringify([...r.headers])} ${r.text}`);
        return r;
      };

      // /v1: refine through failing and succeeding providers, by preset and by a request-supplied baseUrl.
      const persona = await send('POST', '/v1/personas', {
        json: { name: 'Secrets', attributes: { tone: 'warm' } },
      });
      for (const id of ['openai', 'anthropic', 'google', 'openai-compatible']) {
        for (const model of [
          'scenario:500',
          'scenario:401',
          'scenario:429',
          'scenario:malformed',
          'scenario:cut',
          'ok',
        ]) {
          for (const stream of [false, true]) {
            const json = refineBody(specOf(id), fakes, {
              providerApiKey: providerKey,
              personaId: persona.body.id,
              content: 'Hello!!',
              model,
              stream,
            });
            await send('POST', '/v1/refine', { json });
          }
        }
      }
      // An invalid request carrying the key: the validation message must not quote it.
      await send('POST', '/v1/refine', {
        json: { provider: 'openai', providerApiKey: `${providerKey} x`, personaId: 1 },
      });

      // /v2: secrets in, read back, replaced, refused in patches and invalid bodies.
      const layers = {
        llm: {
          model: 'm',
          base_url: 'https://203.0.113.10/v1',
          api_key: tavus.llm,
          headers: { Authorization: tavus.header, 'X-Org': tavus.org },
        },
        tts: { tts_engine: 'cartesia', api_key: tavus.tts },
      };
      const created = await send('POST', '/v2/personas', {
        json: { persona_name: 'S', system_prompt: 'p', layers },
      });
      assert.equal(created.status, 200, created.text);
      const id = created.body.persona_id;
      await send('GET', `/v2/personas/${id}`);
      await send('GET', '/v2/personas');
      await send('GET', `/v1/personas/${id}`);
      await send('PATCH', `/v2/personas/${id}`, {
        json: [{ op: 'replace', path: '/layers/llm/api_key', value: tavus.replaced }],
      });
      await send('PATCH', `/v2/personas/${id}`, {
        json: [{ op: 'test', path: '/layers/llm/api_key', value: tavus.replaced }],
      });
      await send('PATCH', `/v2/personas/${id}`, {
        json: [{ op: 'replace', path: '/layers/llm/headers', value: tavus.org }],
      });
      await send('PATCH', `/v2/personas/${id}`, {
        json: [{ op: 'replace', path: '/nope/x', value: tavus.header }],
      });
      await send('POST', '/v2/personas', { json: { persona_name: 5, system_prompt: 'p', layers } });
      await send('POST', '/v2/personas', {
        json: { system_prompt: 'p', layers: { llm: { api_key: tavus.llm, base_url: 'http://10.0.0.1/' } } },
      });

      // /suno: generation through an upstream that fails and echoes the operator's key.
      const clip = await newClip(h(), account);
      const musicPersona = await newPersona(h(), account, clip.id);
      for (const status of ['echo-400', 'echo-402', 'echo-422', 'echo-429', 'echo-500', 'ok']) {
        await send('POST', '/suno/generate', { json: { persona_id: musicPersona.id, prompt: status } });
      }

      replies.push((await h().request('GET', '/openapi.json')).text);
      const logs = lines.slice(from).join('');
      const dump = await storeSnapshot(h().services.db);

      // Not vacuous: the logs hold the requests and upstream failures, the store holds the (sealed) secrets.
      assert.ok(
        logs.includes('"path":"/v1/refine"') && logs.includes('"level":"error"'),
        'requests and failures are logged',
      );
      const row = await h()
        .services.db.kysely.selectFrom('personas')
        .select(['layers', 'secrets'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      const revealed = JSON.stringify(
        revealLayers(h().services.secrets, JSON.parse(row.layers), row.secrets),
      );
      for (const m of [tavus.replaced, tavus.tts, tavus.header, tavus.org])
        assert.ok(revealed.includes(m), 'the secrets are stored');

      for (const m of markers) {
        // The whole marker, and its random part alone (a prefix or re-encoding would still show it).
        const random = m.slice(-32, -16);
        for (const [where, text] of [
          ['logs', logs],
          ['responses', replies.join('\n')],
          ['store', dump],
        ] as const) {
          assert.ok(
            !text.includes(m) && !text.includes(random),
            `${m.slice(0, 12)}… appears in the ${where}`,
          );
        }
      }
    });
  },
  {
    ...fakes.env,
    LOG_LEVEL: 'trace',
    PERSONAKIT_ALLOWED_HOSTS: '127.0.0.1',
    PERSONAKIT_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    PERSONAKIT_SUNO_BASE_URL: `http://127.0.0.1:${(suno.address() as AddressInfo).port}`,
    PERSONAKIT_SUNO_API_KEY: OPERATOR_KEY,
  },
  { logDestination },
);
