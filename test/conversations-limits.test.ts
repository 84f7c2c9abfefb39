import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  createConversation,
  interaction,
  SocketClient,
  serveWithSockets,
  utterance,
} from './helpers/conversations.ts';
import { describeEachBackend } from './helpers/harness.ts';

/**
 * Issue 15.9: the limits of conversations, each refusal in Tavus's error shape (429 `{"message"}`, 400
 * `{"error"}`) over HTTP and a `system.error` event on a socket that stays open: active conversations per
 * account, the size of an interaction, interactions per second per conversation (whatever carries them).
 * The clock is frozen where a window is counted, so nothing depends on how fast the machine is.
 */

describeEachBackend(
  'conversation limits',
  (h) => {
    let srv: Awaited<ReturnType<typeof serveWithSockets>>;
    before(async () => {
      srv = await serveWithSockets(h());
    });
    after(() => srv.close());
    const frozen = (at: number) => {
      const now = new Date(at);
      h().services.now = () => now;
    };
    after(() => {
      h().services.now = () => new Date();
    });

    test('active conversations per account: past the cap a 429 {message}; ending one frees a slot; test_mode is not counted', async () => {
      const a = await h().newAccount();
      const b = await h().newAccount();
      const first = await createConversation(h, a);
      await createConversation(h, a);
      const refused = await h().request('POST', '/v2/conversations', { account: a, json: {} });
      assert.equal(refused.status, 429);
      assert.match(refused.body.message, /Concurrent conversation limit reached \(2 active\)/);
      assert.equal(refused.body.error, undefined);
      // test_mode conversations are created ended: no slot taken.
      const test = await h().request('POST', '/v2/conversations', { account: a, json: { test_mode: true } });
      assert.equal(test.status, 200, test.text);
      // Another account has its own slots.
      await createConversation(h, b);
      const end = await h().request('POST', `/v2/conversations/${first.conversation_id}/end`, { account: a });
      assert.equal(end.status, 200);
      await createConversation(h, a);
    });

    test('interaction size: text over 16,000 characters is a 400 {error}; on the socket a message over 64 KiB is an error event and the socket stays open', async () => {
      const a = await h().newAccount();
      const c = await createConversation(h, a);
      const id = c.conversation_id;
      const long = await h().request('POST', `/v2/conversations/${id}/events`, {
        account: a,
        json: interaction(id, 'conversation.echo', { text: 'x'.repeat(16_001) }),
      });
      assert.equal(long.status, 400);
      assert.match(long.body.error, /at most 16000 characters/);
      const client = new SocketClient(`ws://${srv.url}/v2/conversations/${id}/ws`, a.auth);
      await client.opened;
      client.send(interaction(id, 'conversation.echo', { text: 'y'.repeat(70 * 1024) }));
      const err = await client.waitFor((e) => e.event_type === 'system.error', 'size error');
      assert.match(err.properties.message, /at most 64 KiB/);
      client.send(interaction(id, 'conversation.echo', { text: 'still here' }));
      const echo = await client.waitFor(utterance('replica'), 'echo after the refusal');
      assert.equal(echo.properties.speech, 'still here');
      await h().request('POST', `/v2/conversations/${id}/end`, { account: a });
      assert.equal(await client.closed, 1000);
    });

    test('interactions per second per conversation: past the limit a 429 {message} with retry-after, over POST and the socket together', async () => {
      const a = await h().newAccount();
      const c = await createConversation(h, a);
      const id = c.conversation_id;
      const other = await createConversation(h, a);
      frozen(Date.parse('2026-11-30T12:00:00.100Z'));
      try {
        const post = (conv: string, text: string) =>
          h().request('POST', `/v2/conversations/${conv}/events`, {
            account: a,
            json: interaction(conv, 'conversation.echo', { text }),
          });
        for (let i = 0; i < 2; i++) assert.equal((await post(id, `ok ${i}`)).status, 200);
        const client = new SocketClient(`ws://${srv.url}/v2/conversations/${id}/ws`, a.auth);
        await client.opened;
        client.send(interaction(id, 'conversation.echo', { text: 'ok 2' }));
        await client.waitFor((e) => e.properties?.speech === 'ok 2', 'third within the limit');
        client.send(interaction(id, 'conversation.echo', { text: 'too many (socket)' }));
        const err = await client.waitFor((e) => e.event_type === 'system.error', 'socket refusal');
        assert.match(err.properties.message, /at most 3 per second/);
        const refused = await post(id, 'too many (post)');
        assert.equal(refused.status, 429);
        assert.match(refused.body.message, /Too many interactions: at most 3 per second/);
        assert.equal(refused.headers.get('retry-after'), '1');
        // Another conversation has its own window.
        assert.equal((await post(other.conversation_id, 'other')).status, 200);
        // A second later the window is open again.
        frozen(Date.parse('2026-11-30T12:00:01.200Z'));
        assert.equal((await post(id, 'later')).status, 200);
        client.ws.close();
      } finally {
        h().services.now = () => new Date();
      }
    });
  },
  { PERSONAKIT_MAX_ACTIVE_CONVERSATIONS: '2', PERSONAKIT_CONVERSATION_EVENTS_PER_SECOND: '3' },
);
