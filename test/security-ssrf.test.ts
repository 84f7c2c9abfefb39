import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { TEST_ENCRYPTION_KEY } from './fixtures/tavus-seed.ts';
import { openGiantProblem, sunoProblem, tavusProblem } from './helpers/error-shapes.ts';
import { startFakeSunoUpstream } from './helpers/fake-suno-upstream.ts';
import { type Account, describeEachBackend, type Harness } from './helpers/harness.ts';
import { storeSnapshot } from './helpers/store-snapshot.ts';
import { newClip, newPersona } from './helpers/suno.ts';

/**
 * Point 4 of issue 7, over HTTP on every surface that takes a URL from a request: /v1/refine `baseUrl`,
 * Tavus `layers.llm.base_url` (create and patch) and Suno generation callback URLs. Every non-public
 * form is a 400 in the surface's shape that stores nothing; redirects are never followed. (The guard's
 * own unit tests, allow-list parsing and pinned connections are in refine-outbound-url.test.ts.)
 */

const refused = [
  'http://127.0.0.1/v1',
  'http://127.1/v1',
  'http://0/v1',
  'http://localhost:11434/v1', // a host name resolving to loopback: the DNS-rebinding form
  'http://10.0.0.5/v1',
  'http://172.16.0.1/v1',
  'http://192.168.1.1/v1',
  'http://100.64.0.1/v1',
  'http://169.254.169.254/latest/meta-data/',
  'http://[::1]/v1',
  'http://[::ffff:127.0.0.1]/v1',
  'http://[::ffff:169.254.169.254]/',
  'http://[fe80::1]/v1',
  'http://[fd00::1]/v1',
  'http://2130706433/v1',
  'http://0x7f000001/v1',
  'http://0177.0.0.1/v1',
  'http://user:pass@203.0.113.10/v1',
  'file:///etc/passwd',
  'gopher://203.0.113.10:70/',
  'not a url',
];
/** A public address (documentation range): accepted without any DNS lookup. */
const PUBLIC = 'https://203.0.113.10/v1';

/** A server on 127.0.0.1 that counts requests: if a redirect were followed, it would be hit. */
async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
let canaryHits = 0;
const canary = await listen((req, res) => {
  canaryHits++;
  req.resume();
  res.end('{}');
});
const redirecting = await listen((req, res) => {
  req.resume();
  const to = req.url?.includes('metadata') ? 'http://169.254.169.254/latest/meta-data/' : `${canary.url}/v1`;
  res.writeHead(302, { location: to, 'content-type': 'application/json' });
  res.end('{}');
});
const suno = await startFakeSunoUpstream();
after(async () => {
  await suno.close();
  for (const s of [canary.server, redirecting.server]) s.close();
});

async function tavusPersona(h: Harness, account: Account): Promise<string> {
  const json = {
    persona_name: 'SSRF',
    system_prompt: 'Be kind.',
    layers: { llm: { model: 'm', base_url: PUBLIC } },
  };
  const r = await h.request('POST', '/v2/personas', { account, json });
  assert.equal(r.status, 200, r.text);
  return r.body.persona_id;
}

async function v1Persona(h: Harness, account: Account): Promise<string> {
  const r = await h.request('POST', '/v1/personas', { account, json: { name: 'SSRF' } });
  assert.equal(r.status, 200, r.text);
  return r.body.id;
}

const refineBody = (personaId: string, baseUrl: string) => ({
  provider: 'openai-compatible',
  providerApiKey: 'sk-ssrf-test',
  model: 'm',
  personaId,
  content: 'Hello there.',
  baseUrl,
});

describeEachBackend(
  'request-supplied URLs (SSRF)',
  (h) => {
    test('Tavus layers.llm.base_url: every non-public form is a 400 on create and patch, nothing stored', async () => {
      const account = await h().newAccount();
      const id = await tavusPersona(h(), account);
      const before = await storeSnapshot(h().services.db);
      for (const url of refused) {
        const layers = { llm: { model: 'm', base_url: url } };
        const c = await h().request('POST', '/v2/personas', {
          account,
          json: { persona_name: 'x', system_prompt: 'y', layers },
        });
        assert.equal(c.status, 400, `create ${url}: ${c.text}`);
        assert.equal(tavusProblem(400, c.body), undefined, c.text);
        assert.match(c.body.error, /^layers\.llm\.base_url: /, url);
        for (const ops of [
          [{ op: 'replace', path: '/layers/llm/base_url', value: url }],
          [{ op: 'replace', path: '/layers', value: layers }],
          // A base URL moved in from another field is checked the same.
          [
            { op: 'add', path: '/context', value: url },
            { op: 'move', from: '/context', path: '/layers/llm/base_url' },
          ],
        ]) {
          const p = await h().request('PATCH', `/v2/personas/${id}`, { account, json: ops });
          assert.equal(p.status, 400, `patch ${url}: ${p.text}`);
          assert.match(p.body.error, /^layers\.llm\.base_url: /, url);
        }
      }
      assert.equal(await storeSnapshot(h().services.db), before, 'no refused request changed the store');
      const ok = await h().request('PATCH', `/v2/personas/${id}`, {
        account,
        json: [{ op: 'replace', path: '/layers/llm/base_url', value: 'https://203.0.113.11/v2' }],
      });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.body.layers.llm.base_url, 'https://203.0.113.11/v2');
    });

    test('a patch that leaves an already stored base_url alone is not re-checked', async () => {
      const account = await h().newAccount();
      const id = await tavusPersona(h(), account);
      // As stored before the guard existed: a private URL written straight into the row.
      const row = await h()
        .services.db.kysely.selectFrom('personas')
        .select('layers')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      const layers = JSON.parse(row.layers);
      layers.llm.base_url = 'http://10.1.2.3/v1';
      await h()
        .services.db.kysely.updateTable('personas')
        .set({ layers: JSON.stringify(layers) })
        .where('id', '=', id)
        .execute();
      h().services.personas.invalidate(id);
      const p = await h().request('PATCH', `/v2/personas/${id}`, {
        account,
        json: [{ op: 'replace', path: '/persona_name', value: 'Renamed' }],
      });
      assert.equal(p.status, 200, p.text);
    });

    test('/v1/refine baseUrl: the same forms are a 400 naming baseUrl', async () => {
      const account = await h().newAccount();
      const personaId = await v1Persona(h(), account);
      for (const url of refused) {
        const r = await h().request('POST', '/v1/refine', { account, json: refineBody(personaId, url) });
        assert.equal(r.status, 400, `${url}: ${r.text}`);
        assert.equal(openGiantProblem(400, r.body), undefined, r.text);
        assert.match(r.body.message, /^baseUrl: /, url);
      }
    });

    test('Suno generate: a private callback URL is a 400 naming the field and is never forwarded', async () => {
      const account = await h().newAccount();
      const clip = await newClip(h(), account);
      const persona = await newPersona(h(), account, clip.id);
      const sent = suno.received.length;
      for (const field of ['callBackUrl', 'callback_url', 'webhook_url', 'notify_url']) {
        for (const url of refused) {
          const r = await h().request('POST', '/suno/generate', {
            account,
            json: { persona_id: persona.id, prompt: 'la', [field]: url },
          });
          assert.equal(r.status, 400, `${field} ${url}: ${r.text}`);
          assert.equal(sunoProblem(400, r.body), undefined, r.text);
          assert.equal(r.body.field, field);
        }
      }
      assert.equal(suno.received.length, sent, 'nothing reached the upstream');
      const ok = await h().request('POST', '/suno/generate', {
        account,
        json: { persona_id: persona.id, prompt: 'public-callback', callBackUrl: 'https://203.0.113.10/hook' },
      });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(suno.find('public-callback')?.body.callBackUrl, 'https://203.0.113.10/hook');
    });
  },
  {
    PERSONAKIT_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    PERSONAKIT_SUNO_BASE_URL: suno.url,
    PERSONAKIT_SUNO_API_KEY: 'k',
  },
);

describeEachBackend(
  'allow-listed private hosts, and redirects',
  (h) => {
    test('PERSONAKIT_ALLOWED_HOSTS lets exactly the listed address through', async () => {
      const account = await h().newAccount();
      const allowed = {
        persona_name: 'x',
        system_prompt: 'y',
        layers: { llm: { base_url: `${canary.url}/v1` } },
      };
      assert.equal((await h().request('POST', '/v2/personas', { account, json: allowed })).status, 200);
      const other = { ...allowed, layers: { llm: { base_url: 'http://10.0.0.1/v1' } } };
      assert.equal((await h().request('POST', '/v2/personas', { account, json: other })).status, 400);
      const metadata = { ...allowed, layers: { llm: { base_url: 'http://169.254.169.254/' } } };
      assert.equal((await h().request('POST', '/v2/personas', { account, json: metadata })).status, 400);
    });

    test('an allow-listed upstream answering 302 to the metadata address or elsewhere: an error, not followed', async () => {
      const account = await h().newAccount();
      const personaId = await v1Persona(h(), account);
      const hitsBefore = canaryHits;
      for (const path of ['/metadata/v1', '/v1']) {
        for (const stream of [false, true]) {
          const body = { ...refineBody(personaId, `${redirecting.url}${path}`), stream };
          const r = await h().request('POST', '/v1/refine', { account, json: body });
          assert.equal(r.status, 502, `${path} stream=${stream}: ${r.text}`);
          assert.equal(openGiantProblem(502, r.body), undefined, r.text);
        }
      }
      assert.equal(canaryHits, hitsBefore, 'the redirect target was never requested');
    });
  },
  { PERSONAKIT_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, PERSONAKIT_ALLOWED_HOSTS: '127.0.0.1' },
);

describeEachBackend(
  'the operator’s Suno upstream redirecting',
  (h) => {
    test('a 302 from the Suno upstream is a 502, and its target is never requested', async () => {
      const account = await h().newAccount();
      const clip = await newClip(h(), account);
      const hitsBefore = canaryHits;
      // Creating a persona is the first call to the upstream (it is created there too).
      const r = await h().request('POST', '/suno/persona/create/', {
        account,
        json: { root_clip_id: clip.id, name: 'n', description: '', clips: [], is_public: false },
      });
      assert.equal(r.status, 502, r.text);
      assert.equal(sunoProblem(502, r.body), undefined, r.text);
      assert.equal(canaryHits, hitsBefore);
    });
  },
  { PERSONAKIT_SUNO_BASE_URL: redirecting.url, PERSONAKIT_SUNO_API_KEY: 'k' },
);
