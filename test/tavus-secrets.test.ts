import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createApp } from '../src/app.ts';
import { ConfigError, testConfig } from '../src/config.ts';
import { createKey } from '../src/core/api-keys.ts';
import type { Services } from '../src/core/context.ts';
import { REDACTED, revealLayers } from '../src/core/persona-secrets.ts';
import { getPersona } from '../src/core/personas.ts';
import { createSecretBox, parseEncryptionKey } from '../src/core/secrets.ts';
import { createLogger } from '../src/log.ts';
import { createServices } from '../src/services.ts';
import { TEST_ENCRYPTION_KEY } from './fixtures/tavus-seed.ts';
import { backends, describeUnlessSkipped } from './helpers/backends.ts';
import { type Account, describeEachBackend, type Harness } from './helpers/harness.ts';

const LLM_KEY = 'sk-live-llm-0123456789abcdef';
const TTS_KEY = 'tts-secret-fedcba9876543210';
const HEADER = 'Bearer hdr-secret-5555aaaa';

const withSecrets = {
  persona_name: 'Custom LLM',
  system_prompt: 'You are helpful.',
  layers: {
    llm: {
      model: 'gpt-4o',
      base_url: 'https://203.0.113.10/v1',
      api_key: LLM_KEY,
      headers: { Authorization: HEADER, 'X-Org': 'org-plain-1' },
    },
    tts: { tts_engine: 'elevenlabs', api_key: TTS_KEY, external_voice_id: 'v1' },
  },
};

const plaintexts = [LLM_KEY, TTS_KEY, HEADER, 'org-plain-1', 'hdr-secret', 'fedcba98', '0123456789abcdef'];

async function create(h: Harness, account: Account): Promise<string> {
  const c = await h.request('POST', '/v2/personas', { account, json: withSecrets });
  assert.equal(c.status, 200, c.text);
  return c.body.persona_id;
}

async function stored(h: Harness, id: string) {
  return h.services.db.kysely
    .selectFrom('personas')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

/** The secrets as the server itself would use them (decrypted from the store). */
async function revealed(h: Harness, id: string) {
  const row = await stored(h, id);
  return revealLayers(h.services.secrets, JSON.parse(row.layers), row.secrets);
}

describeEachBackend(
  '/v2 persona secrets',
  (h) => {
    test('encrypted at rest: no plaintext secret anywhere in the personas table', async () => {
      const account = await h().newAccount();
      await create(h(), account);
      const dump = JSON.stringify(await h().services.db.kysely.selectFrom('personas').selectAll().execute());
      for (const s of plaintexts) assert.ok(!dump.includes(s), `plaintext ${s} found in the table`);
    });

    test('redacted on every read, kept intact for the server', async () => {
      const account = await h().newAccount();
      const id = await create(h(), account);
      const p = (await h().request('GET', `/v2/personas/${id}`, { account })).body.data[0];
      assert.deepEqual(p.layers, {
        llm: {
          model: 'gpt-4o',
          base_url: 'https://203.0.113.10/v1',
          api_key: REDACTED,
          headers: { Authorization: REDACTED, 'X-Org': REDACTED },
        },
        tts: { tts_engine: 'elevenlabs', api_key: REDACTED, external_voice_id: 'v1' },
      });
      const listed = (await h().request('GET', '/v2/personas', { account })).body.data[0];
      assert.deepEqual(listed.layers, p.layers);
      const v1 = await h().request('GET', `/v1/personas/${id}`, { account });
      for (const s of plaintexts) assert.ok(!v1.text.includes(s));
      assert.deepEqual(await revealed(h(), id), withSecrets.layers);
    });

    test('a patch that does not touch secrets keeps them, byte for byte', async () => {
      const account = await h().newAccount();
      const id = await create(h(), account);
      const before = (await stored(h(), id)).secrets;
      const r = await h().request('PATCH', `/v2/personas/${id}`, {
        account,
        json: [
          { op: 'replace', path: '/layers/llm/model', value: 'gpt-4.1' },
          { op: 'add', path: '/layers/tts/tts_model_name', value: 'eleven_turbo_v2' },
        ],
      });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.layers.llm.api_key, REDACTED);
      assert.equal((await stored(h(), id)).secrets, before);
      assert.deepEqual((await revealed(h(), id)).tts, {
        ...withSecrets.layers.tts,
        tts_model_name: 'eleven_turbo_v2',
      });
    });

    test('sending the redacted layers back (read-modify-write) keeps the secrets', async () => {
      const account = await h().newAccount();
      const id = await create(h(), account);
      const p = (await h().request('GET', `/v2/personas/${id}`, { account })).body.data[0];
      const llm = { ...p.layers.llm, model: 'gpt-4.1' };
      const r = await h().request('PATCH', `/v2/personas/${id}`, {
        account,
        json: [{ op: 'replace', path: '/layers/llm', value: llm }],
      });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual((await revealed(h(), id)).llm, { ...withSecrets.layers.llm, model: 'gpt-4.1' });
    });

    test('a patch that sets, adds or removes a secret re-encrypts exactly that', async () => {
      const account = await h().newAccount();
      const id = await create(h(), account);
      const r = await h().request('PATCH', `/v2/personas/${id}`, {
        account,
        json: [
          { op: 'replace', path: '/layers/llm/api_key', value: 'sk-rotated-999' },
          { op: 'add', path: '/layers/llm/headers/X-Extra', value: 'extra-secret-777' },
          { op: 'remove', path: '/layers/tts/api_key' },
        ],
      });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.layers.llm.api_key, REDACTED);
      assert.equal(r.body.layers.llm.headers['X-Extra'], REDACTED);
      assert.equal('api_key' in r.body.layers.tts, false);
      const dump = JSON.stringify(await stored(h(), id));
      assert.ok(!dump.includes('sk-rotated-999') && !dump.includes('extra-secret-777'));
      const now = await revealed(h(), id);
      assert.equal(now.llm && (now.llm as Record<string, unknown>).api_key, 'sk-rotated-999');
      assert.deepEqual((now.llm as Record<string, unknown>).headers, {
        Authorization: HEADER,
        'X-Org': 'org-plain-1',
        'X-Extra': 'extra-secret-777',
      });
      assert.deepEqual(Object.keys(JSON.parse((await stored(h(), id)).secrets ?? '{}')).sort(), [
        '/llm/api_key',
        '/llm/headers/Authorization',
        '/llm/headers/X-Extra',
        '/llm/headers/X-Org',
      ]);
    });

    test('the redaction marker cannot become a secret', async () => {
      const account = await h().newAccount();
      const r = await h().request('POST', '/v2/personas', {
        account,
        json: { system_prompt: 'x', layers: { llm: { api_key: REDACTED } } },
      });
      assert.deepEqual(
        [r.status, r.body],
        [400, { error: 'layers.llm.api_key: is redacted; send the real value to set it' }],
      );
      const id = await create(h(), account);
      const p = await h().request('PATCH', `/v2/personas/${id}`, {
        account,
        json: [{ op: 'copy', from: '/layers/llm/api_key', path: '/layers/llm/headers/X-New' }],
      });
      assert.equal(p.status, 400);
      assert.match(p.body.error, /^layers\.llm\.headers\.X-New: is redacted/);
    });

    test('the server can read what it stored, through the core', async () => {
      const account = await h().newAccount();
      const id = await create(h(), account);
      const ctx = { ...h().services, keyId: 'test', accountId: account.accountId };
      const p = await getPersona(ctx, id);
      assert.deepEqual(revealLayers(h().services.secrets, p.layers, p.secrets), withSecrets.layers);
    });
  },
  { PERSONAKIT_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY },
);

describe('secret envelopes', () => {
  const box = createSecretBox(parseEncryptionKey(TEST_ENCRYPTION_KEY));
  test('open what was sealed; a fresh nonce every time', () => {
    const a = box.seal('secret', '/llm/api_key');
    assert.notEqual(a, box.seal('secret', '/llm/api_key'));
    assert.match(a, /^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.equal(box.open(a, '/llm/api_key'), 'secret');
  });

  test('an envelope does not open in another slot, under another key, or when altered', () => {
    const a = box.seal('secret', '/llm/api_key');
    assert.throws(() => box.open(a, '/tts/api_key'));
    const other = createSecretBox(Buffer.alloc(32, 9));
    assert.throws(() => other.open(a, '/llm/api_key'));
    const [v, n, c, t] = a.split('.');
    const flipped = `${v}.${n}.${c?.startsWith('A') ? 'B' : 'A'}${c?.slice(1)}.${t}`;
    assert.throws(() => box.open(flipped, '/llm/api_key'));
  });

  test('keys: 64 hex digits or base64 of 32 bytes', () => {
    assert.equal(parseEncryptionKey('ab'.repeat(32))?.length, 32);
    assert.equal(parseEncryptionKey(Buffer.alloc(32, 1).toString('base64'))?.length, 32);
    assert.equal(parseEncryptionKey(Buffer.alloc(32, 255).toString('base64url'))?.length, 32);
    for (const bad of ['', 'short', 'ab'.repeat(31), Buffer.alloc(16).toString('base64'), 'not base64!']) {
      assert.equal(parseEncryptionKey(bad), null, bad);
    }
  });
});

async function start(url: string, env: Record<string, string> = {}): Promise<Services> {
  const config = testConfig({ DATABASE_URL: url, ...env });
  return createServices(config, createLogger(config));
}

async function storeSecret(services: Services): Promise<void> {
  const { key } = await createKey(services.db, `acct-${Date.now()}`);
  const r = await createApp(services).request('/v2/personas', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify(withSecrets),
  });
  assert.equal(r.status, 200, await r.text());
}

describe('the encryption key on SQLite files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'personakit-key-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('created beside the database on first start (mode 0600), reused after', async () => {
    const url = `sqlite:${join(dir, 'store.db')}`;
    const first = await start(url);
    await storeSecret(first);
    await first.db.close();
    const keyFile = join(dir, 'store.key');
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    const second = await start(url);
    const row = await second.db.kysely
      .selectFrom('personas')
      .selectAll()
      .where('secrets', 'is not', null)
      .executeTakeFirstOrThrow();
    assert.deepEqual(revealLayers(second.secrets, JSON.parse(row.layers), row.secrets), withSecrets.layers);
    await second.db.close();
  });

  test('refuses to start with a key that does not open the stored secrets, or with none', async () => {
    const url = `sqlite:${join(dir, 'other.db')}`;
    const first = await start(url);
    await storeSecret(first);
    await first.db.close();
    await assert.rejects(start(url, { PERSONAKIT_ENCRYPTION_KEY: 'cd'.repeat(32) }), (err: Error) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /does not open the stored persona secrets/);
      return true;
    });
    rmSync(join(dir, 'other.key'));
    await assert.rejects(start(url), /key file .*other\.key is missing/);
    await assert.rejects(
      start(url, { PERSONAKIT_ENCRYPTION_KEY: 'too-short' }),
      /invalid PERSONAKIT_ENCRYPTION_KEY/,
    );
  });
});

const pg = backends.find((b) => b.backend.name === 'postgres');
describeUnlessSkipped('PostgreSQL without PERSONAKIT_ENCRYPTION_KEY', pg?.skip ?? false, () => {
  test('personas without secrets work; storing a secret is refused with 503; start refuses once secrets exist', async () => {
    if (!pg) return;
    const db = await pg.backend.fresh();
    const opened: Services[] = [];
    const open = async (env: Record<string, string> = {}) => {
      const s = await start(db.url, env);
      opened.push(s);
      return s;
    };
    try {
      const keyless = await open();
      const { key } = await createKey(keyless.db, 'keyless');
      const app = createApp(keyless);
      const post = (json: unknown) =>
        app.request('/v2/personas', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': key },
          body: JSON.stringify(json),
        });
      const plain = await post({ system_prompt: 'no secrets' });
      assert.equal(plain.status, 200, await plain.text());
      const refused = await post(withSecrets);
      assert.equal(refused.status, 503);
      assert.deepEqual(await refused.json(), {
        message:
          'Persona secrets cannot be stored: set PERSONAKIT_ENCRYPTION_KEY (32 bytes, base64 or hex) on this server',
      });

      const keyed = await open({ PERSONAKIT_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY });
      await storeSecret(keyed);
      await assert.rejects(open(), /persona secrets are stored but PERSONAKIT_ENCRYPTION_KEY is not set/);
    } finally {
      // Closed even when an assertion failed: an open pool would keep the test process alive.
      for (const s of opened) await s.db.close();
      await db.drop();
    }
  });
});
