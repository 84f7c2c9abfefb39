import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appendEvents, appendTurnStart, NEW_TURN, readEvents } from '../src/conversations/events.ts';
import { endConversation } from '../src/conversations/store.ts';
import { confirms, guessInputs } from '../src/conversations/turn-inputs.ts';
import type { Ctx } from '../src/core/context.ts';
import { createConversation } from './helpers/conversations.ts';
import { describeEachBackend, type Harness } from './helpers/harness.ts';

/**
 * A respond's turn reads its row and history while the respond commits, and opens the upstream call on
 * them (turn.ts). Its guess is used only when the commit confirms it: these cases are the races that
 * must send the turn back to reading after the commit (an utterance, or a new context, slipped in
 * between), and those that must not (a previous answer's streamed events are not history; a read made
 * after the commit). The respond's own append opens the turn only in the caller's active conversation.
 */

const ctxOf = (h: Harness, accountId: string): Ctx => ({ ...h.services, accountId, keyId: '' });
const say = (role: string, speech: string) => ({
  event_type: 'conversation.utterance',
  properties: { role, speech },
});
const streamed = { event_type: 'conversation.utterance.streaming', properties: { speech: 'par' } };

describeEachBackend('a turn’s guessed inputs', (h) => {
  async function setup() {
    const a = await h().newAccount();
    const { conversation_id: id } = await createConversation(h, a);
    const ctx = ctxOf(h(), a.accountId);
    await appendEvents(ctx.db, id, [say('user', 'u1'), say('replica', 'r1')], new Date());
    const respond = (inferenceId: string) =>
      appendTurnStart(
        ctx.db,
        id,
        a.accountId,
        [
          { event_type: 'conversation.interrupt', visible: false },
          { ...say('user', 'q'), turn_idx: NEW_TURN, inference_id: inferenceId },
        ],
        new Date(),
      );
    return { a, id, ctx, respond };
  }

  test('nothing between the read and the respond, or only streamed events: the guess holds', async () => {
    const { id, ctx, respond } = await setup();
    const guess = await guessInputs(ctx, id, { text: 'q', inferenceId: 'inf_me' });
    assert.ok(guess);
    assert.deepEqual(
      guess.messages.map((m) => m.content),
      ['u1', 'r1', 'q'],
    );
    await appendEvents(ctx.db, id, [streamed], new Date());
    const turn = await respond('inf_me');
    assert.ok(turn);
    assert.equal(turn.row.turn_idx, 1);
    assert.equal(turn.stored[1]?.envelope.turn_idx, 1, 'the user utterance carries the new turn');
    assert.equal(turn.row.last_seq, turn.stored.at(-1)?.seq);
    assert.equal(await confirms(ctx, guess, turn.row, turn.stored[0]?.seq ?? 0), true);
  });

  test('an utterance slipped in between: the guess is refused', async () => {
    const { id, ctx, respond } = await setup();
    const guess = await guessInputs(ctx, id, { text: 'q', inferenceId: 'inf_me' });
    assert.ok(guess);
    await appendEvents(ctx.db, id, [streamed, say('replica', 'echoed')], new Date());
    const turn = await respond('inf_me');
    assert.ok(turn);
    assert.equal(await confirms(ctx, guess, turn.row, turn.stored[0]?.seq ?? 0), false);
  });

  test('the context changed in between: the guess is refused', async () => {
    const { id, ctx, respond } = await setup();
    const guess = await guessInputs(ctx, id, { text: 'q', inferenceId: 'inf_me' });
    assert.ok(guess);
    await ctx.db.kysely.updateTable('conversations').set({ context: 'new' }).where('id', '=', id).execute();
    const turn = await respond('inf_me');
    assert.ok(turn);
    assert.equal(await confirms(ctx, guess, turn.row, turn.stored[0]?.seq ?? 0), false);
  });

  test('read after the respond committed: its own utterance is cut, and the guess holds', async () => {
    const { id, ctx, respond } = await setup();
    const turn = await respond('inf_me');
    assert.ok(turn);
    await appendEvents(ctx.db, id, [say('replica', 'later')], new Date());
    const guess = await guessInputs(ctx, id, { text: 'q', inferenceId: 'inf_me' });
    assert.ok(guess);
    assert.deepEqual(
      guess.messages.map((m) => m.content),
      ['u1', 'r1', 'q'],
    );
    assert.equal(await confirms(ctx, guess, turn.row, turn.stored[0]?.seq ?? 0), true);
  });

  test("another account's or an ended conversation: no guess, and the respond appends nothing", async () => {
    const { id, ctx, respond } = await setup();
    const other = await h().newAccount();
    await assert.rejects(guessInputs(ctxOf(h(), other.accountId), id, { text: 'q', inferenceId: 'x' }));
    const before = await readEvents(ctx.db, id, 0, 100, true);
    assert.equal(
      await appendTurnStart(ctx.db, id, other.accountId, [say('user', 'q')], new Date()),
      undefined,
    );
    await endConversation(ctx, id, 'test');
    assert.equal(await guessInputs(ctx, id, { text: 'q', inferenceId: 'x' }), undefined);
    assert.equal(await respond('inf_me'), undefined);
    const after = await readEvents(ctx.db, id, 0, 100, true);
    assert.deepEqual(
      after.map((e) => e.envelope.event_type),
      [...before.map((e) => e.envelope.event_type), 'system.shutdown'],
    );
    const row = await ctx.db.kysely
      .selectFrom('conversations')
      .select('turn_idx')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(Number(row.turn_idx), 0, 'no turn was opened');
  });
});
