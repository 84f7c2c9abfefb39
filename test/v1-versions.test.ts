import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TEST_ENCRYPTION_KEY } from './fixtures/tavus-seed.ts';
import { type Account, describeEachBackend, type Harness } from './helpers/harness.ts';
import { upload } from './helpers/knowledge.ts';
import { newClip, newPersona as newMusicPersona } from './helpers/suno.ts';

/** Issue 16, versions: one immutable version per change, on every surface, and the /v1 history API. */

async function keyIdOf(h: Harness, account: Account): Promise<string> {
  const row = await h.services.db.kysely
    .selectFrom('api_keys')
    .select('id')
    .where('account_id', '=', account.accountId)
    .executeTakeFirstOrThrow();
  return row.id;
}

async function create(h: Harness, account: Account, json: unknown = { name: 'V1', attributes: {} }) {
  const r = await h.request('POST', '/v1/personas', { account, json });
  assert.equal(r.status, 200, r.text);
  return r.body.id as string;
}

async function patch(h: Harness, account: Account, id: string, json: unknown) {
  const r = await h.request('PATCH', `/v1/personas/${id}`, { account, json });
  assert.equal(r.status, 200, r.text);
  return r.body;
}

/** Every version of a persona, newest first, following cursors. */
async function allVersions(h: Harness, account: Account, id: string, limit = 100) {
  const out: { version: number; key_id: string | null; restored_from: number | null }[] = [];
  let cursor: string | null = null;
  do {
    const q: string = cursor ? `&cursor=${cursor}` : '';
    const r = await h.request('GET', `/v1/personas/${id}/versions?limit=${limit}${q}`, { account });
    assert.equal(r.status, 200, r.text);
    out.push(...r.body.data);
    cursor = r.body.next_cursor;
  } while (cursor);
  return out;
}

async function version(h: Harness, account: Account, id: string, n: number) {
  const r = await h.request('GET', `/v1/personas/${id}/versions/${n}`, { account });
  assert.equal(r.status, 200, r.text);
  return r.body;
}

async function storedVersions(h: Harness, id: string): Promise<number[]> {
  const rows = await h.services.db.kysely
    .selectFrom('persona_versions')
    .select('version')
    .where('persona_id', '=', id)
    .orderBy('version')
    .execute();
  return rows.map((r) => Number(r.version));
}

const NOT_FOUND = (what: string) => ({ error: 404, message: `${what} not found` });

describeEachBackend(
  'persona versions',
  (h) => {
    test('/v1: create is version 1 and each PATCH the next, with time, key and every field', async () => {
      const account = await h().newAccount();
      const keyId = await keyIdOf(h(), account);
      const id = await create(h(), account, { name: 'First', attributes: { tone: 'warm' } });
      await patch(h(), account, id, { name: 'Second' });
      await patch(h(), account, id, { attributes: { tone: 'dry' }, description: 'd' });
      // A PATCH that changes nothing makes no version (and keeps the persona's version).
      assert.equal((await patch(h(), account, id, { name: 'Second' })).version, 3);
      const list = await allVersions(h(), account, id);
      assert.deepEqual(
        list.map((v) => [v.version, v.key_id, v.restored_from]),
        [
          [3, keyId, null],
          [2, keyId, null],
          [1, keyId, null],
        ],
      );
      const persona = (await h().request('GET', `/v1/personas/${id}`, { account })).body;
      const v1 = await version(h(), account, id, 1);
      const v3 = await version(h(), account, id, 3);
      assert.equal(v1.persona.name, 'First');
      assert.deepEqual(v1.persona.attributes, { tone: 'warm' });
      assert.equal(v3.persona.name, 'Second');
      assert.deepEqual(v3.persona.attributes, { tone: 'dry' });
      assert.equal(v3.persona.description, 'd');
      // The latest version is the persona: same number, same time.
      assert.equal(persona.version, 3);
      assert.equal(v3.created_at, persona.updated_at);
      assert.equal(v1.created_at, persona.created_at);
      assert.deepEqual(Object.keys(v3).sort(), [
        'created_at',
        'key_id',
        'persona',
        'persona_id',
        'restored_from',
        'version',
      ]);
    });

    test('/v2: create and JSON Patch make versions; secrets stay sealed and are never shown', async () => {
      const account = await h().newAccount();
      const c = await h().request('POST', '/v2/personas', {
        account,
        json: {
          persona_name: 'Tavus',
          system_prompt: 'Be brief.',
          layers: {
            llm: { model: 'm', base_url: 'https://203.0.113.10/v1', api_key: 'sk-secret-v1-abcdef' },
          },
        },
      });
      assert.equal(c.status, 200, c.text);
      const id = c.body.persona_id;
      const p = await h().request('PATCH', `/v2/personas/${id}`, {
        account,
        json: [
          { op: 'replace', path: '/system_prompt', value: 'Be thorough.' },
          { op: 'replace', path: '/layers/llm/api_key', value: 'sk-secret-v2-fedcba' },
        ],
      });
      assert.equal(p.status, 200, p.text);
      assert.deepEqual(
        (await allVersions(h(), account, id)).map((v) => v.version),
        [2, 1],
      );
      const v1 = await version(h(), account, id, 1);
      const v2 = await version(h(), account, id, 2);
      assert.equal(v1.persona.system_prompt, 'Be brief.');
      assert.equal(v2.persona.system_prompt, 'Be thorough.');
      for (const v of [v1, v2]) {
        const text = JSON.stringify(v);
        assert.ok(!text.includes('sk-secret'), text);
        assert.equal(v.persona.secrets, undefined);
      }
      const rows = await h()
        .services.db.kysely.selectFrom('persona_versions')
        .select('fields')
        .where('persona_id', '=', id)
        .execute();
      for (const r of rows) assert.ok(!r.fields.includes('sk-secret'), 'sealed in the stored version');
      // Restoring version 1 brings its (sealed) key back: the /v2 read shows the latest, redacted.
      const restored = await h().request('POST', `/v1/personas/${id}/versions/1/restore`, { account });
      assert.equal(restored.status, 200, restored.text);
      const tavus = (await h().request('GET', `/v2/personas/${id}`, { account })).body.data[0];
      assert.equal(tavus.system_prompt, 'Be brief.');
      const row = await h()
        .services.db.kysely.selectFrom('personas')
        .select('secrets')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      const first = rows.map((r) => JSON.parse(r.fields).secrets);
      assert.ok(first.includes(row.secrets), 'the restored persona holds version 1’s sealed secrets');
    });

    test('/suno: a music persona has version 1; deleting it deletes its versions', async () => {
      const account = await h().newAccount();
      const clip = await newClip(h(), account);
      const music = await newMusicPersona(h(), account, clip.id, { name: 'Neon' });
      const list = await allVersions(h(), account, music.id);
      assert.deepEqual(
        list.map((v) => [v.version, v.key_id]),
        [[1, await keyIdOf(h(), account)]],
      );
      assert.equal((await version(h(), account, music.id, 1)).persona.name, 'Neon');
      // Suno reads the latest, unchanged by versioning.
      const read = await h().request('GET', `/suno/persona/${music.id}/`, { account });
      assert.equal(read.body.name, 'Neon');
      assert.equal((await h().request('DELETE', `/suno/persona/${music.id}/`, { account })).status, 204);
      assert.deepEqual(await storedVersions(h(), music.id), []);
    });

    test('deleting a persona (/v1 or /v2) deletes its versions; its history is then 404', async () => {
      const account = await h().newAccount();
      for (const path of ['/v1/personas', '/v2/personas']) {
        const id = await create(h(), account);
        await patch(h(), account, id, { name: 'Changed' });
        assert.deepEqual(await storedVersions(h(), id), [1, 2]);
        const del = await h().request('DELETE', `${path}/${id}`, { account });
        assert.ok(del.status === 204 || del.status === 200, del.text);
        assert.deepEqual(await storedVersions(h(), id), []);
        const r = await h().request('GET', `/v1/personas/${id}/versions/1`, { account });
        assert.deepEqual([r.status, r.body], [404, NOT_FOUND('Persona')]);
      }
    });

    test('deleting a document makes a version of each persona that named it, with the deleting key', async () => {
      const account = await h().newAccount();
      const keyId = await keyIdOf(h(), account);
      const doc = async (name: string) => {
        const r = await upload(h(), account, {
          name: `${name}.txt`,
          type: 'text/plain',
          text: `About ${name}.`,
        });
        assert.equal(r.status, 200, r.text);
        return r.body.document_id as string;
      };
      const [d1, d2, d3] = [await doc('one'), await doc('two'), await doc('three')];
      const persona = async (document_ids: string[]) => {
        const r = await h().request('POST', '/v2/personas', {
          account,
          json: { persona_name: 'kb', system_prompt: 'x', document_ids },
        });
        assert.equal(r.status, 200, r.text);
        return r.body.persona_id as string;
      };
      const both = await persona([d1, d2, d3]);
      const onlyOne = await persona([d1]);
      const other = await persona([d3]);

      // Two deletions at once on a persona naming both: each is a version, none lost.
      const dels = await Promise.all(
        [d1, d2].map((d) => h().request('DELETE', `/v2/documents/${d}`, { account })),
      );
      assert.deepEqual(
        dels.map((d) => d.status),
        [204, 204],
      );

      assert.deepEqual(await storedVersions(h(), both), [1, 2, 3]);
      assert.deepEqual((await version(h(), account, both, 3)).persona.document_ids, [d3]);
      const middle = (await version(h(), account, both, 2)).persona.document_ids;
      assert.ok(
        JSON.stringify(middle) === JSON.stringify([d2, d3]) ||
          JSON.stringify(middle) === JSON.stringify([d1, d3]),
        JSON.stringify(middle),
      );
      assert.deepEqual(
        (await allVersions(h(), account, both)).map((v) => [v.version, v.key_id]),
        [
          [3, keyId],
          [2, keyId],
          [1, keyId],
        ],
      );
      assert.deepEqual(await storedVersions(h(), onlyOne), [1, 2]);
      assert.deepEqual((await version(h(), account, onlyOne, 2)).persona.document_ids, []);
      assert.deepEqual((await version(h(), account, onlyOne, 1)).persona.document_ids, [d1]);
      // The persona reads as its latest version (the cache was invalidated).
      const read = await h().request('GET', `/v2/personas/${onlyOne}`, { account });
      assert.deepEqual(read.body.data[0].document_ids, []);
      assert.equal((await h().request('GET', `/v1/personas/${onlyOne}`, { account })).body.version, 2);
      // A persona that did not name them is untouched.
      assert.deepEqual(await storedVersions(h(), other), [1]);
    });

    test('20 concurrent PATCHes: 21 versions, numbers strictly increasing, none lost', async () => {
      const account = await h().newAccount();
      const id = await create(h(), account, { name: 'start', attributes: {} });
      const replies = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          h().request('PATCH', `/v1/personas/${id}`, { account, json: { name: `edit ${i}` } }),
        ),
      );
      assert.deepEqual(new Set(replies.map((r) => r.status)), new Set([200]));
      // Each PATCH answered its own version number.
      assert.deepEqual(
        replies.map((r) => r.body.version).sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, i) => i + 2),
      );
      const list = await allVersions(h(), account, id, 7);
      assert.deepEqual(
        list.map((v) => v.version),
        Array.from({ length: 21 }, (_, i) => 21 - i),
      );
      // Every edit is some version, exactly once; each version holds what its PATCH answered.
      const names = new Map<number, string>();
      for (let n = 1; n <= 21; n++) names.set(n, (await version(h(), account, id, n)).persona.name);
      assert.equal(names.get(1), 'start');
      for (const r of replies) assert.equal(names.get(r.body.version), r.body.name);
      assert.equal(new Set(names.values()).size, 21);
    });

    test('list: newest first, paginated by cursor; a forged cursor is a 400 in the /v1 error shape', async () => {
      const account = await h().newAccount();
      const id = await create(h(), account);
      for (let i = 0; i < 4; i++) await patch(h(), account, id, { name: `n${i}` });
      const pages: number[][] = [];
      let cursor: string | null = null;
      do {
        const q: string = cursor ? `&cursor=${cursor}` : '';
        const r = await h().request('GET', `/v1/personas/${id}/versions?limit=2${q}`, { account });
        assert.equal(r.status, 200, r.text);
        pages.push(r.body.data.map((v: { version: number }) => v.version));
        cursor = r.body.next_cursor;
      } while (cursor);
      assert.deepEqual(pages, [[5, 4], [3, 2], [1]]);
      for (const bad of ['nope', Buffer.from('["v",0]').toString('base64url'), 'x'.repeat(600)]) {
        const r = await h().request('GET', `/v1/personas/${id}/versions?cursor=${bad}`, { account });
        assert.equal(r.status, 400, bad);
        assert.equal(r.body.error, 400);
        assert.match(r.body.message, /cursor/);
      }
      const over = await h().request('GET', `/v1/personas/${id}/versions?limit=101`, { account });
      assert.equal(over.status, 400);
    });

    test('get: unknown, zero and malformed version numbers', async () => {
      const account = await h().newAccount();
      const id = await create(h(), account);
      for (const n of ['2', '99999999']) {
        const r = await h().request('GET', `/v1/personas/${id}/versions/${n}`, { account });
        assert.deepEqual([r.status, r.body], [404, NOT_FOUND('Persona version')], n);
      }
      for (const n of ['0', '-1', '1.5', 'abc', '1e400']) {
        const r = await h().request('GET', `/v1/personas/${id}/versions/${n}`, { account });
        assert.equal(r.status, 400, n);
        assert.equal(r.body.error, 400);
        assert.match(r.body.message, /version/);
      }
    });

    test('diff: a JSON Patch between two versions, either direction; it applies', async () => {
      const account = await h().newAccount();
      const id = await create(h(), account, { name: 'A', attributes: { tone: 'warm', emoji: 'none' } });
      await patch(h(), account, id, { name: 'B', attributes: { tone: 'warm', formality: 'formal' } });
      await patch(h(), account, id, { description: 'third' });
      const d = await h().request('GET', `/v1/personas/${id}/versions/2/diff`, { account });
      assert.equal(d.status, 200, d.text);
      assert.equal(d.body.from, 1);
      assert.equal(d.body.to, 2);
      const sorted = (ops: { path: string }[]) => [...ops].sort((a, b) => a.path.localeCompare(b.path));
      assert.deepEqual(sorted(d.body.patch), [
        { op: 'remove', path: '/attributes/emoji' },
        { op: 'add', path: '/attributes/formality', value: 'formal' },
        { op: 'replace', path: '/name', value: 'B' },
      ]);
      const back = await h().request('GET', `/v1/personas/${id}/versions/1/diff?from=3`, { account });
      assert.equal(back.status, 200, back.text);
      const jsonpatch = (await import('fast-json-patch')).default;
      const v1 = (await version(h(), account, id, 1)).persona;
      const v3 = (await version(h(), account, id, 3)).persona;
      assert.deepEqual(jsonpatch.applyPatch(structuredClone(v3), back.body.patch).newDocument, v1);
      const same = await h().request('GET', `/v1/personas/${id}/versions/2/diff?from=2`, { account });
      assert.deepEqual(same.body.patch, []);
      // Version 1 diffs from nothing: the patch that builds it.
      const first = await h().request('GET', `/v1/personas/${id}/versions/1/diff`, { account });
      assert.equal(first.status, 200, first.text);
      assert.equal(first.body.from, 0);
      assert.deepEqual(jsonpatch.applyPatch({}, first.body.patch).newDocument, v1);
      const negative = await h().request('GET', `/v1/personas/${id}/versions/2/diff?from=-1`, { account });
      assert.equal(negative.status, 400);
      assert.match(negative.body.message, /^from: /);
      const missing = await h().request('GET', `/v1/personas/${id}/versions/2/diff?from=9`, { account });
      assert.deepEqual([missing.status, missing.body], [404, NOT_FOUND('Persona version')]);
    });

    test('restore: a new version equal to n, marked restored_from, seen by every surface', async () => {
      const account = await h().newAccount();
      const keyId = await keyIdOf(h(), account);
      const id = await create(h(), account, { name: 'Original', attributes: { tone: 'warm' } });
      await patch(h(), account, id, { name: 'Edited', attributes: { tone: 'cold' } });
      const r = await h().request('POST', `/v1/personas/${id}/versions/1/restore`, { account });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.version, 3);
      assert.equal(r.body.restored_from, 1);
      assert.equal(r.body.key_id, keyId);
      assert.deepEqual(r.body.persona, (await version(h(), account, id, 1)).persona);
      assert.deepEqual(await version(h(), account, id, 3), r.body);
      const v1 = await h().request('GET', `/v1/personas/${id}`, { account });
      assert.deepEqual(
        [v1.body.name, v1.body.attributes, v1.body.version],
        ['Original', { tone: 'warm' }, 3],
      );
      const v2 = await h().request('GET', `/v2/personas/${id}`, { account });
      assert.equal(v2.body.data[0].persona_name, 'Original');
      // Restoring the state it is already in still records the restore.
      const again = await h().request('POST', `/v1/personas/${id}/versions/3/restore`, { account });
      assert.deepEqual([again.body.version, again.body.restored_from], [4, 3]);
      const missing = await h().request('POST', `/v1/personas/${id}/versions/9/restore`, { account });
      assert.deepEqual([missing.status, missing.body], [404, NOT_FOUND('Persona version')]);
    });

    test("isolation: another account's persona and versions are 404 on every route", async () => {
      const owner = await h().newAccount();
      const other = await h().newAccount();
      const id = await create(h(), owner);
      await patch(h(), owner, id, { name: 'two' });
      const routes: [string, string][] = [
        ['GET', `/v1/personas/${id}/versions`],
        ['GET', `/v1/personas/${id}/versions/1`],
        ['GET', `/v1/personas/${id}/versions/2`],
        ['GET', `/v1/personas/${id}/versions/2/diff?from=1`],
        ['POST', `/v1/personas/${id}/versions/1/restore`],
      ];
      for (const [method, path] of routes) {
        const r = await h().request(method, path, { account: other });
        assert.deepEqual([r.status, r.body], [404, NOT_FOUND('Persona')], `${method} ${path}`);
        const missing = await h().request(method, path.replace(id, 'pdoesnotexist000000000000'), {
          account: owner,
        });
        assert.deepEqual([missing.status, missing.body], [404, NOT_FOUND('Persona')], `${method} ${path}`);
      }
      const unauth = await h().request('GET', `/v1/personas/${id}/versions`);
      assert.equal(unauth.status, 401);
      // The other account's restore attempt changed nothing.
      assert.deepEqual(await storedVersions(h(), id), [1, 2]);
    });

    test('system personas: their history is readable by all and recorded on first read; restore is 403', async () => {
      const account = await h().newAccount();
      const list = await allVersions(h(), account, 'psys_technical_writer');
      assert.equal(list.length, 1);
      assert.equal(list[0]?.key_id, null);
      const v = await version(h(), account, 'psys_technical_writer', list[0]?.version ?? 0);
      assert.equal(v.persona.name, 'Concise Technical Writer');
      const r = await h().request(
        'POST',
        `/v1/personas/psys_technical_writer/versions/${v.version}/restore`,
        {
          account,
        },
      );
      assert.equal(r.status, 403);
    });

    test('a state that was never recorded (made before versions, or by another path) is kept', async () => {
      const account = await h().newAccount();
      const id = await create(h(), account, { name: 'one' });
      // As a persona created before migration 0012 (or changed by a path that records no version).
      await h()
        .services.db.kysely.updateTable('personas')
        .set({ name: 'two', version: 2 })
        .where('id', '=', id)
        .execute();
      await h().services.db.kysely.deleteFrom('persona_versions').where('persona_id', '=', id).execute();
      h().services.personas.invalidate(id);
      await patch(h(), account, id, { name: 'three' });
      const list = await allVersions(h(), account, id);
      assert.deepEqual(
        list.map((v) => [v.version, v.key_id === null]),
        [
          [3, false],
          [2, true],
        ],
      );
      assert.equal((await version(h(), account, id, 2)).persona.name, 'two');
    });
  },
  { PERSONAKIT_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY },
);
