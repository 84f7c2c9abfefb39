import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createKey } from '../src/core/api-keys.ts';
import { anyKeyOperations, operationScopes } from '../src/http/scopes.ts';
import { describeEachBackend, listen } from './helpers/harness.ts';
import { checkScopesOnEveryRoute, concretePath, operationsOf, sendThrough } from './helpers/scope-walk.ts';

describeEachBackend('scopes on every route', (h) => {
  test('every operation of /openapi.json has a scope in src/http/scopes.ts', async () => {
    const doc = (await h().request('GET', '/openapi.json')).body;
    const missing = operationsOf(doc).filter(
      (op) => !(op.operationId in operationScopes) && !anyKeyOperations.has(op.operationId),
    );
    assert.deepEqual(
      missing.map((op) => `${op.operationId} (${op.method} ${op.path})`),
      [],
      'add these operationIds to operationScopes in src/http/scopes.ts',
    );
  });

  test('in process (Hono): a key without the scope gets 403 in the surface shape; with it, it passes', async () => {
    const doc = (await h().request('GET', '/openapi.json')).body;
    const n = await checkScopesOnEveryRoute(
      h(),
      doc,
      sendThrough((path, init) => Promise.resolve(h().app.request(path, init))),
    );
    assert.ok(n >= 40, `only ${n} operations checked`);
  });

  test('over a socket (the native fast path serves the hottest routes): the same', async () => {
    const server = await listen(h());
    try {
      const doc = (await h().request('GET', '/openapi.json')).body;
      await checkScopesOnEveryRoute(
        h(),
        doc,
        sendThrough((path, init) => fetch(`${server.url}${path}`, init)),
      );
    } finally {
      await server.close();
    }
  });

  test('keys made before scopes existed (scopes null) keep full access', async () => {
    const legacy = await createKey(h().services.db, `legacy-${Date.now()}`);
    const doc = (await h().request('GET', '/openapi.json')).body;
    const send = sendThrough((path, init) => Promise.resolve(h().app.request(path, init)));
    for (const op of operationsOf(doc)) {
      const r = await send(op.method, op.path, legacy.key);
      const want = operationScopes[op.operationId] === 'accounts' ? 403 : undefined;
      if (want) assert.equal(r.status, 403, `${op.operationId}: accounts stay the operator's`);
      else
        assert.ok(
          r.status !== 403 && r.status !== 401,
          `${op.operationId} ${concretePath(op.path)}: ${r.status} ${r.text}`,
        );
    }
  });
});
