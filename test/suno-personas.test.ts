import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachBackend } from './helpers/harness.ts';
import { MISSING_PERSONA, newClip, newPersona, seedClipBody, seedResponse, shapeOf } from './helpers/suno.ts';

describeEachBackend('/suno personas', (h) => {
  test("the seed's example request answers the seed's response, field for field", async () => {
    const account = await h().newAccount();
    const reg = await h().request('POST', '/suno/clips', { account, json: seedClipBody() });
    assert.equal(reg.status, 200, reg.text);
    // The seed's curl body, verbatim.
    const r = await h().request('POST', '/suno/persona/create/', {
      account,
      json: {
        root_clip_id: '54834687-5e79-4f08-8e14-cf188f15b598',
        name: 'Persona title',
        description: 'Persona Description',
        clips: ['54834687-5e79-4f08-8e14-cf188f15b598'],
        is_public: true,
      },
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(shapeOf(r.body), shapeOf(seedResponse));
    assert.match(r.body.id, /^p[a-z0-9]{24}$/);
    assert.equal(r.body.name, 'Persona title');
    assert.equal(r.body.description, 'Persona Description');
    assert.equal(r.body.root_clip_id, seedResponse.root_clip_id);
    // Everything but the owner's profile is the seed's clip.
    const owner = ['user_id', 'display_name', 'handle', 'avatar_image_url'];
    const withoutOwner = (c: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(c).filter(([k]) => !owner.includes(k)));
    assert.deepEqual(withoutOwner(r.body.clip), withoutOwner(seedResponse.clip));
    assert.equal(r.body.clip.user_id, account.accountId);
    assert.equal(r.body.user_display_name, r.body.clip.display_name);
    assert.equal(r.body.user_handle, r.body.clip.handle);
    assert.match(r.body.user_handle, /^[a-z0-9_]+$/);
    assert.deepEqual(r.body.persona_clips, [{ clip: r.body.clip, id: 1 }]);
    // The id works as persona_id: the persona is readable at once.
    const got = await h().request('GET', `/suno/persona/${r.body.id}/`, { account });
    assert.equal(got.status, 200);
    assert.equal(got.body.is_public, true);
  });

  test('served with and without the trailing slash', async () => {
    const account = await h().newAccount();
    const clip = await newClip(h(), account);
    const r = await h().request('POST', '/suno/persona/create', {
      account,
      json: { root_clip_id: clip.id, name: 'N', description: '', clips: [], is_public: false },
    });
    assert.equal(r.status, 200, r.text);
    for (const path of [`/suno/persona/${r.body.id}`, `/suno/persona/${r.body.id}/`]) {
      assert.equal((await h().request('GET', path, { account })).body.id, r.body.id);
    }
    assert.equal((await h().request('DELETE', `/suno/persona/${r.body.id}`, { account })).status, 204);
    assert.equal((await h().request('GET', `/suno/persona/${r.body.id}/`, { account })).status, 404);
  });

  test('root_clip_id is added first when absent; duplicates count once; ids are positions', async () => {
    const account = await h().newAccount();
    const a = await newClip(h(), account);
    const b = await newClip(h(), account);
    const p = await newPersona(h(), account, a.id, { clips: [b.id, b.id] });
    assert.deepEqual(
      p.persona_clips.map((pc: { clip: { id: string }; id: number }) => [pc.id, pc.clip.id]),
      [
        [1, a.id],
        [2, b.id],
      ],
    );
  });

  test("the persona's style is its clips' tags by frequency, shown on /v1", async () => {
    const account = await h().newAccount();
    const a = await newClip(h(), account, { metadata: { tags: 'pop, synthwave' } });
    const b = await newClip(h(), account, { metadata: { tags: 'synthwave,  dark' } });
    const c = await newClip(h(), account, { metadata: { tags: 'Synthwave, pop, lo-fi, dark' } });
    const p = await newPersona(h(), account, a.id, {
      name: 'Neon',
      description: 'Night music',
      clips: [a.id, b.id, c.id],
    });
    const v1 = await h().request('GET', `/v1/personas/${p.id}`, { account });
    assert.equal(v1.status, 200);
    assert.equal(v1.body.name, 'Neon');
    assert.equal(v1.body.description, 'Night music');
    // synthwave 3, then pop and dark 2 each in order of first appearance, then lo-fi.
    assert.deepEqual(v1.body.attributes, { music_style: 'synthwave, pop, dark, lo-fi' });
  });

  for (const [title, kind, expected] of [
    ['a missing clip', 'missing', 404],
    ["another account's clip", 'foreign', 404],
    ['an upload', 'upload', 400],
    ['a trashed clip', 'trashed', 400],
  ] as const) {
    for (const where of ['root_clip_id', 'clips'] as const) {
      test(`${title} as ${where} is refused and nothing is written`, async () => {
        const account = await h().newAccount();
        const good = await newClip(h(), account);
        let bad: string;
        if (kind === 'missing') bad = '0f3c2b8e-1d4a-4c55-9b7e-2a6f1e9d8c41';
        else if (kind === 'foreign') bad = (await newClip(h(), await h().newAccount())).id;
        else if (kind === 'upload') bad = (await newClip(h(), account, {}, 'upload')).id;
        else {
          bad = (await newClip(h(), account)).id;
          assert.equal((await h().request('DELETE', `/suno/clips/${bad}`, { account })).status, 200);
        }
        const json =
          where === 'root_clip_id'
            ? { root_clip_id: bad, name: 'X', description: '', clips: [good.id], is_public: false }
            : { root_clip_id: good.id, name: 'X', description: '', clips: [good.id, bad], is_public: false };
        const r = await h().request('POST', '/suno/persona/create/', { account, json });
        assert.equal(r.status, expected, r.text);
        assert.equal(r.body.code, expected);
        assert.equal(r.body.field, where === 'root_clip_id' ? 'root_clip_id' : 'clips.1');
        assert.ok(r.body.msg.includes(bad));
        const list = await h().request('GET', '/suno/personas', { account });
        assert.equal(list.body.total_results, 0);
        assert.deepEqual((await h().request('GET', '/v1/personas', { account })).body.data, []);
      });
    }
  }

  test("another account's clip is refused exactly like a missing one", async () => {
    const owner = await h().newAccount();
    const clip = await newClip(h(), owner);
    const bodyFor = async () => {
      const caller = await h().newAccount();
      const own = await newClip(h(), caller);
      const clipIds = [own.id, clip.id];
      return (
        await h().request('POST', '/suno/persona/create/', {
          account: caller,
          json: { root_clip_id: own.id, name: 'X', description: '', clips: clipIds, is_public: true },
        })
      ).body;
    };
    const foreign = await bodyFor();
    // Once the clip id is unknown in the owner's account too, the answer must not change.
    await h().services.db.kysely.deleteFrom('clips').where('id', '=', clip.id).execute();
    assert.deepEqual(foreign, await bodyFor());
  });

  const valid = {
    root_clip_id: '54834687-5e79-4f08-8e14-cf188f15b598',
    name: 'N',
    description: 'D',
    clips: [],
    is_public: true,
  };
  const wrong: Record<keyof typeof valid, unknown> = {
    root_clip_id: 42,
    name: ['N'],
    description: null,
    clips: '54834687-5e79-4f08-8e14-cf188f15b598',
    is_public: 'true',
  };
  for (const field of Object.keys(valid) as (keyof typeof valid)[]) {
    test(`${field}: missing or of the wrong type is a 400 naming it`, async () => {
      const account = await h().newAccount();
      const { [field]: _, ...missing } = valid;
      for (const json of [missing, { ...valid, [field]: wrong[field] }]) {
        const r = await h().request('POST', '/suno/persona/create/', { account, json });
        assert.equal(r.status, 400, JSON.stringify(json));
        assert.equal(r.body.field, field);
        assert.equal(r.body.error, 'invalid');
        assert.ok(r.body.msg.startsWith(`${field}:`), r.body.msg);
      }
    });
  }

  test('list is newest first, paginated by page and limit, own personas only', async () => {
    const account = await h().newAccount();
    const other = await h().newAccount();
    const clip = await newClip(h(), account);
    // Distinct creation times, so "newest first" does not depend on the machine's speed.
    const services = h().services;
    const realNow = services.now;
    let t = Date.parse('2030-01-01T00:00:00.000Z');
    services.now = () => {
      t += 1000;
      return new Date(t);
    };
    try {
      for (const name of ['one', 'two', 'three']) await newPersona(h(), account, clip.id, { name });
    } finally {
      services.now = realNow;
    }
    await newPersona(h(), other, (await newClip(h(), other)).id, { is_public: true });
    // A /v1 persona has no clips: not a music persona.
    await h().request('POST', '/v1/personas', { account, json: { name: 'text only' } });
    const p1 = await h().request('GET', '/suno/personas?limit=2', { account });
    assert.equal(p1.status, 200);
    assert.deepEqual(
      p1.body.personas.map((p: { name: string }) => p.name),
      ['three', 'two'],
    );
    assert.deepEqual([p1.body.total_results, p1.body.current_page, p1.body.limit], [3, 1, 2]);
    assert.equal(p1.body.personas[0].persona_clips[0].clip.id, clip.id);
    const p2 = await h().request('GET', '/suno/personas?limit=2&page=2', { account });
    assert.deepEqual(
      p2.body.personas.map((p: { name: string }) => p.name),
      ['one'],
    );
    const bad = await h().request('GET', '/suno/personas?page=0', { account });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.field, 'page');
  });

  test('delete removes the persona everywhere and keeps its clips', async () => {
    const account = await h().newAccount();
    const clip = await newClip(h(), account);
    const p = await newPersona(h(), account, clip.id);
    assert.equal((await h().request('DELETE', `/suno/persona/${p.id}/`, { account })).status, 204);
    assert.equal((await h().request('GET', `/suno/persona/${p.id}/`, { account })).status, 404);
    assert.equal((await h().request('GET', `/v1/personas/${p.id}`, { account })).status, 404);
    assert.equal((await h().request('DELETE', `/suno/persona/${p.id}/`, { account })).status, 404);
    const feed = await h().request('GET', `/suno/feed/${clip.id}`, { account });
    assert.equal(feed.body.length, 1);
  });

  test('deleting through /v1 removes the Suno side too', async () => {
    const account = await h().newAccount();
    const clip = await newClip(h(), account);
    const p = await newPersona(h(), account, clip.id);
    assert.equal((await h().request('DELETE', `/v1/personas/${p.id}`, { account })).status, 204);
    const left = await h()
      .services.db.kysely.selectFrom('persona_clips')
      .select('clip_id')
      .where('persona_id', '=', p.id)
      .execute();
    assert.deepEqual(left, []);
    assert.equal((await h().request('GET', '/suno/personas', { account })).body.total_results, 0);
  });

  test('a /v1 persona is not a music persona', async () => {
    const account = await h().newAccount();
    const v1 = await h().request('POST', '/v1/personas', { account, json: { name: 'text only' } });
    const r = await h().request('GET', `/suno/persona/${v1.body.id}/`, { account });
    assert.equal(r.status, 404);
    assert.match(r.body.msg, /\/suno\/persona\/create/);
    const del = await h().request('DELETE', `/suno/persona/${v1.body.id}/`, { account });
    assert.equal(del.status, 404);
    assert.equal((await h().request('GET', `/v1/personas/${v1.body.id}`, { account })).status, 200);
  });

  test('another account: a private persona is 404 like a missing one on every route; nothing changes', async () => {
    const owner = await h().newAccount();
    const other = await h().newAccount();
    const clip = await newClip(h(), owner);
    const p = await newPersona(h(), owner, clip.id, { is_public: false });
    const missing = await h().request('GET', `/suno/persona/${MISSING_PERSONA}/`, { account: other });
    assert.equal(missing.status, 404);
    for (const method of ['GET', 'DELETE']) {
      for (const path of [`/suno/persona/${p.id}/`, `/suno/persona/${p.id}`]) {
        const r = await h().request(method, path, { account: other });
        assert.equal(r.status, 404, `${method} ${path}`);
        assert.deepEqual(r.body, missing.body);
      }
    }
    assert.equal((await h().request('GET', '/suno/personas', { account: other })).body.total_results, 0);
    assert.equal((await h().request('GET', `/suno/persona/${p.id}/`, { account: owner })).status, 200);
  });

  test('another account may read a public persona but not delete it', async () => {
    const owner = await h().newAccount();
    const other = await h().newAccount();
    const clip = await newClip(h(), owner);
    const p = await newPersona(h(), owner, clip.id, { is_public: true });
    const read = await h().request('GET', `/suno/persona/${p.id}/`, { account: other });
    assert.equal(read.status, 200);
    assert.equal(read.body.user_display_name, p.user_display_name);
    assert.equal(read.body.clip.user_id, owner.accountId);
    const del = await h().request('DELETE', `/suno/persona/${p.id}/`, { account: other });
    assert.equal(del.status, 403);
    assert.equal(del.body.error, 'forbidden');
    assert.equal((await h().request('GET', `/suno/persona/${p.id}/`, { account: owner })).status, 200);
    // Public to /suno reads only: /v1 keeps its account scoping.
    assert.equal((await h().request('GET', `/v1/personas/${p.id}`, { account: other })).status, 404);
    assert.equal((await h().request('GET', '/suno/personas', { account: other })).body.total_results, 0);
  });
});
