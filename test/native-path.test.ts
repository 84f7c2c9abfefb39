import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { getRequestListener } from '@hono/node-server';
import { createRoute } from '@hono/zod-openapi';
import { nativeListener, nativeRoute } from '../src/http/native.ts';
import { openGiantNativeRoutes } from '../src/surfaces/opengiant/index.ts';
import { describeEachBackend, type Harness } from './helpers/harness.ts';

/**
 * The native fast path must be indistinguishable from the Hono app: every request here is sent to both
 * (Hono in-process, the fast path on a socket) and the answers compared, status, headers and body. A spy
 * on the fallback shows which path actually served each request.
 */

interface Answer {
  status: number;
  type: string | null;
  retryAfter: string | null;
  requestId: string | null;
  body: unknown;
}

interface Case {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

function nativeServer(h: Harness) {
  const fellBack: string[] = [];
  const hono = getRequestListener(h.app.fetch);
  const server: Server = createServer(
    nativeListener(h.services, openGiantNativeRoutes, (req, res) => {
      fellBack.push(`${req.method} ${req.url}`);
      hono(req, res);
    }),
  );
  return { server, fellBack };
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {}
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    retryAfter: res.headers.get('retry-after'),
    requestId: res.headers.get('x-request-id'),
    body,
  };
}

/** Fresh ids and timestamps differ between two creates; everything else must not. */
function normalise(a: Answer): Answer {
  const body =
    a.body && typeof a.body === 'object' && 'id' in a.body ? { ...a.body, id: '<id>' } : (a.body as unknown);
  return { ...a, requestId: a.requestId ? '<present>' : null, body };
}

describeEachBackend('native fast path', (h) => {
  let url = '';
  let fellBack: string[] = [];
  let server: Server | undefined;
  before(async () => {
    const s = nativeServer(h());
    server = s.server;
    fellBack = s.fellBack;
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  async function both(c: Case): Promise<{ native: Answer; hono: Answer; servedNatively: boolean }> {
    const before = fellBack.length;
    const init = { method: c.method, headers: c.headers ?? {}, body: c.body };
    const native = await answer(await fetch(`${url}${c.path}`, init));
    const hono = await answer(await h().app.request(c.path, init));
    return { native, hono, servedNatively: fellBack.length === before };
  }

  async function same(c: Case, status: number): Promise<Answer> {
    const { native, hono, servedNatively } = await both(c);
    assert.equal(servedNatively, true, `${c.method} ${c.path} should be served natively`);
    assert.equal(native.status, status, JSON.stringify(native.body));
    assert.deepEqual(normalise(native), normalise(hono), `${c.method} ${c.path}`);
    return native;
  }

  const json = (key: string, extra: Record<string, string> = {}): Record<string, string> => ({
    authorization: `Bearer ${key}`,
    'content-type': 'application/json',
    ...extra,
  });

  test('GET a persona: found, missing, malformed id, no key, bad key, another account', async () => {
    const a = await h().newAccount();
    const b = await h().newAccount();
    const created = await h().request('POST', '/v1/personas', {
      account: a,
      json: { name: 'Native', attributes: { tone: 'warm', emoji: 'none' } },
    });
    const id = (created.body as { id: string }).id;
    const auth = { authorization: `Bearer ${a.key}` };
    const got = await same({ method: 'GET', path: `/v1/personas/${id}`, headers: auth }, 200);
    assert.equal((got.body as { name: string }).name, 'Native');
    await same({ method: 'GET', path: `/v1/personas/${id}?unused=1`, headers: auth }, 200);
    await same({ method: 'GET', path: '/v1/personas/pmissing000', headers: auth }, 404);
    await same({ method: 'GET', path: '/v1/personas/NOT-AN-ID', headers: auth }, 400);
    await same({ method: 'GET', path: `/v1/personas/${id}` }, 401);
    await same(
      { method: 'GET', path: `/v1/personas/${id}`, headers: { authorization: 'Bearer pk_nope' } },
      401,
    );
    await same({ method: 'GET', path: `/v1/personas/${id}`, headers: { 'x-api-key': b.key } }, 404);
  });

  test('GET after a change answers the changed persona (no stale encoded answer)', async () => {
    const a = await h().newAccount();
    const created = await h().request('POST', '/v1/personas', { account: a, json: { name: 'Before' } });
    const id = (created.body as { id: string }).id;
    const get = async () => {
      const r = await fetch(`${url}/v1/personas/${id}`, { headers: { authorization: `Bearer ${a.key}` } });
      return (await r.json()) as { name: string; attributes: unknown };
    };
    assert.equal((await get()).name, 'Before');
    const patched = await h().request('PATCH', `/v1/personas/${id}`, {
      account: a,
      json: { name: 'After', attributes: { tone: 'calm' } },
    });
    assert.equal(patched.status, 200, patched.text);
    const after = await get();
    assert.equal(after.name, 'After');
    assert.deepEqual(after.attributes, { tone: 'calm' });
  });

  test('POST a persona: created, invalid, wrong media type, malformed, too deep, NUL, too large', async () => {
    const a = await h().newAccount();
    const ok = await same(
      {
        method: 'POST',
        path: '/v1/personas',
        headers: json(a.key),
        body: '{"name":"N","attributes":{"x":1}}',
      },
      200,
    );
    assert.deepEqual(Object.keys(ok.body as object).sort(), ['attributes', 'id', 'name']);
    const stored = await h().request('GET', `/v1/personas/${(ok.body as { id: string }).id}`, { account: a });
    assert.deepEqual((stored.body as { attributes: unknown }).attributes, { x: 1 });

    const post = (body: string, headers = json(a.key)) => ({
      method: 'POST',
      path: '/v1/personas',
      headers,
      body,
    });
    await same(post('{}'), 400);
    await same(post('{"name":42}'), 400);
    await same(post('{"name":'), 400);
    await same(post(''), 400);
    await same(post(`{"name":"x","attributes":${'{"a":'.repeat(80)}1${'}'.repeat(80)}}`), 400);
    await same(post('{"name":"a\\u0000b"}'), 400);
    await same(post('{"name":"x"}', { authorization: `Bearer ${a.key}`, 'content-type': 'text/plain' }), 415);
    await same(post(`{"name":"${'x'.repeat(1024 * 1024 + 10)}"}`), 413);
    await same(post('{"name":"x"}', { 'content-type': 'application/json' }), 401);
  });

  test('POST /v1/refine: local engine, unknown persona, invalid provider, missing provider key', async () => {
    const a = await h().newAccount();
    const created = await h().request('POST', '/v1/personas', {
      account: a,
      json: { name: 'Calm', attributes: { exclamations: 'none', emoji: 'none' } },
    });
    const personaId = (created.body as { id: string }).id;
    const refine = (body: unknown) => ({
      method: 'POST',
      path: '/v1/refine',
      headers: json(a.key),
      body: JSON.stringify(body),
    });
    const ok = await same(
      refine({ provider: 'local', personaId, content: 'Great news!!! It shipped 🎉' }),
      200,
    );
    assert.equal((ok.body as { response: string }).response.includes('!'), false);
    await same(refine({ provider: 'local', personaId: 'pmissing000', content: 'x' }), 404);
    await same(refine({ provider: 'nope', personaId, content: 'x' }), 400);
    await same(refine({ provider: 'openai', personaId, content: 'x' }), 400);
    await same(refine({ provider: 'local', personaId, content: '' }), 400);
  });

  test('x-request-id: an acceptable one is echoed, anything else replaced', async () => {
    const a = await h().newAccount();
    const headers = { authorization: `Bearer ${a.key}`, 'x-request-id': 'trace-42' };
    const kept = await same({ method: 'GET', path: '/v1/personas/pmissing000', headers }, 404);
    assert.equal(kept.requestId, 'trace-42');
    const bad = { authorization: `Bearer ${a.key}`, 'x-request-id': 'has spaces' };
    const replaced = await same({ method: 'GET', path: '/v1/personas/pmissing000', headers: bad }, 404);
    assert.match(replaced.requestId ?? '', /^[0-9a-f-]{36}$/);
  });

  test('everything else goes to the Hono app', async () => {
    const a = await h().newAccount();
    const auth = { authorization: `Bearer ${a.key}` };
    const cases: Case[] = [
      { method: 'GET', path: '/v1/personas', headers: auth },
      { method: 'HEAD', path: '/v1/personas/pmissing000', headers: auth },
      { method: 'GET', path: '/v1/personas/pmissing000/', headers: auth },
      { method: 'GET', path: '/v1/personas/p%61bc', headers: auth },
      { method: 'PATCH', path: '/v1/personas/pmissing000', headers: json(a.key), body: '{}' },
      {
        method: 'POST',
        path: '/v1/personas',
        headers: json(a.key, { 'idempotency-key': 'k1' }),
        body: '{"name":"I"}',
      },
      { method: 'GET', path: '/healthz' },
    ];
    for (const c of cases) {
      const { native, hono, servedNatively } = await both(c);
      assert.equal(servedNatively, false, `${c.method} ${c.path} should fall back to Hono`);
      // With Idempotency-Key the second send (to Hono) is the replay of the first: the same answer.
      assert.deepEqual(normalise(native), normalise(hono), `${c.method} ${c.path}`);
    }
  });
});

describeEachBackend('native fast path: a bug under a route', (h) => {
  test('is a 500 in the /v1 shape, and the server keeps serving', async () => {
    const route = createRoute({ method: 'get', path: '/boom', responses: { 200: { description: 'never' } } });
    const broken = nativeRoute(
      '/test',
      route,
      () => {
        throw new Error('bug in an error mapper');
      },
      async () => {
        throw new Error('bug in a handler');
      },
    );
    const server = createServer(
      nativeListener(h().services, [broken], (_req, res) => res.writeHead(404).end()),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const a = await h().newAccount();
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/test/boom`;
      for (let i = 0; i < 2; i++) {
        const r = await fetch(url, { headers: { authorization: `Bearer ${a.key}` } });
        assert.equal(r.status, 500);
        assert.deepEqual(await r.json(), { error: 500, message: 'Internal error' });
      }
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describeEachBackend(
  'native fast path: rate limit',
  (h) => {
    test('429 with retry-after, in the /v1 shape, on the fast path too', async () => {
      const { server, fellBack } = nativeServer(h());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const a = await h().newAccount();
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const statuses: number[] = [];
        let limited: Answer | undefined;
        for (let i = 0; i < 4; i++) {
          const r = await answer(
            await fetch(`${base}/v1/personas/pmissing000`, { headers: { authorization: `Bearer ${a.key}` } }),
          );
          statuses.push(r.status);
          if (r.status === 429) limited = r;
        }
        assert.deepEqual(statuses, [404, 404, 404, 429]);
        assert.equal(fellBack.length, 0);
        assert.ok(limited);
        assert.ok(Number(limited.retryAfter) > 0);
        assert.deepEqual(limited.body, { error: 429, message: 'Rate limit of 3 requests per 60 s exceeded' });
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });
  },
  { PERSONAKIT_RATE_LIMIT: '3', PERSONAKIT_RATE_LIMIT_WINDOW_S: '60' },
);
