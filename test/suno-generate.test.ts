import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closedPort, startFakeSunoUpstream } from './helpers/fake-suno-upstream.ts';
import { type Account, describeEachBackend } from './helpers/harness.ts';
import { MISSING_PERSONA, newClip, newPersona } from './helpers/suno.ts';

const upstream = await startFakeSunoUpstream();
const deadPort = await closedPort();
after(() => upstream.close());

const OPERATOR_KEY = 'operator-suno-key-123';
const env = {
  PERSONAKIT_SUNO_BASE_URL: upstream.url,
  PERSONAKIT_SUNO_API_KEY: OPERATOR_KEY,
  // Short enough for the hang case, long enough that the first upstream call (which loads undici and
  // connects) does not time out on a loaded machine.
  PERSONAKIT_UPSTREAM_TIMEOUT_MS: '3000',
};

let n = 0;
/** A prompt no other test uses, to find this test's request at the fake upstream. */
const uniquePrompt = () => `[Verse] line ${process.pid}-${n++}`;

describeEachBackend(
  '/suno generation through a persona',
  (h) => {
    async function upstreamIdOf(account: Account, personaId: string): Promise<string> {
      const r = await h().request('GET', `/suno/persona/${personaId}/`, { account });
      assert.equal(r.status, 200, r.text);
      assert.equal(typeof r.body.upstream_persona_id, 'string');
      assert.notEqual(r.body.upstream_persona_id, personaId);
      return r.body.upstream_persona_id;
    }

    async function personaWithStyle(overrides: Record<string, unknown> = {}) {
      const account = await h().newAccount();
      const a = await newClip(h(), account, { metadata: { tags: 'dream pop, synthwave' } });
      const b = await newClip(h(), account, { metadata: { tags: 'synthwave, female vocals' } });
      const persona = await newPersona(h(), account, a.id, { clips: [a.id, b.id], ...overrides });
      return { account, persona, root: a };
    }

    test("forwards with the persona's style and the operator key, never the caller's key", async () => {
      const { account, persona, root } = await personaWithStyle();
      const prompt = uniquePrompt();
      const r = await h().request('POST', '/suno/generate', {
        account,
        json: {
          persona_id: persona.id,
          prompt,
          tags: 'lo-fi, Dream Pop',
          negative_tags: 'female vocals',
          title: 'Fading Lights',
          mv: 'chirp-v4-tau',
          generation_type: 'TEXT',
          make_instrumental: false,
        },
      });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.code, 'success');
      const sent = upstream.find(prompt);
      assert.ok(sent, 'the upstream received the request');
      assert.equal(sent.method, 'POST');
      assert.equal(sent.url, '/suno/generate');
      assert.equal(sent.headers.authorization, `Bearer ${OPERATOR_KEY}`);
      assert.equal(sent.headers['x-api-key'], undefined);
      assert.ok(!JSON.stringify(sent.headers).includes(account.key));
      assert.ok(!sent.raw.includes(account.key));
      // Own tags first and verbatim; persona tags appended once; negated persona tags left out.
      assert.equal(sent.body.tags, 'lo-fi, Dream Pop, synthwave');
      // The persona was created upstream with it; the upstream's id is sent, never personakit's.
      const upstreamId = await upstreamIdOf(account, persona.id);
      assert.ok(upstream.personas.includes(upstreamId));
      assert.deepEqual(sent.body, {
        persona_id: upstreamId,
        prompt,
        tags: 'lo-fi, Dream Pop, synthwave',
        negative_tags: 'female vocals',
        title: 'Fading Lights',
        mv: 'chirp-v4-tau',
        generation_type: 'TEXT',
        make_instrumental: false,
        task: 'artist_consistency',
        artist_clip_id: root.id,
      });
    });

    test('/suno/submit/music is forwarded to the same path; a chosen artist_clip_id and task are kept', async () => {
      const { account, persona } = await personaWithStyle();
      const other = await newClip(h(), account);
      const prompt = uniquePrompt();
      const r = await h().request('POST', '/suno/submit/music', {
        account,
        json: { persona_id: persona.id, prompt, task: 'custom', artist_clip_id: other.id },
      });
      assert.equal(r.status, 200, r.text);
      const sent = upstream.find(prompt);
      assert.equal(sent?.url, '/suno/submit/music');
      assert.deepEqual([sent?.body.task, sent?.body.artist_clip_id], ['custom', other.id]);
      assert.equal(sent?.body.tags, 'synthwave, dream pop, female vocals');
    });

    test('creating a persona creates it upstream (the seed call, operator key) and keeps the upstream id', async () => {
      const account = await h().newAccount();
      const a = await newClip(h(), account, { metadata: { tags: 'dream pop' } });
      const b = await newClip(h(), account);
      const before = upstream.received.length;
      const persona = await newPersona(h(), account, a.id, { clips: [b.id], name: 'Upstream twin' });
      const calls = upstream.received.slice(before);
      assert.equal(calls.length, 1);
      const [call] = calls;
      assert.deepEqual([call?.method, call?.url], ['POST', '/suno/persona/create/']);
      assert.equal(call?.headers.authorization, `Bearer ${OPERATOR_KEY}`);
      assert.deepEqual(call?.body, {
        root_clip_id: a.id,
        name: 'Upstream twin',
        description: 'Night music',
        clips: [a.id, b.id],
        is_public: false,
      });
      const upstreamId = await upstreamIdOf(account, persona.id);
      assert.equal(upstreamId, upstream.personas.at(-1));
      const prompt = uniquePrompt();
      await h().request('POST', '/suno/generate', { account, json: { persona_id: persona.id, prompt } });
      assert.equal(upstream.find(prompt)?.body.persona_id, upstreamId);
    });

    test('an upstream failure while creating the persona creates nothing', async () => {
      const account = await h().newAccount();
      const clip = await newClip(h(), account);
      const r = await h().request('POST', '/suno/persona/create/', {
        account,
        json: { root_clip_id: clip.id, name: 'upstream-fail', description: '', clips: [], is_public: false },
      });
      assert.deepEqual([r.status, r.body.error], [502, 'upstream_failed'], r.text);
      const list = await h().request('GET', '/suno/personas', { account });
      assert.equal(list.body.total_results, 0);
    });

    test('a style edited through /v1 is what generation sends (one store)', async () => {
      const { account, persona } = await personaWithStyle();
      const patched = await h().request('PATCH', `/v1/personas/${persona.id}`, {
        account,
        json: { attributes: { music_style: 'bossa nova, jazz', tone: 'warm' } },
      });
      assert.equal(patched.status, 200);
      const prompt = uniquePrompt();
      await h().request('POST', '/suno/generate', { account, json: { persona_id: persona.id, prompt } });
      assert.equal(upstream.find(prompt)?.body.tags, 'bossa nova, jazz');
    });

    test("another account's persona: private is 404 like a missing one, public is 403; nothing is sent", async () => {
      const { persona: secret } = await personaWithStyle({ is_public: false });
      const { persona: shown } = await personaWithStyle({ is_public: true });
      const other = await h().newAccount();
      const before = upstream.received.length;
      const missing = await h().request('POST', '/suno/generate', {
        account: other,
        json: { persona_id: MISSING_PERSONA, prompt: 'x' },
      });
      assert.equal(missing.status, 404);
      const hidden = await h().request('POST', '/suno/generate', {
        account: other,
        json: { persona_id: secret.id, prompt: 'x' },
      });
      assert.deepEqual([hidden.status, hidden.body], [404, missing.body]);
      for (const path of ['/suno/generate', '/suno/submit/music']) {
        const r = await h().request('POST', path, {
          account: other,
          json: { persona_id: shown.id, prompt: 'x' },
        });
        assert.equal(r.status, 403);
        assert.equal(r.body.error, 'forbidden');
      }
      assert.equal(upstream.received.length, before);
    });

    test('persona_id is required and must look like a persona id', async () => {
      const account = await h().newAccount();
      for (const json of [{ prompt: 'x' }, { persona_id: 7 }, { persona_id: 'Not An Id' }]) {
        const r = await h().request('POST', '/suno/generate', { account, json });
        assert.equal(r.status, 400);
        assert.equal(r.body.field, 'persona_id');
      }
    });

    for (const [title, status, error, pattern] of [
      ['fail-500', 502, 'upstream_failed', /HTTP 500\)$/],
      ['bad-json', 502, 'upstream_failed', /without a JSON body/],
      ['reject-402', 502, 'upstream_failed', /operator's request \(HTTP 402\): insufficient credits/],
      ['reject-400', 400, 'invalid', /HTTP 400\): mv is not supported/],
      ['rate-429', 429, 'rate_limited', /slow down/],
      ['hang', 504, 'upstream_timeout', /within 3000 ms/],
      ['huge', 502, 'upstream_failed', /more than 4194304 bytes/],
      ['deep', 502, 'upstream_failed', /nested too deeply/],
    ] as const) {
      test(`upstream ${title} -> ${status}`, async () => {
        const { account, persona } = await personaWithStyle();
        const r = await h().request('POST', '/suno/generate', {
          account,
          json: { persona_id: persona.id, prompt: uniquePrompt(), title },
        });
        assert.equal(r.status, status, r.text);
        assert.deepEqual([r.body.code, r.body.error], [status, error]);
        assert.match(r.body.msg, pattern);
        assert.ok(!r.text.includes('secret trace'), '5xx bodies are not echoed');
        if (status === 429) assert.equal(r.headers.get('retry-after'), '7');
      });
    }
  },
  env,
);

describeEachBackend(
  '/suno generation, upstream unreachable',
  (h) => {
    test('connection refused -> 502 (creating the persona upstream is the first call)', async () => {
      const account = await h().newAccount();
      const clip = await newClip(h(), account);
      const r = await h().request('POST', '/suno/persona/create/', {
        account,
        json: { root_clip_id: clip.id, name: 'n', description: '', clips: [], is_public: false },
      });
      assert.equal(r.status, 502);
      assert.deepEqual([r.body.code, r.body.error], [502, 'upstream_failed']);
    });
  },
  { PERSONAKIT_SUNO_BASE_URL: `http://127.0.0.1:${deadPort}`, PERSONAKIT_SUNO_API_KEY: OPERATOR_KEY },
);

describeEachBackend('/suno generation, no upstream configured', (h) => {
  test('501 saying which variables to set', async () => {
    const account = await h().newAccount();
    const clip = await newClip(h(), account);
    const persona = await newPersona(h(), account, clip.id);
    for (const path of ['/suno/generate', '/suno/submit/music']) {
      const r = await h().request('POST', path, { account, json: { persona_id: persona.id } });
      assert.equal(r.status, 501);
      assert.equal(r.body.error, 'not_implemented');
      assert.match(r.body.msg, /PERSONAKIT_SUNO_BASE_URL/);
      assert.match(r.body.msg, /PERSONAKIT_SUNO_API_KEY/);
    }
  });
});
