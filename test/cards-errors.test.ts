import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_CARD_FILE_BYTES } from '../src/surfaces/opengiant/card-upload.ts';
import { exportFile, importFile, png, pngCard, zip } from './helpers/card-files.ts';
import { v1Card, v3Card } from './helpers/card-samples.ts';
import { describeEachBackend, type Harness } from './helpers/harness.ts';

/** OpenGiant's error body, with a message that says what was found. */
function assertError(res: { status: number; body: unknown; text: string }, status: number, message: RegExp) {
  assert.equal(res.status, status, res.text);
  assert.deepEqual(Object.keys(res.body as object).sort(), ['error', 'message']);
  assert.equal((res.body as { error: number }).error, status);
  assert.match((res.body as { message: string }).message, message);
}

async function personaCount(h: Harness, accountId: string) {
  const rows = await h.services.db.kysely
    .selectFrom('personas')
    .select('id')
    .where('account_id', '=', accountId)
    .execute();
  return rows.length;
}

describeEachBackend('Character card import: files that are not cards', (h) => {
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));

  const cases: [string, () => Buffer | Promise<Buffer>, RegExp][] = [
    [
      'a V3 lorebook file',
      () => json({ spec: 'lorebook_v3', data: { entries: [], extensions: {} } }),
      /lorebook \(lorebook_v3\)/,
    ],
    [
      'a SillyTavern world info file',
      () =>
        json({
          entries: { 0: { uid: 0, key: ['a'], keysecondary: [], content: 'x', order: 100, disable: false } },
        }),
      /lorebook \(a world info file\)/,
    ],
    ['a JSON array', () => json([v1Card()]), /the JSON is an array/],
    [
      'JSON without a character name',
      () => json({ spec: 'chara_card_v2', data: { description: 'x' } }),
      /no character name/,
    ],
    ['malformed JSON', () => Buffer.from('{"name": "x",'), /not valid JSON/],
    [
      'JSON nested too deep',
      () => Buffer.from(`${'['.repeat(100)}${']'.repeat(100)}`),
      /nests more than 64 levels/,
    ],
    ['a PNG without a card', () => png([['Comment', 'hello']]), /PNG image without a character card/],
    [
      'a truncated PNG',
      () => {
        const p = pngCard('chara', v1Card());
        return p.subarray(0, p.length - 20);
      },
      /PNG image is damaged/,
    ],
    [
      'a PNG with a wrong checksum',
      () => {
        const p = Buffer.from(pngCard('chara', v1Card()));
        p[45] = (p[45] ?? 0) ^ 0xff; // inside IDAT's data (IHDR ends at 33, IDAT data starts at 41)
        return p;
      },
      /checksum is wrong/,
    ],
    [
      'a JPEG image',
      () => Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46]),
      /a JPEG image/,
    ],
    ['a WebP image', () => Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1'), /a WebP image/],
    ['plain text', () => Buffer.from('hello there'), /an unrecognized file/],
    [
      'a damaged ZIP',
      async () => (await zip([['card.json', json(v3Card())]])).subarray(0, 60),
      /ZIP archive is damaged/,
    ],
    ['a ZIP without card.json', async () => zip([['readme.txt', Buffer.from('hi')]]), /without card\.json/],
    [
      'a decompression bomb',
      async () =>
        zip([
          ['card.json', json(v3Card())],
          ['assets/other/big.bin', Buffer.alloc(8 * 1024 * 1024)],
        ]),
      /decompression bomb: .*expands more than 100 times/,
    ],
    [
      'a card.json that is not a card',
      async () => zip([['card.json', json({ hello: 1 })]]),
      /no character name/,
    ],
  ];

  for (const [what, build, message] of cases) {
    test(`${what} is a 400 saying so, and creates nothing`, async () => {
      const account = await h().newAccount();
      const res = await importFile(h(), account, await build());
      assertError(res, 400, message);
      assert.equal(await personaCount(h(), account.accountId), 0);
    });
  }

  test('an empty body, or a multipart body without a file part, is a 400', async () => {
    const account = await h().newAccount();
    assertError(await importFile(h(), account, Buffer.alloc(0)), 400, /empty/);
    const form = new FormData();
    form.append('name', 'x');
    const res = await h().app.request('/v1/personas/import', {
      method: 'POST',
      headers: account.auth,
      body: form,
    });
    assertError({ status: res.status, text: '', body: await res.json() }, 400, /"file" is required/);
  });

  test('a file over the size limit is a 413, raw or multipart', async () => {
    const account = await h().newAccount();
    const big = Buffer.alloc(MAX_CARD_FILE_BYTES + 1, 0x20);
    assertError(await importFile(h(), account, big), 413, /larger than 33554432 bytes/);
    assertError(await importFile(h(), account, big, { multipart: true }), 413, /larger than 33554432 bytes/);
    const declared = await h().app.request('/v1/personas/import', {
      method: 'POST',
      headers: { ...account.auth, 'content-length': String(MAX_CARD_FILE_BYTES * 2) },
      body: 'x',
    });
    assert.equal(declared.status, 413);
    assert.equal(await personaCount(h(), account.accountId), 0);
  });

  test('a key is required; another account cannot export the persona (404), nor can a stranger', async () => {
    const owner = await h().newAccount();
    const other = await h().newAccount();
    const res = await importFile(h(), owner, pngCard('chara', v1Card()));
    assert.equal(res.status, 200);
    for (const format of ['png', 'json', 'charx']) {
      const got = await exportFile(h(), other, res.body.id, `?format=${format}`);
      assert.equal(got.status, 404, format);
      assert.deepEqual(JSON.parse(got.bytes.toString()), { error: 404, message: 'Persona not found' });
    }
    const anonymous = await h().app.request(`/v1/personas/${res.body.id}/export`);
    assert.equal(anonymous.status, 401);
    const unauthImport = await h().app.request('/v1/personas/import', { method: 'POST', body: 'x' });
    assert.equal(unauthImport.status, 401);
  });

  test('an unknown format or spec is a 400 naming the parameter', async () => {
    const account = await h().newAccount();
    const res = await importFile(h(), account, Buffer.from(JSON.stringify(v1Card())));
    for (const q of ['?format=gif', '?spec=v1']) {
      const got = await exportFile(h(), account, res.body.id, q);
      assert.equal(got.status, 400, q);
      const body = JSON.parse(got.bytes.toString());
      assert.equal(body.error, 400);
      assert.match(body.message, q.includes('format') ? /^format:/ : /^spec:/);
    }
  });
});
