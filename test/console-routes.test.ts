import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { brotliDecompressSync } from 'node:zlib';
import { importFile, pngCard } from './helpers/card-files.ts';
import { describeEachBackend } from './helpers/harness.ts';
import { newClip, newPersona } from './helpers/suno.ts';

/** The routes the web console added: GET /v1/me, GET /v1/catalog/personas, and /console itself. */

const consoleDir = mkdtempSync(join(tmpdir(), 'personakit-console-routes-'));
mkdirSync(consoleDir, { recursive: true });
writeFileSync(join(consoleDir, 'console-ABC123.js'), 'console.log("hi");'.repeat(50));
writeFileSync(join(consoleDir, 'console-DEF456.css'), 'body{color:red}');
writeFileSync(
  join(consoleDir, 'manifest.json'),
  JSON.stringify({ js: 'console-ABC123.js', css: 'console-DEF456.css' }),
);
after(() => rmSync(consoleDir, { recursive: true, force: true }));

describeEachBackend(
  'console routes',
  (h) => {
    test('GET /v1/me names the key, its account and every scope it holds', async () => {
      const full = await h().newAccount();
      const r = await h().request('GET', '/v1/me', { account: full });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.account_id, full.accountId);
      assert.match(r.body.key_id, /^key_/);
      assert.equal(r.body.operator, false);
      assert.ok(r.body.scopes.includes('personas:write') && !r.body.scopes.includes('accounts'));
      const narrow = await h().newAccount({ scopes: ['refine'] });
      const n = await h().request('GET', '/v1/me', { account: narrow });
      assert.deepEqual(n.body.scopes, ['refine']);
      const none = await h().newAccount({ scopes: [] });
      assert.equal((await h().request('GET', '/v1/me', { account: none })).status, 200);
    });

    test('GET /v1/me without a valid key is 401 in the /v1 shape', async () => {
      const r = await h().request('GET', '/v1/me', { headers: { authorization: 'Bearer pk_nope' } });
      assert.equal(r.status, 401);
      assert.equal(r.body.error, 401);
      assert.equal(typeof r.body.message, 'string');
    });

    test('the catalog lists every persona of the account with its source, newest first', async () => {
      const account = await h().newAccount();
      const other = await h().newAccount();
      const v1 = await h().request('POST', '/v1/personas', { account, json: { name: 'Plain v1' } });
      const v2 = await h().request('POST', '/v2/personas', {
        account,
        json: { persona_name: 'Tavus one', system_prompt: 'Be brief.' },
      });
      const clip = await newClip(h(), account);
      const suno = await newPersona(h(), account, clip.id, { name: 'Music one' });
      const card = await importFile(
        h(),
        account,
        pngCard('chara', { name: 'Card one', description: 'From a card' }),
        {
          contentType: 'image/png',
        },
      );
      assert.equal(card.status, 200, card.text);
      await h().request('POST', '/v1/personas', { account: other, json: { name: 'Not mine' } });
      const r = await h().request('GET', '/v1/catalog/personas', { account });
      assert.equal(r.status, 200, r.text);
      const byId = new Map(r.body.data.map((p: { id: string; source: string }) => [p.id, p.source]));
      assert.equal(byId.get(v1.body.id), 'opengiant');
      assert.equal(byId.get(v2.body.persona_id), 'tavus');
      assert.equal(byId.get(suno.id), 'suno');
      assert.equal(byId.get(card.body.id), 'card');
      assert.equal(r.body.data.length, 4, 'another account’s persona is not listed');
      const only = await h().request('GET', '/v1/catalog/personas?source=card', { account });
      assert.deepEqual(
        only.body.data.map((p: { name: string }) => p.name),
        ['Card one'],
      );
    });

    test('the catalog searches names in any case; % and _ are plain characters', async () => {
      const account = await h().newAccount();
      for (const name of ['Support Bot', 'Sales 100%', 'sales_team', 'Other'])
        await h().request('POST', '/v1/personas', { account, json: { name } });
      const names = async (q: string) =>
        (await h().request('GET', `/v1/catalog/personas?q=${encodeURIComponent(q)}`, { account })).body.data
          .map((p: { name: string }) => p.name)
          .sort();
      assert.deepEqual(await names('SUPPORT'), ['Support Bot']);
      assert.deepEqual(await names('%'), ['Sales 100%']);
      assert.deepEqual(await names('_'), ['sales_team']);
      assert.deepEqual(await names('sales'), ['Sales 100%', 'sales_team']);
    });

    test('the catalog pages by cursor without repeats; a forged cursor is a 400', async () => {
      const account = await h().newAccount();
      for (let i = 0; i < 5; i++)
        await h().request('POST', '/v1/personas', { account, json: { name: `P${i}` } });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const r = await h().request(
          'GET',
          `/v1/catalog/personas?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          { account },
        );
        assert.equal(r.status, 200, r.text);
        seen.push(...r.body.data.map((p: { name: string }) => p.name));
        cursor = r.body.next_cursor;
      } while (cursor);
      // Newest first; personas made in the same millisecond are ordered by id, so compare as a set.
      assert.deepEqual([...seen].sort(), ['P0', 'P1', 'P2', 'P3', 'P4']);
      const bad = await h().request('GET', '/v1/catalog/personas?cursor=zzz', { account });
      assert.equal(bad.status, 400);
      assert.match(bad.body.message, /cursor/);
      const badSource = await h().request('GET', '/v1/catalog/personas?source=nope', { account });
      assert.equal(badSource.status, 400);
    });

    test('the catalog needs personas:read', async () => {
      const account = await h().newAccount({ scopes: ['refine'] });
      const r = await h().request('GET', '/v1/catalog/personas', { account });
      assert.equal(r.status, 403);
      assert.match(r.body.message, /personas:read/);
    });
  },
  { PERSONAKIT_CONSOLE_DIR: consoleDir },
);

describe('console page and assets', () => {
  let h: Awaited<ReturnType<typeof import('./helpers/harness.ts').createHarness>> | undefined;
  let missing: typeof h;
  before(async () => {
    const { createHarness } = await import('./helpers/harness.ts');
    const { backends } = await import('./helpers/backends.ts');
    const sqlite = backends[0]?.backend;
    if (!sqlite) throw new Error('no sqlite backend');
    h = await createHarness(sqlite, { PERSONAKIT_CONSOLE_DIR: consoleDir });
    missing = await createHarness(sqlite, { PERSONAKIT_CONSOLE_DIR: join(consoleDir, 'nowhere') });
  });
  after(async () => {
    await h?.close();
    await missing?.close();
  });

  test('/ redirects to /console, which is served under a strict CSP naming its hashed assets', async () => {
    if (!h) throw new Error('not started');
    const root = await h.app.request('/');
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/console');
    const page = await h.app.request('/console');
    assert.equal(page.status, 200);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self';/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    const html = await page.text();
    assert.match(html, /\/console\/assets\/console-ABC123\.js/);
    assert.match(html, /\/console\/assets\/console-DEF456\.css/);
  });

  test('hashed assets are cached for a year and compressed as the client accepts', async () => {
    if (!h) throw new Error('not started');
    const br = await h.app.request('/console/assets/console-ABC123.js', {
      headers: { 'accept-encoding': 'gzip, br' },
    });
    assert.equal(br.status, 200);
    assert.equal(br.headers.get('content-encoding'), 'br');
    assert.match(br.headers.get('cache-control') ?? '', /max-age=31536000, immutable/);
    assert.match(br.headers.get('content-type') ?? '', /text\/javascript/);
    const text = brotliDecompressSync(Buffer.from(await br.arrayBuffer())).toString();
    assert.ok(text.startsWith('console.log("hi");'));
    const plain = await h.app.request('/console/assets/console-DEF456.css');
    assert.equal(plain.headers.get('content-encoding'), null);
    assert.equal(await plain.text(), 'body{color:red}');
    const unknown = await h.app.request('/console/assets/manifest.json');
    assert.equal(unknown.status, 404, 'only the manifest’s assets are served');
    const traversal = await h.app.request('/console/assets/..%2F..%2Fpackage.json');
    assert.equal(traversal.status, 404);
  });

  test('without a built console, /console says how to build it (never a 5xx)', async () => {
    if (!missing) throw new Error('not started');
    const r = await missing.app.request('/console');
    assert.equal(r.status, 200);
    assert.match(await r.text(), /npm run build/);
    assert.equal((await missing.app.request('/console/assets/console-ABC123.js')).status, 404);
  });
});
