import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';
import { describeEachBackend, listen } from './helpers/harness.ts';

const ORIGIN = 'https://app.example.com';

describeEachBackend(
  'CORS with allowed origins',
  (h) => {
    let server: Awaited<ReturnType<typeof listen>> | undefined;
    before(async () => {
      server = await listen(h());
    });
    after(() => server?.close());

    test('a preflight is answered 204 with the allow headers, before any key', async () => {
      for (const path of ['/v1/refine', '/v1/personas/pabc', '/v2/personas', '/suno/generate']) {
        const r = await fetch(`${server?.url}${path}`, {
          method: 'OPTIONS',
          headers: {
            origin: ORIGIN,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'authorization, content-type',
          },
        });
        assert.equal(r.status, 204, path);
        assert.equal(r.headers.get('access-control-allow-origin'), ORIGIN);
        const allowHeaders = (r.headers.get('access-control-allow-headers') ?? '').split(',');
        for (const name of ['authorization', 'x-api-key', 'content-type', 'idempotency-key']) {
          assert.ok(allowHeaders.includes(name), `${name} in ${allowHeaders}`);
        }
        assert.match(r.headers.get('access-control-allow-methods') ?? '', /PATCH/);
        assert.equal(r.headers.get('access-control-allow-credentials'), null);
        assert.match(r.headers.get('vary') ?? '', /Origin/);
      }
    });

    test('answers carry the allow-origin header on both transports, errors included', async () => {
      const account = await h().newAccount();
      const created = await h().request('POST', '/v1/personas', { account, json: { name: 'C' } });
      const headers = { origin: ORIGIN, ...account.auth };
      const cases: [string, RequestInit, number][] = [
        [`/v1/personas/${created.body.id}`, { headers }, 200], // native fast path
        ['/v1/personas', { headers }, 200], // Hono
        [
          '/v1/check',
          {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json' },
            body: JSON.stringify({ personaId: created.body.id, content: 'x' }),
          },
          200,
        ],
        ['/v1/personas/pmissing000', { headers }, 404],
        ['/v2/personas', { headers: { origin: ORIGIN } }, 401],
      ];
      for (const [path, init, status] of cases) {
        const r = await fetch(`${server?.url}${path}`, init);
        assert.equal(r.status, status, path);
        assert.equal(r.headers.get('access-control-allow-origin'), ORIGIN, path);
        assert.match(r.headers.get('access-control-expose-headers') ?? '', /x-request-id/, path);
        await r.arrayBuffer();
      }
    });

    test('an origin not listed gets no allow-origin header', async () => {
      const account = await h().newAccount();
      const created = await h().request('POST', '/v1/personas', { account, json: { name: 'C' } });
      for (const path of [`/v1/personas/${created.body.id}`, '/v1/personas']) {
        const r = await fetch(`${server?.url}${path}`, {
          headers: { origin: 'https://evil.example', ...account.auth },
        });
        assert.equal(r.status, 200);
        assert.equal(r.headers.get('access-control-allow-origin'), null, path);
        await r.arrayBuffer();
      }
    });
  },
  { PERSONAKIT_CORS_ORIGINS: `${ORIGIN}, http://localhost:3000` },
);

describeEachBackend(
  'CORS with *',
  (h) => {
    test('any origin is allowed, without credentials', async () => {
      const r = await h().request('OPTIONS', '/v1/personas', {
        headers: { origin: 'https://any.example', 'access-control-request-method': 'GET' },
      });
      assert.equal(r.status, 204);
      assert.equal(r.headers.get('access-control-allow-origin'), '*');
    });
  },
  { PERSONAKIT_CORS_ORIGINS: '*' },
);

describeEachBackend('CORS off (the default)', (h) => {
  let server: Awaited<ReturnType<typeof listen>> | undefined;
  before(async () => {
    server = await listen(h());
  });
  after(() => server?.close());

  test('no CORS header on answers, and no preflight answer', async () => {
    const account = await h().newAccount();
    const created = await h().request('POST', '/v1/personas', { account, json: { name: 'C' } });
    const r = await fetch(`${server?.url}/v1/personas/${created.body.id}`, {
      headers: { origin: ORIGIN, ...account.auth },
    });
    assert.equal(r.headers.get('access-control-allow-origin'), null);
    await r.arrayBuffer();
    const pre = await h().request('OPTIONS', '/v1/personas', {
      headers: { origin: ORIGIN, 'access-control-request-method': 'GET' },
    });
    assert.notEqual(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), null);
  });
});

test('PERSONAKIT_CORS_ORIGINS: a list of origins or *; anything else stops the start', () => {
  const c = loadConfig({ PERSONAKIT_CORS_ORIGINS: ' https://a.example ,http://localhost:3000,' });
  assert.deepEqual(c.PERSONAKIT_CORS_ORIGINS, ['https://a.example', 'http://localhost:3000']);
  assert.deepEqual(loadConfig({}).PERSONAKIT_CORS_ORIGINS, []);
  assert.throws(
    () => loadConfig({ PERSONAKIT_CORS_ORIGINS: 'https://a.example/path' }),
    (e: unknown) => e instanceof ConfigError && /PERSONAKIT_CORS_ORIGINS/.test(e.message),
  );
  assert.throws(() => loadConfig({ PERSONAKIT_CORS_ORIGINS: 'a.example' }), ConfigError);
});
