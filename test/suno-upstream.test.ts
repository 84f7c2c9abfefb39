import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startFakeSunoUpstream } from './helpers/fake-suno-upstream.ts';
import { describeEachBackend } from './helpers/harness.ts';
import { newClip, newPersona } from './helpers/suno.ts';

/**
 * /suno as a proxy (issue 12, item 11): personas exist upstream too, generation names the upstream
 * persona, and the clips a generation makes come back through the task-polling route and the feed,
 * recorded in the caller's store as they complete. The fake upstream speaks the Suno proxies' wire format.
 */
const upstream = await startFakeSunoUpstream();
after(() => upstream.close());

const OPERATOR_KEY = 'operator-suno-key-upstream-flow';
let n = 0;
const uniquePrompt = () => `[Verse] flow ${process.pid}-${n++}`;

describeEachBackend(
  '/suno as a proxy: tasks, feed and upstream personas',
  (h) => {
    test('a generated song comes back through /suno/fetch/{task_id} and /suno/feed/{ids}, recorded as it completes', async () => {
      const account = await h().newAccount();
      const root = await newClip(h(), account, { metadata: { tags: 'synthwave' } });
      const persona = await newPersona(h(), account, root.id);
      const prompt = uniquePrompt();
      const made = await h().request('POST', '/suno/generate', {
        account,
        json: { persona_id: persona.id, prompt, title: 'Night Song' },
      });
      assert.equal(made.status, 200, made.text);
      const taskId: string = made.body.data.task_id;
      assert.ok(upstream.taskOf(prompt), 'the upstream started a task');

      // First poll: forwarded as is (GET /suno/fetch/{task_id} with the operator key), clips streaming.
      const before = upstream.received.length;
      const first = await h().request('GET', `/suno/fetch/${taskId}`, { account });
      assert.equal(first.status, 200, first.text);
      const poll = upstream.received[before];
      assert.deepEqual([poll?.method, poll?.url], ['GET', `/suno/fetch/${taskId}`]);
      assert.equal(poll?.headers.authorization, `Bearer ${OPERATOR_KEY}`);
      assert.equal(first.body.data.task_id, taskId);
      const ids: string[] = first.body.data.data.map((c: { id: string }) => c.id);
      assert.equal(ids.length, 2);
      assert.equal(first.body.data.data[0].status, 'streaming');

      // Recorded in the caller's store, in the caller's account only.
      const rows = await h()
        .services.db.kysely.selectFrom('clips')
        .select(['account_id', 'id', 'status', 'task_id'])
        .where('id', 'in', ids)
        .execute();
      assert.deepEqual(
        rows.map((r) => [r.account_id, r.status, r.task_id]),
        ids.map(() => [account.accountId, 'streaming', taskId]),
      );

      // The feed polls the unfinished task once more and answers the completed clips.
      const feed = await h().request('GET', `/suno/feed/${ids.join(',')}`, { account });
      assert.equal(feed.status, 200, feed.text);
      assert.deepEqual(
        feed.body.map((c: { id: string; status: string }) => [c.id, c.status]),
        ids.map((id) => [id, 'complete']),
      );
      assert.equal(feed.body[0].audio_url, `https://cdn1.suno.ai/${ids[0]}.mp3`);
      assert.equal(feed.body[0].metadata.tags, 'synthwave');
      assert.equal(feed.body[0].metadata.prompt, prompt);
      assert.equal(feed.body[0].user_id, account.accountId);

      // Complete clips are answered from the store, with no further upstream call.
      const polls = upstream.received.length;
      const again = await h().request('GET', `/suno/feed/${ids[0]}`, { account });
      assert.equal(again.body[0].status, 'complete');
      assert.equal(upstream.received.length, polls);

      // Another account sees none of it.
      const other = await h().newAccount();
      assert.deepEqual(
        (await h().request('GET', `/suno/feed/${ids.join(',')}`, { account: other })).body,
        [],
      );

      // The generated clips make a persona (they are the account's generated clips).
      const next = await newPersona(h(), account, ids[0] as string, { clips: ids });
      assert.equal(next.persona_clips.length, 2);
    });

    test('a persona without an upstream id (made before one was configured) is created upstream on first use', async () => {
      const account = await h().newAccount();
      const clip = await newClip(h(), account);
      const persona = await newPersona(h(), account, clip.id);
      await h()
        .services.db.kysely.updateTable('suno_personas')
        .set({ upstream_persona_id: null })
        .where('persona_id', '=', persona.id)
        .execute();
      const before = upstream.received.length;
      const prompt = uniquePrompt();
      const r = await h().request('POST', '/suno/generate', {
        account,
        json: { persona_id: persona.id, prompt },
      });
      assert.equal(r.status, 200, r.text);
      const calls = upstream.received.slice(before);
      assert.deepEqual(
        calls.map((c) => c.url),
        ['/suno/persona/create/', '/suno/generate'],
      );
      const created = upstream.personas.at(-1);
      assert.equal(upstream.find(prompt)?.body.persona_id, created);
      assert.notEqual(created, persona.id);
      const read = await h().request('GET', `/suno/persona/${persona.id}/`, { account });
      assert.equal(read.body.upstream_persona_id, created);
    });

    test('polling a task the upstream does not know keeps its 404; a malformed task id is a 400', async () => {
      const account = await h().newAccount();
      const clip = await newClip(h(), account);
      const persona = await newPersona(h(), account, clip.id);
      const made = await h().request('POST', '/suno/generate', {
        account,
        json: { persona_id: persona.id, prompt: uniquePrompt() },
      });
      const taskId: string = made.body.data.task_id;
      // Known to personakit as this account's, but forgotten upstream (the fake knows tasks it started).
      await h()
        .services.db.kysely.updateTable('suno_tasks')
        .set({ task_id: `${taskId}-gone` })
        .where('task_id', '=', taskId)
        .execute();
      const gone = await h().request('GET', `/suno/fetch/${taskId}-gone`, { account });
      assert.deepEqual([gone.status, gone.body.error], [404, 'not_found'], gone.text);
      assert.match(gone.body.msg, /Suno upstream refused/);
      const bad = await h().request('GET', '/suno/fetch/%20x', { account });
      assert.deepEqual([bad.status, bad.body.field], [400, 'task_id']);
    });
  },
  {
    PERSONAKIT_SUNO_BASE_URL: upstream.url,
    PERSONAKIT_SUNO_API_KEY: OPERATOR_KEY,
    PERSONAKIT_UPSTREAM_TIMEOUT_MS: '5000',
  },
);

describeEachBackend('/suno task polling, no upstream configured', (h) => {
  test('GET /suno/fetch/{task_id} is a 501 saying what to set', async () => {
    const account = await h().newAccount();
    const r = await h().request('GET', '/suno/fetch/task-1', { account });
    assert.deepEqual([r.status, r.body.error], [501, 'not_implemented']);
    assert.match(r.body.msg, /PERSONAKIT_SUNO_BASE_URL/);
  });

  test('a persona is created locally only, and the feed answers from the store', async () => {
    const account = await h().newAccount();
    const clip = await newClip(h(), account);
    const persona = await newPersona(h(), account, clip.id);
    const read = await h().request('GET', `/suno/persona/${persona.id}/`, { account });
    assert.equal(read.body.upstream_persona_id, null);
    const feed = await h().request('GET', `/suno/feed/${clip.id}`, { account });
    assert.equal(feed.body[0].id, clip.id);
  });
});
