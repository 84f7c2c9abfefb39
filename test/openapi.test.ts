import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describeEachBackend } from './helpers/harness.ts';

describeEachBackend('OpenAPI document', (h) => {
  test('is valid OpenAPI 3.1 and lists every API route', async () => {
    const r = await h().request('GET', '/openapi.json');
    assert.equal(r.status, 200);
    assert.equal(r.body.openapi, '3.1.0');
    const result = await new Validator().validate(r.body);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(r.body.paths as Record<string, object>)) {
      for (const method of Object.keys(ops)) documented.add(`${method.toUpperCase()} ${path}`);
    }
    const served = h()
      .app.routes.filter((x) => x.method !== 'ALL' && /^\/v\d|^\/suno/.test(x.path))
      .map((x) => `${x.method} ${x.path.replace(/:([^/]+)/g, '{$1}')}`);
    assert.ok(served.length >= 5);
    for (const route of served) assert.ok(documented.has(route), `${route} is not in /openapi.json`);
  });

  test('GET /docs serves a self-contained reference page', async () => {
    const page = await h().request('GET', '/docs');
    assert.equal(page.status, 200);
    assert.match(page.text, /openapi\.json/);
    const js = await h().request('GET', '/docs/swagger-ui-bundle.js');
    assert.equal(js.status, 200);
    assert.ok(js.text.length > 100_000);
  });

  test('healthz and readyz', async () => {
    assert.deepEqual((await h().request('GET', '/healthz')).body, { status: 'ok' });
    assert.deepEqual((await h().request('GET', '/readyz')).body, { status: 'ready' });
  });
});
