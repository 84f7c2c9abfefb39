import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SseParser, type StreamEvent } from '../src/console/ui/conversations/event-stream.ts';
import { emptyTranscript, fold } from '../src/console/ui/conversations/transcript.ts';
import { axeViolations, browserTest, screenshot } from './helpers/browser.ts';
import { consoleSuite, goTo, signIn } from './helpers/console.ts';
import { upload, waitForDocument } from './helpers/knowledge.ts';

/**
 * The console's Conversations page in headless Chromium: start a conversation with a persona, open it,
 * send a respond and see the answer arrive live over the event stream with its citation, echo and
 * update the context, end it; the list filters by status. Markup in names and messages stays text.
 * Also the two pure pieces under it: the SSE parser and the transcript fold.
 */

const XSS = '<img src=x onerror="alert(1)">';

test('SSE parser: events split across chunks, CRLF, comments, ids kept for Last-Event-ID', () => {
  const seen: StreamEvent[] = [];
  const p = new SseParser((e) => seen.push(e));
  p.push(': keep-alive\n\nid: 1\ndata: {"a"');
  p.push(':1}\n\nid: 2\r\nevent: x\r\ndata: one\r\ndata: two\r');
  p.push('\n\r\n');
  p.push('data: no id\n\n');
  assert.deepEqual(seen, [
    { id: '1', event: 'message', data: '{"a":1}' },
    { id: '2', event: 'x', data: 'one\ntwo' },
    { id: '2', event: 'message', data: 'no id' },
  ]);
  assert.equal(p.lastEventId, '2');
});

test('transcript fold: streaming grows one message, the final carries citations, replays are ignored', () => {
  let t = emptyTranscript;
  const events = [
    { seq: 1, event_type: 'conversation.utterance', properties: { role: 'user', speech: 'hi' } },
    { seq: 2, event_type: 'conversation.replica.started_speaking', inference_id: 'i1' },
    {
      seq: 3,
      event_type: 'conversation.utterance.streaming',
      inference_id: 'i1',
      properties: { speech: 'Hel' },
    },
    {
      seq: 4,
      event_type: 'conversation.utterance.streaming',
      inference_id: 'i1',
      properties: { speech: 'Hello [1]' },
    },
    {
      seq: 5,
      event_type: 'conversation.utterance',
      inference_id: 'i1',
      properties: {
        role: 'replica',
        speech: 'Hello [1]',
        citations: [{ index: 1, document_id: 'd1', document_name: 'Doc' }],
        checks: [{ rule: 'emoji', passed: true, detail: '' }],
      },
    },
    { seq: 6, event_type: 'conversation.replica.stopped_speaking', inference_id: 'i1' },
  ];
  for (const e of events) t = fold(t, e);
  for (const e of events) t = fold(t, e);
  assert.equal(t.messages.length, 2);
  assert.deepEqual(
    t.messages.map((m) => [m.role, m.text, m.streaming]),
    [
      ['user', 'hi', false],
      ['replica', 'Hello [1]', false],
    ],
  );
  assert.equal(t.messages[1]?.citations[0]?.document_name, 'Doc');
  assert.equal(t.speaking, false);
  t = fold(t, { seq: 7, event_type: 'system.shutdown', properties: { shutdown_reason: 'done' } });
  assert.equal(t.ended, true);
  assert.equal(t.shutdownReason, 'done');
});

consoleSuite(
  'console: conversations',
  (env) => {
    browserTest('start one with a persona, talk live with citations, echo, context, end', async () => {
      const { page, account, problems } = await signIn(env());
      const doc = await upload(env().h, account, {
        name: 'orchard.md',
        type: 'text/markdown',
        text: '# Orchard\n\nThe orchard grows Bramley apples, picked in late September.\n',
      });
      assert.equal(doc.status, 200, doc.text);
      await waitForDocument(env().h, account, doc.body.document_id);
      const persona = await env().h.request('POST', '/v2/personas', {
        account,
        json: {
          persona_name: `Grower ${XSS}`,
          system_prompt: 'You grow apples.',
          pipeline_mode: 'full',
          document_ids: [doc.body.document_id],
        },
      });
      assert.equal(persona.status, 200, persona.text);

      await goTo(page, 'conversations');
      await page.getByLabel('Persona').selectOption(persona.body.persona_id);
      await page.getByLabel('Name (optional)').fill(`Harvest ${XSS}`);
      await page.getByRole('button', { name: 'Start conversation' }).click();
      await page.getByRole('heading', { level: 1, name: `Harvest ${XSS}` }).waitFor();
      await page.getByText('Live.').waitFor();

      await page.getByLabel('Message').fill(`When are the apples picked? ${XSS}`);
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      const answer = page.locator('.msg-assistant').first();
      await answer.locator('.citations').waitFor({ timeout: 30_000 });
      assert.match((await answer.locator('.msg-text').textContent()) ?? '', /late September/);
      assert.match((await answer.locator('.citations').textContent()) ?? '', /orchard\.md/);
      assert.equal(
        await page.locator('.msg-user .msg-text').first().textContent(),
        `When are the apples picked? ${XSS}`,
      );

      await page.getByLabel('Interaction', { exact: true }).selectOption('conversation.echo');
      await page.getByLabel('Text the persona says').fill(`Echoed ${XSS}`);
      await page.getByRole('button', { name: 'Send interaction' }).click();
      await page.locator('.msg-assistant .msg-text', { hasText: `Echoed ${XSS}` }).waitFor();

      await page.getByLabel('Interaction', { exact: true }).selectOption('conversation.append_llm_context');
      await page.getByLabel('Context', { exact: true }).fill('The visitor is a child.');
      await page.getByRole('button', { name: 'Send interaction' }).click();
      await page.getByText('Context appended').waitFor();

      assert.equal(await page.locator('main img').count(), 0);
      assert.deepEqual(await axeViolations(page), []);
      await screenshot(page, 'console-conversation');

      await page.getByRole('button', { name: 'End conversation' }).click();
      await page.getByRole('button', { name: 'Yes, end it' }).click();
      await page.getByText(/This conversation has ended/).waitFor();
      assert.equal(await page.getByLabel('Message').count(), 0, 'no composer once ended');

      await goTo(page, 'conversations');
      await page.getByLabel('Status').selectOption('ended');
      await page.getByRole('link', { name: `Harvest ${XSS}` }).waitFor();
      assert.equal(await page.locator('main img').count(), 0);
      assert.deepEqual(await axeViolations(page), []);
      await screenshot(page, 'console-conversations');
      await page.getByLabel('Status').selectOption('active');
      await page.getByText('No active conversation.').waitFor();
      assert.deepEqual(problems, []);
    });

    browserTest('reopening an ended conversation replays its transcript and says it ended', async () => {
      const { page, account, problems } = await signIn(env());
      const made = await env().h.request('POST', '/v2/conversations', {
        account,
        json: { conversation_name: 'Short' },
      });
      assert.equal(made.status, 200, made.text);
      const id = made.body.conversation_id;
      const said = await env().h.request('POST', `/v2/conversations/${id}/events`, {
        account,
        json: { event_type: 'conversation.echo', properties: { text: 'Said before.' } },
      });
      assert.equal(said.status, 200, said.text);
      assert.equal((await env().h.request('POST', `/v2/conversations/${id}/end`, { account })).status, 200);
      await goTo(page, `conversations/${id}`);
      await page.locator('.msg-assistant .msg-text', { hasText: 'Said before.' }).waitFor();
      await page.getByText(/This conversation has ended/).waitFor();
      assert.deepEqual(problems, []);
    });

    browserTest(
      'require_auth: the chat page link carries the meeting token, which the page needs',
      async () => {
        const { page, problems } = await signIn(env());
        await goTo(page, 'conversations');
        await page.getByLabel('Name (optional)').fill('Private');
        await page.getByLabel('Its chat page needs a meeting token (require_auth)').check();
        await page.getByRole('button', { name: 'Start conversation' }).click();
        const link = page.getByRole('link', { name: 'Open its chat page' });
        await link.waitFor();
        const url = new URL((await link.getAttribute('href')) ?? '');
        assert.ok(url.searchParams.get('t'), 'the link has the token');
        const path = `${env().url}${url.pathname}`;
        assert.equal((await fetch(`${path}${url.search}`)).status, 200);
        assert.equal((await fetch(path)).status, 401);
        assert.deepEqual(problems, []);
      },
    );

    browserTest('the list pages through more conversations than fit one page', async () => {
      const { page, account, problems } = await signIn(env());
      for (let i = 0; i < 12; i++) {
        const r = await env().h.request('POST', '/v2/conversations', {
          account,
          json: { conversation_name: `Batch ${i}`, test_mode: true },
        });
        assert.equal(r.status, 200, r.text);
      }
      await goTo(page, 'conversations');
      await page.getByText('Page 1 of 2').waitFor();
      assert.equal(await page.locator('tbody tr').count(), 10);
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByText('Page 2 of 2').waitFor();
      // The page number moves at the click; the rows follow when the next page has loaded (newest first:
      // the two oldest are on page 2).
      await page.locator('tbody').getByText('Batch 0', { exact: true }).waitFor();
      assert.equal(await page.locator('tbody tr').count(), 2);
      assert.deepEqual(problems, []);
    });
  },
  {},
  { startJobs: true },
);
