import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { startFakeSunoUpstream } from './helpers/fake-suno-upstream.ts';
import { startFake } from './helpers/fake-upstreams.ts';
import { type Account, describeEachBackend, type Harness, type Reply } from './helpers/harness.ts';
import { clipBody, newClip, newPersona } from './helpers/suno.ts';

/**
 * Issue 7.7 across every surface: Idempotency-Key on every POST route (a retried request is answered from
 * the first, and its effect - rows, upstream calls - happens once), and the per-key rate limit answering
 * 429 with retry-after, and the body size limit, in each surface's own error shape.
 */

const openai = await startFake('openai');
const suno = await startFakeSunoUpstream();
after(async () => {
  await openai.close();
  await suno.close();
});
const env = {
  PERSONAKIT_OPENAI_BASE_URL: `${openai.origin}/v1`,
  PERSONAKIT_SUNO_BASE_URL: suno.url,
  PERSONAKIT_SUNO_API_KEY: 'operator-key',
};

interface PostRoute {
  path: string;
  /** A valid body for this account (creating what it needs first); `tag` makes it unique. */
  body(h: Harness, account: Account, tag: string): Promise<unknown>;
  /** How many times the request took effect: rows it created, or calls it made upstream. */
  effects(h: Harness, account: Account, tag: string): Promise<number>;
}

async function rows(h: Harness, account: Account, table: 'personas' | 'clips' | 'suno_personas') {
  const r = await h.services.db.kysely
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('account_id', '=', account.accountId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

const upstreamCalls = (tag: string) =>
  openai.requests.filter((r) => JSON.stringify(r.body).includes(tag)).length;
const sunoCalls = (tag: string) => suno.received.filter((r) => r.raw.includes(tag)).length;

async function musicPersona(h: Harness, account: Account) {
  const clip = await newClip(h, account);
  return (await newPersona(h, account, clip.id)).id as string;
}

async function textPersona(h: Harness, account: Account) {
  const r = await h.request('POST', '/v1/personas', {
    account,
    json: { name: 'Idem', attributes: { tone: 'warm' } },
  });
  return r.body.id as string;
}

const postRoutes: PostRoute[] = [
  {
    path: '/v1/personas',
    body: async (_h, _a, tag) => ({ name: tag, attributes: { tone: 'calm' } }),
    effects: (h, a) => rows(h, a, 'personas'),
  },
  {
    path: '/v1/refine',
    body: async (h, a, tag) => ({ provider: 'local', personaId: await textPersona(h, a), content: tag }),
    // The local engine has no side effect to count; the replay header and equal body show it was replayed.
    effects: async () => 1,
  },
  {
    path: '/v1/refine',
    body: async (h, a, tag) => ({
      provider: 'openai',
      providerApiKey: 'sk-idem',
      model: 'gpt-idem',
      personaId: await textPersona(h, a),
      content: tag,
    }),
    effects: async (_h, _a, tag) => upstreamCalls(tag),
  },
  {
    path: '/v2/personas',
    body: async (_h, _a, tag) => ({ persona_name: tag, system_prompt: 'Be kind.' }),
    effects: (h, a) => rows(h, a, 'personas'),
  },
  {
    path: '/suno/clips',
    body: async (_h, _a, tag) => clipBody({ title: tag }),
    effects: (h, a) => rows(h, a, 'clips'),
  },
  {
    path: '/suno/clips/upload',
    body: async (_h, _a, tag) => clipBody({ title: tag }),
    effects: (h, a) => rows(h, a, 'clips'),
  },
  ...['/suno/persona/create/', '/suno/persona/create'].map(
    (path): PostRoute => ({
      path,
      body: async (h, a, tag) => {
        const clip = await newClip(h, a);
        return { root_clip_id: clip.id, name: tag, description: '', clips: [clip.id], is_public: false };
      },
      effects: (h, a) => rows(h, a, 'suno_personas'),
    }),
  ),
  ...['/suno/generate', '/suno/submit/music'].map(
    (path): PostRoute => ({
      path,
      body: async (h, a, tag) => ({ persona_id: await musicPersona(h, a), prompt: tag, title: 'Idem' }),
      effects: async (_h, _a, tag) => sunoCalls(tag),
    }),
  ),
];

describeEachBackend(
  'Idempotency-Key on every POST route of every surface',
  (h) => {
    for (const [i, route] of postRoutes.entries()) {
      test(`POST ${route.path}${i === 2 ? ' (openai)' : ''}: a retry is answered from the first request and takes effect once`, async () => {
        const account = await h().newAccount();
        const tag = `idem-${randomUUID()}`;
        const json = await route.body(h(), account, tag);
        const before = await route.effects(h(), account, tag);
        const headers = { 'idempotency-key': `key-${tag}` };
        const first = await h().request('POST', route.path, { account, json, headers });
        assert.equal(first.status, 200, first.text);
        const afterFirst = await route.effects(h(), account, tag);
        const retry = await h().request('POST', route.path, { account, json, headers });
        assert.equal(retry.status, 200, retry.text);
        assert.equal(retry.headers.get('idempotent-replayed'), 'true');
        assert.equal(retry.text, first.text);
        assert.equal(await route.effects(h(), account, tag), afterFirst, 'the retry took effect again');
        if (route.path !== '/v1/refine' || i === 2) assert.equal(afterFirst, before + 1);
        // The same key on a different request is refused in the surface's shape, not replayed.
        const other = await h().request('POST', route.path, {
          account,
          json: await route.body(h(), account, `${tag}-other`),
          headers,
        });
        assert.equal(other.status, 422, other.text);
        assert.notEqual(other.headers.get('idempotent-replayed'), 'true');
      });
    }

    test('concurrent retries of one create: exactly one takes effect, the others wait (409) or replay', async () => {
      for (const route of [postRoutes[0], postRoutes.find((r) => r.path === '/suno/generate')]) {
        assert.ok(route);
        const account = await h().newAccount();
        const tag = `race-${randomUUID()}`;
        const json = await route.body(h(), account, tag);
        const before = await route.effects(h(), account, tag);
        const headers = { 'idempotency-key': `key-${tag}` };
        const replies = await Promise.all(
          Array.from({ length: 6 }, () => h().request('POST', route.path, { account, json, headers })),
        );
        const statuses = replies.map((r) => r.status);
        assert.ok(
          statuses.every((s) => s === 200 || s === 409),
          `${route.path}: ${statuses.join(',')}`,
        );
        assert.ok(statuses.includes(200));
        assert.equal(
          await route.effects(h(), account, tag),
          before + 1,
          `${route.path} took effect more than once`,
        );
      }
    });
  },
  env,
);

/** Each surface's documented error body for a status (see src/surfaces/{opengiant,tavus,suno}/errors.ts). */
const shapes: Record<string, (r: Reply, status: number) => void> = {
  '/v1': (r, status) => {
    assert.deepEqual(Object.keys(r.body).sort(), ['error', 'message']);
    assert.equal(r.body.error, status);
  },
  '/v2': (r) => {
    assert.deepEqual(Object.keys(r.body), ['message']);
    assert.equal(typeof r.body.message, 'string');
  },
  '/suno': (r, status) => {
    assert.deepEqual(Object.keys(r.body).sort(), ['code', 'error', 'msg']);
    assert.equal(r.body.code, status);
  },
};
const reads: Record<string, string> = {
  '/v1': '/v1/personas',
  '/v2': '/v2/personas',
  '/suno': '/suno/personas',
};

describeEachBackend(
  'rate limit on every surface',
  (h) => {
    for (const surface of Object.keys(reads)) {
      test(`${surface}: past the limit, 429 with retry-after in the surface's error shape`, async () => {
        const account = await h().newAccount();
        const path = reads[surface] ?? '';
        for (let n = 0; n < 3; n++) assert.equal((await h().request('GET', path, { account })).status, 200);
        const limited = await h().request('GET', path, { account });
        assert.equal(limited.status, 429, limited.text);
        shapes[surface]?.(limited, 429);
        const retryAfter = Number(limited.headers.get('retry-after'));
        assert.ok(retryAfter >= 1 && retryAfter <= 60, `retry-after ${limited.headers.get('retry-after')}`);
        // Writes count too, and are refused before they take effect.
        const write = await h().request('POST', `${surface === '/suno' ? '/suno/clips' : path}`, {
          account,
          json:
            surface === '/v2'
              ? { persona_name: 'x', system_prompt: 'y' }
              : surface === '/suno'
                ? clipBody()
                : { name: 'x' },
        });
        assert.equal(write.status, 429);
        assert.equal(await rows(h(), account, surface === '/suno' ? 'clips' : 'personas'), 0);
      });
    }
  },
  { PERSONAKIT_RATE_LIMIT: '3', PERSONAKIT_RATE_LIMIT_WINDOW_S: '60' },
);

describeEachBackend('body size limit on every surface', (h) => {
  const creates: Record<string, string> = {
    '/v1': '/v1/personas',
    '/v2': '/v2/personas',
    '/suno': '/suno/clips',
  };
  for (const [surface, path] of Object.entries(creates)) {
    test(`${surface}: a body over 1 MiB is a 413 in the surface's error shape, and nothing is stored`, async () => {
      const account = await h().newAccount();
      const big = JSON.stringify({ name: 'x', padding: 'p'.repeat(1024 * 1024) });
      const r = await h().request('POST', path, {
        account,
        body: big,
        headers: { 'content-type': 'application/json', 'idempotency-key': 'big' },
      });
      assert.equal(r.status, 413, r.text);
      shapes[surface]?.(r, 413);
      assert.equal(await rows(h(), account, surface === '/suno' ? 'clips' : 'personas'), 0);
    });
  }
});
