import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachBackend, type Reply } from './helpers/harness.ts';

/** The seed's Error schema: exactly {error: <status as integer>, message: string}. */
function assertSeedError(r: Reply, status: number, message?: RegExp) {
  assert.equal(r.status, status, r.text);
  assert.deepEqual(Object.keys(r.body).sort(), ['error', 'message']);
  assert.equal(r.body.error, status);
  assert.equal(typeof r.body.message, 'string');
  if (message) assert.match(r.body.message, message);
}

describeEachBackend('/v1 errors', (h) => {
  test('400: validation names the field', async () => {
    const account = await h().newAccount();
    const cases: [unknown, RegExp][] = [
      [{}, /^name: is required/],
      [{ name: '' }, /^name: must not be empty/],
      [{ name: '   ' }, /^name: must not be empty/],
      [{ name: 'x'.repeat(201) }, /^name: must be at most 200/],
      [{ name: 42 }, /^name:/],
      [{ name: 'ok', attributes: [] }, /^attributes:/],
      [{ name: 'ok', attributes: 'warm' }, /^attributes:/],
      [
        { name: 'ok', attributes: { big: 'x'.repeat(64 * 1024) } },
        /^attributes: must be at most 65536 bytes/,
      ],
      [[], /body|expected object/],
    ];
    for (const [json, message] of cases) {
      assertSeedError(await h().request('POST', '/v1/personas', { account, json }), 400, message);
    }
  });

  test('400: malformed JSON, empty body', async () => {
    const account = await h().newAccount();
    const headers = { 'content-type': 'application/json' };
    for (const body of ['{"name":', '', 'null x']) {
      assertSeedError(await h().request('POST', '/v1/personas', { account, body, headers }), 400, /JSON/);
    }
  });

  test('400: an id of impossible shape', async () => {
    const account = await h().newAccount();
    assertSeedError(await h().request('GET', '/v1/personas/..%2F..%2Fetc', { account }), 400, /^id:/);
  });

  test('401: missing, unknown and malformed keys, on every route', async () => {
    const routes: [string, string][] = [
      ['POST', '/v1/personas'],
      ['GET', '/v1/personas'],
      ['GET', '/v1/personas/pabc'],
      ['PATCH', '/v1/personas/pabc'],
      ['DELETE', '/v1/personas/pabc'],
    ];
    for (const [method, path] of routes) {
      const variants: Record<string, string>[] = [
        {},
        { authorization: 'Bearer pk_nope' },
        { 'x-api-key': 'nope' },
        { authorization: 'Basic x' },
      ];
      for (const headers of variants) {
        const json = method === 'POST' || method === 'PATCH' ? { name: 'x' } : undefined;
        assertSeedError(await h().request(method, path, { headers, json }), 401, /API key/);
      }
    }
  });

  test('404: unknown persona and unknown route', async () => {
    const account = await h().newAccount();
    assertSeedError(await h().request('GET', '/v1/personas/pdoesnotexist', { account }), 404, /not found/);
    assertSeedError(await h().request('GET', '/v1/nothing-here', { account }), 404);
    assertSeedError(await h().request('GET', '/nothing-here'), 404);
  });

  test('405: known path, wrong method, with Allow', async () => {
    const r = await h().request('PUT', '/v1/personas');
    assertSeedError(r, 405);
    assert.equal(r.headers.get('allow'), 'POST, GET');
    assertSeedError(await h().request('POST', '/v1/personas/pabc'), 405);
  });

  test('413: body over 1 MiB', async () => {
    const account = await h().newAccount();
    const body = JSON.stringify({ name: 'big', attributes: { x: 'y'.repeat(1024 * 1024) } });
    const r = await h().request('POST', '/v1/personas', {
      account,
      body,
      headers: { 'content-type': 'application/json' },
    });
    assertSeedError(r, 413);
  });

  test('415: not JSON', async () => {
    const account = await h().newAccount();
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const r = await h().request('POST', '/v1/personas', {
        account,
        body: 'name=x',
        headers: { 'content-type': type },
      });
      assertSeedError(r, 415, /application\/json/);
    }
    assertSeedError(await h().request('POST', '/v1/personas', { account, body: '{"name":"x"}' }), 415);
    const p = await h().request('PATCH', '/v1/personas/pabc', {
      account,
      body: '{}',
      headers: { 'content-type': 'text/xml' },
    });
    assertSeedError(p, 415);
  });
});
