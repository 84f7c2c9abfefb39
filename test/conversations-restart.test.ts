import assert from 'node:assert/strict';
import { type Backend, testOnPersistentStores } from './helpers/backends.ts';
import { createConversation } from './helpers/conversations.ts';
import { createHarness } from './helpers/harness.ts';

/**
 * Timers live in the store: a conversation created by one server, which stops before its
 * max_call_duration is due, is ended by the next server on the same store, with its shutdown reason.
 */

async function restartCase(store: Backend) {
  const first = await createHarness(store);
  const a = await first.newAccount();
  const c = await createConversation(() => first, a, { properties: { max_call_duration: 1 } });
  // The first server never ran its job queue: only the stored timer can end the conversation.
  await first.services.jobs.stop();
  await first.services.db.close();
  const second = await createHarness(store, {}, { startJobs: true });
  try {
    let body: { status?: string; shutdown_reason?: string } = {};
    for (let i = 0; i < 100 && body.status !== 'ended'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      body = (
        await second.request('GET', `/v2/conversations/${c.conversation_id}?verbose=true`, { account: a })
      ).body;
    }
    assert.equal(body.status, 'ended');
    assert.equal(body.shutdown_reason, 'max_call_duration reached');
  } finally {
    await second.close();
  }
}

testOnPersistentStores('a timer armed before a restart ends the conversation after it', restartCase);
