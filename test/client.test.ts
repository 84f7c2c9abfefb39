import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { openApiDocument, SCHEMA_FILE, schemaSource } from '../scripts/generate-client.ts';
import { type PersonakitClient, personakitClient } from '../src/client/index.ts';
import { backends } from './helpers/backends.ts';
import { type Account, createHarness, listen } from './helpers/harness.ts';

/**
 * The typed client (`personakit/client`): its types are generated from the server's own OpenAPI
 * document, so the committed schema must match the routes as they are; and its calls work against a
 * live server, through every surface's error shape.
 */

describe('the generated schema', () => {
  test('matches the routes: regenerate with `npm run build` when this fails', async () => {
    assert.equal(readFileSync(SCHEMA_FILE, 'utf8'), await schemaSource());
  });

  test('covers every operation of /openapi.json', async () => {
    const doc = (await openApiDocument()) as {
      paths: Record<string, Record<string, { operationId?: string }>>;
    };
    const schema = readFileSync(SCHEMA_FILE, 'utf8');
    for (const [path, item] of Object.entries(doc.paths)) {
      assert.ok(schema.includes(`"${path}": {`), `${path} is missing from the client`);
      for (const op of Object.values(item)) {
        if (op.operationId) assert.ok(schema.includes(`${op.operationId}: {`), op.operationId);
      }
    }
  });
});

const sqlite = backends.find((b) => b.backend.name === 'sqlite');

describe('the client against a live server', () => {
  let close: () => Promise<void>;
  let pk: PersonakitClient;
  let url: string;
  let account: Account;

  before(async () => {
    assert.ok(sqlite);
    const h = await createHarness(sqlite.backend);
    const server = await listen(h);
    url = server.url;
    account = await h.newAccount();
    pk = personakitClient({ baseUrl: `${url}/`, apiKey: account.key });
    close = async () => {
      await server.close();
      await h.close();
    };
  });
  after(() => close());

  test('/v1: create, read, update, list and refine a persona, typed end to end', async () => {
    const created = await pk.POST('/v1/personas', {
      body: { name: 'Typed Ada', attributes: { emoji: 'none', exclamations: 'none' } },
    });
    assert.equal(created.response.status, 200);
    const id = created.data?.id;
    assert.ok(id);
    const got = await pk.GET('/v1/personas/{id}', { params: { path: { id } } });
    assert.equal(got.data?.name, 'Typed Ada');
    const patched = await pk.PATCH('/v1/personas/{id}', {
      params: { path: { id } },
      body: { name: 'Typed Ada II' },
    });
    assert.equal(patched.data?.name, 'Typed Ada II');
    const listed = await pk.GET('/v1/personas', { params: { query: { limit: 10 } } });
    assert.ok(listed.data?.data.some((p) => p.id === id));
    const refined = await pk.POST('/v1/refine', {
      body: { provider: 'local', personaId: id, content: 'Shipped today! 🎉' },
    });
    // The route answers JSON or, with stream: true, SSE: the type says both; this call asked for JSON.
    assert.ok(refined.data && typeof refined.data === 'object');
    assert.equal(refined.data.response, 'Shipped today.');
    assert.ok(refined.data.checks.every((c) => c.passed !== false));
  });

  test('/v2: a Tavus persona, and the Tavus error shape on a miss', async () => {
    const created = await pk.POST('/v2/personas', {
      body: { persona_name: 'Typed Tavus', system_prompt: 'You are terse.' },
    });
    assert.equal(created.response.status, 200);
    const id = created.data?.persona_id;
    assert.ok(id);
    // Tavus answers a single persona inside `data`, as a one-element list.
    const got = await pk.GET('/v2/personas/{persona_id}', { params: { path: { persona_id: id } } });
    assert.equal(got.data?.data[0]?.persona_name, 'Typed Tavus');
    const missing = await pk.GET('/v2/personas/{persona_id}', {
      params: { path: { persona_id: 'pnothere1234' } },
    });
    assert.equal(missing.response.status, 404);
    assert.ok(missing.error);
    assert.equal(missing.data, undefined);
  });

  test('errors come back as data, never as a throw, in the surface shape', async () => {
    const bad = await pk.POST('/v1/personas', { body: { name: '', attributes: {} } });
    assert.equal(bad.response.status, 400);
    assert.equal((bad.error as { error?: number } | undefined)?.error, 400);
    const anonymous = personakitClient({ baseUrl: url });
    const refused = await anonymous.GET('/v1/personas', {});
    assert.equal(refused.response.status, 401);
  });

  test('the bundled client (dist/client.mjs, the package export) works the same', async () => {
    const bundled = (await import('../dist/client.mjs' as string)) as {
      personakitClient: typeof personakitClient;
    };
    const client = bundled.personakitClient({ baseUrl: url, apiKey: account.key });
    const listed = await client.GET('/v1/personas', { params: { query: { limit: 1 } } });
    assert.equal(listed.response.status, 200);
  });
});
