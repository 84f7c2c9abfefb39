import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { startFakeSunoUpstream } from './helpers/fake-suno-upstream.ts';
import { type Account, describeEachBackend } from './helpers/harness.ts';
import { clipBody, newClip, newPersona } from './helpers/suno.ts';

/**
 * /suno is the one surface that acts upstream with the operator's key, so whatever a request names there
 * (clips, tasks, personas, URLs) must be the caller's, and nothing of the key may come back (issue 11,
 * items 7 and 8).
 */
const upstream = await startFakeSunoUpstream();
after(() => upstream.close());

const OPERATOR_KEY = `operator-${randomUUID()}`;

let n = 0;
const uniquePrompt = () => `[Verse] isolation ${process.pid}-${n++}`;

describeEachBackend(
  '/suno tenant isolation and forwarded bodies',
  (h) => {
    async function tenant() {
      const account = await h().newAccount();
      const clip = await newClip(h(), account);
      const persona = await newPersona(h(), account, clip.id);
      return { account, clip, persona };
    }

    async function generate(account: Account, json: Record<string, unknown>) {
      return h().request('POST', '/suno/generate', { account, json });
    }

    test("another account's clip id in artist/continue/cover_clip_id (at any depth) is 404; nothing is sent", async () => {
      const mine = await tenant();
      const theirs = await tenant();
      const before = upstream.received.length;
      for (const [field, extra] of [
        ['artist_clip_id', { artist_clip_id: theirs.clip.id }],
        ['continue_clip_id', { continue_clip_id: theirs.clip.id, continue_at: 30 }],
        ['cover_clip_id', { cover_clip_id: theirs.clip.id }],
        ['options.cover_clip_id', { options: { cover_clip_id: theirs.clip.id } }],
        ['clip_ids.1', { clip_ids: [mine.clip.id, theirs.clip.id] }],
        ['continueClipId', { continueClipId: theirs.clip.id }],
      ] as const) {
        const r = await generate(mine.account, { persona_id: mine.persona.id, prompt: 'x', ...extra });
        assert.equal(r.status, 404, `${field}: ${r.text}`);
        assert.deepEqual([r.body.error, r.body.field], ['not_found', field]);
        // Exactly the answer a clip id nobody has gets.
        const missing = await generate(mine.account, {
          persona_id: mine.persona.id,
          prompt: 'x',
          ...JSON.parse(JSON.stringify(extra).replaceAll(theirs.clip.id, 'no-such-clip')),
        });
        assert.equal(missing.body.msg, r.body.msg.replaceAll(theirs.clip.id, 'no-such-clip'));
      }
      assert.equal(upstream.received.length, before, 'nothing reached the upstream');
      // The caller's own clips in the same fields are forwarded.
      const prompt = uniquePrompt();
      const own = await newClip(h(), mine.account);
      const ok = await generate(mine.account, {
        persona_id: mine.persona.id,
        prompt,
        continue_clip_id: own.id,
        options: { cover_clip_id: own.id },
      });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(upstream.find(prompt)?.body.continue_clip_id, own.id);
    });

    test('an id field personakit cannot check is a 400 naming it; null clip ids are fine', async () => {
      const { account, persona } = await tenant();
      for (const [field, extra] of [
        ['user_id', { user_id: 'someone-else' }],
        ['meta.persona_id', { meta: { persona_id: 'fd213afd-ac1c-4822-9802-c1c0ea45e77b' } }],
        ['artist_clip_id', { artist_clip_id: 5 }],
      ] as const) {
        const r = await generate(account, { persona_id: persona.id, prompt: 'x', ...extra });
        assert.equal(r.status, 400, `${field}: ${r.text}`);
        assert.equal(r.body.field, field);
      }
      const r = await generate(account, {
        persona_id: persona.id,
        prompt: uniquePrompt(),
        cover_clip_id: null,
      });
      assert.equal(r.status, 200, r.text);
    });

    test('a clip id held by two accounts (registered before ids were exclusive) is forwarded for neither', async () => {
      const a = await tenant();
      const b = await h().newAccount();
      // What a store written by an older personakit may hold: B registered A's clip id.
      const row = await h()
        .services.db.kysely.selectFrom('clips')
        .selectAll()
        .where('account_id', '=', a.account.accountId)
        .where('id', '=', a.clip.id)
        .executeTakeFirstOrThrow();
      await h()
        .services.db.kysely.insertInto('clips')
        .values({ ...row, account_id: b.accountId })
        .execute();
      const bPersona = await h().request('POST', '/suno/persona/create/', {
        account: b,
        json: { root_clip_id: a.clip.id, name: 'copy', description: '', clips: [], is_public: false },
      });
      assert.deepEqual([bPersona.status, bPersona.body.field], [404, 'root_clip_id'], bPersona.text);
      const bOwnClip = await newClip(h(), b);
      const bOwn = await newPersona(h(), b, bOwnClip.id);
      const forB = await generate(b, { persona_id: bOwn.id, prompt: 'x', artist_clip_id: a.clip.id });
      assert.deepEqual([forB.status, forB.body.field], [404, 'artist_clip_id'], forB.text);
      const forA = await generate(a.account, {
        persona_id: a.persona.id,
        prompt: 'x',
        artist_clip_id: a.clip.id,
      });
      assert.deepEqual([forA.status, forA.body.field], [404, 'artist_clip_id'], forA.text);
    });

    test("upstream_persona_id: another account's is refused, a public read does not show it, one's own is reused", async () => {
      const owner = await h().newAccount();
      const clip = await newClip(h(), owner);
      const shown = await newPersona(h(), owner, clip.id, { is_public: true });
      const ownView = await h().request('GET', `/suno/persona/${shown.id}/`, { account: owner });
      const upstreamId: string = ownView.body.upstream_persona_id;
      assert.ok(upstream.personas.includes(upstreamId), 'created upstream by personakit');

      const thief = await h().newAccount();
      const publicView = await h().request('GET', `/suno/persona/${shown.id}/`, { account: thief });
      assert.equal(publicView.status, 200);
      assert.equal(publicView.body.upstream_persona_id, null);
      assert.ok(!publicView.text.includes(upstreamId), 'the public read does not reveal the upstream id');

      // Even knowing it (from before this fix), a tenant cannot make it its own persona's.
      const thiefClip = await newClip(h(), thief);
      const copied = await h().request('POST', '/suno/persona/create/', {
        account: thief,
        json: {
          root_clip_id: thiefClip.id,
          name: 'copy',
          description: '',
          clips: [],
          is_public: false,
          upstream_persona_id: upstreamId,
        },
      });
      assert.deepEqual([copied.status, copied.body.field], [404, 'upstream_persona_id'], copied.text);
      const list = await h().request('GET', '/suno/personas', { account: thief });
      assert.equal(list.body.total_results, 0);

      // The owner may point a second persona at the upstream persona personakit created for it.
      const twin = await newPersona(h(), owner, clip.id, { upstream_persona_id: upstreamId });
      const prompt = uniquePrompt();
      const r = await generate(owner, { persona_id: twin.id, prompt });
      assert.equal(r.status, 200, r.text);
      assert.equal(upstream.find(prompt)?.body.persona_id, upstreamId);
    });

    test("another account's task cannot be polled or named", async () => {
      const a = await tenant();
      const b = await tenant();
      const prompt = uniquePrompt();
      const made = await generate(a.account, { persona_id: a.persona.id, prompt });
      const taskId: string = made.body.data.task_id;
      const before = upstream.received.length;
      const polled = await h().request('GET', `/suno/fetch/${taskId}`, { account: b.account });
      const missing = await h().request('GET', '/suno/fetch/task-nobody-has', { account: b.account });
      assert.deepEqual([polled.status, polled.body.error], [404, 'not_found']);
      assert.equal(polled.body.msg, missing.body.msg.replace('task-nobody-has', taskId));
      const named = await generate(b.account, { persona_id: b.persona.id, prompt: 'x', task_id: taskId });
      assert.deepEqual([named.status, named.body.field], [404, 'task_id']);
      assert.equal(upstream.received.length, before, 'nothing reached the upstream');
      const own = await generate(a.account, {
        persona_id: a.persona.id,
        prompt: uniquePrompt(),
        task_id: taskId,
      });
      assert.equal(own.status, 200, own.text);
    });

    test('every URL in the forwarded body must be public, at any depth and under any name', async () => {
      const { account, persona } = await tenant();
      const before = upstream.received.length;
      for (const [field, extra] of [
        ['options.hooks.0.target', { options: { hooks: [{ target: 'http://10.0.0.1/x' }] } }],
        ['meta.callback_url', { meta: { callback_url: 'http://169.254.169.254/latest/meta-data' } }],
        ['extra.callBackUrl', { extra: { callBackUrl: 'not a url' } }],
        ['notify_hook', { notify_hook: 'http://[::1]:8080/' }],
        ['prompt', { prompt: '  http://127.0.0.1:6379/' }],
        ['cb', { cb: 'HTTP://2130706433/' }],
        ['hooks.0', { hooks: ['gopher://internal:70/'] }],
      ] as const) {
        const r = await generate(account, { persona_id: persona.id, prompt: 'x', ...extra });
        assert.equal(r.status, 400, `${field}: ${r.text}`);
        assert.equal(r.body.field, field);
      }
      assert.equal(upstream.received.length, before, 'nothing reached the upstream');
      const prompt = uniquePrompt();
      const ok = await generate(account, {
        persona_id: persona.id,
        prompt,
        tags: 'rock: metal, lo-fi',
        options: { hooks: [{ target: 'https://203.0.113.10/hook' }] },
      });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(upstream.find(prompt)?.body.options.hooks[0].target, 'https://203.0.113.10/hook');
    });

    test("a 2xx answer quoting the operator's key reaches the caller without it (body and headers)", async () => {
      const { account, persona } = await tenant();
      const r = await generate(account, {
        persona_id: persona.id,
        prompt: uniquePrompt(),
        title: 'echo-key',
      });
      assert.equal(r.status, 200, r.text);
      assert.match(r.body.data.note, /\[redacted\]/);
      const headers = JSON.stringify([...r.headers]);
      for (const text of [r.text, headers]) {
        assert.ok(!text.includes(OPERATOR_KEY), 'the key is not shown');
        assert.ok(!text.includes(OPERATOR_KEY.slice(0, 12)), 'nor its beginning');
      }
      assert.equal(r.headers.get('retry-after'), null);

      // A refusal quoting it: the message is scrubbed, and a retry-after that is not a delay or a date
      // is not passed on.
      const limited = await generate(account, {
        persona_id: persona.id,
        prompt: uniquePrompt(),
        title: 'rate-429-echo',
      });
      assert.equal(limited.status, 429, limited.text);
      assert.match(limited.body.msg, /slow down/);
      for (const text of [limited.text, JSON.stringify([...limited.headers])]) {
        assert.ok(!text.includes(OPERATOR_KEY.slice(0, 12)), text);
      }
      assert.equal(limited.headers.get('retry-after'), null);
    });

    test('a registered clip cannot take an id generated for another account through personakit', async () => {
      const a = await tenant();
      const prompt = uniquePrompt();
      const made = await generate(a.account, { persona_id: a.persona.id, prompt });
      const polled = await h().request('GET', `/suno/fetch/${made.body.data.task_id}`, {
        account: a.account,
      });
      const clipId: string = polled.body.data.data[0].id;
      const b = await h().newAccount();
      const r = await h().request('POST', '/suno/clips', { account: b, json: clipBody({ id: clipId }) });
      assert.equal(r.status, 409);
    });
  },
  {
    PERSONAKIT_SUNO_BASE_URL: upstream.url,
    PERSONAKIT_SUNO_API_KEY: OPERATOR_KEY,
    PERSONAKIT_UPSTREAM_TIMEOUT_MS: '5000',
  },
);
