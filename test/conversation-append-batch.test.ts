import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appendEvents, appendTurnStart, NEW_TURN, readEvents } from '../src/conversations/events.ts';
import { createConversation, type Env } from './helpers/conversations.ts';
import { describeEachBackend } from './helpers/harness.ts';

/**
 * Appends made outside a transaction are group-committed (src/conversations/events.ts AppendBatcher):
 * many at once, across conversations, must come back exactly as one transaction each would — every
 * append answered with its own rows, seq gap-free and in call order per conversation, the log equal to
 * what the callers were told — and an append to an ended conversation appends nothing without taking the
 * others of its group down.
 */
describeEachBackend('conversation event appends, grouped', (h) => {
  test("a respond's group commit lets the upstream request queued beside it go first (SQLite)", async () => {
    const a = await h().newAccount();
    const { conversation_id: id } = await createConversation(h, a);
    const db = h().services.db;
    const lastSeq = async () =>
      Number(
        (
          await db.kysely
            .selectFrom('conversations')
            .select('last_seq')
            .where('id', '=', id)
            .executeTakeFirstOrThrow()
        ).last_seq,
      );
    const before = await lastSeq();
    const appended = appendTurnStart(
      db,
      id,
      a.accountId,
      [
        {
          event_type: 'conversation.utterance',
          properties: { role: 'user', speech: 'hi' },
          turn_idx: NEW_TURN,
        },
      ],
      new Date(),
    );
    // What the turn does beside it: undici writes its upstream request from a setImmediate queued after
    // the append's (a few microtasks later, once the prompt is built).
    await Promise.resolve();
    const seenBeside = await new Promise<number>((resolve) => setImmediate(() => resolve(lastSeq())));
    const turn = await appended;
    assert.equal(turn?.stored[0]?.seq, before + 1, 'the respond is appended');
    assert.equal(await lastSeq(), before + 1);
    // On SQLite the group's transaction runs on the event loop: it must not run before the request's
    // write. (On PostgreSQL it does not hold the loop, and is not held back.)
    if (db.dialect === 'sqlite') assert.equal(seenBeside, before, 'the commit waited for the work beside it');
  });

  test('120 concurrent appends over 3 conversations: per-conversation order, gap-free seq, one ended', async () => {
    const a = await h().newAccount();
    const ids = await Promise.all(
      [0, 1, 2].map(
        async (i) => (await createConversation(h, a, { conversation_name: `c${i}` })).conversation_id,
      ),
    );
    const db = h().services.db;
    const now = new Date();
    const before = await Promise.all(ids.map((id) => readEvents(db, id, 0, 1000, true)));
    // The third conversation ends while its appends are queued: those after the end append nothing.
    const calls = Array.from({ length: 120 }, (_, n) => {
      const id = ids[n % 3] as string;
      return appendEvents(
        db,
        id,
        [
          { event_type: 'conversation.utterance', properties: { role: 'replica', speech: `n${n}` } },
          { event_type: 'conversation.interrupt', visible: false },
        ],
        now,
      );
    });
    await db.kysely
      .updateTable('conversations')
      .set({ status: 'ended' })
      .where('id', '=', ids[2] as string)
      .execute();
    const results = await Promise.all(calls.map((c) => c.catch((err: unknown) => err)));
    for (const r of results) assert.ok(Array.isArray(r), `every append answered, got ${String(r)}`);
    for (const [k, id] of ids.entries()) {
      const mine = (results as Env[][]).filter((_, n) => n % 3 === k);
      const seqs = mine.flat().map((e: Env) => e.seq as number);
      const start = (before[k]?.at(-1)?.seq ?? 0) + 1;
      assert.deepEqual(
        seqs,
        Array.from({ length: seqs.length }, (_, i) => start + i),
        `conversation ${k}: gap-free, in call order`,
      );
      // Within a conversation the appends keep the order of the calls.
      const spoken = mine
        .flat()
        .filter((e: Env) => e.visible)
        .map((e: Env) => e.envelope.properties.speech);
      assert.deepEqual(
        spoken,
        [...spoken].sort((x, y) => Number(x.slice(1)) - Number(y.slice(1))),
      );
      const log = await readEvents(db, id, before[k]?.at(-1)?.seq ?? 0, 1000, true);
      assert.deepEqual(
        log.map((e) => [e.seq, e.envelope.event_type]),
        mine.flat().map((e: Env) => [e.seq, e.envelope.event_type]),
        `conversation ${k}: the log is what the callers were told`,
      );
      if (k < 2) assert.equal(seqs.length, 80, 'an active conversation got all its appends');
    }
  });
});
