import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import type { Browser } from 'playwright-core';
import { buildRoom } from '../scripts/console-build.mjs';
import { type Backend, backends } from './helpers/backends.ts';
import { axeViolations, browserTest, hasChromium, launchChromium, screenshot } from './helpers/browser.ts';
import { tavusPersona, textChunks } from './helpers/chat-surface.ts';
import { createConversation } from './helpers/conversations.ts';
import { type ChatFake, sse, startChatFake } from './helpers/fake-chat-upstream.ts';
import { createHarness, type Harness, listen } from './helpers/harness.ts';

const sqliteBackend = backends.find((b) => b.backend.name === 'sqlite')?.backend as Backend;

/**
 * conversation_url in a real browser (Debian's headless Chromium): the page connects to its event stream,
 * a message typed and sent comes back as the persona's answer, user text is rendered inert, and axe-core
 * finds no serious violation; an answer streamed by the persona's LLM (a local fake) shows while it is
 * still being generated and ends as the transcript says; End ends the conversation. Twice: with the console's chat view built (scripts/console-build.mjs buildRoom), and
 * without a build (the plain script an install from the sources serves). One backend is enough here:
 * the storage paths are the API suites' business.
 */
for (const built of [true, false]) {
  describe(`conversation page in headless Chromium (${built ? 'chat view bundle' : 'no build: plain script'})`, () => {
    let h: (Harness & { close(): Promise<void> }) | undefined;
    let listener: Awaited<ReturnType<typeof listen>> | undefined;
    let browser: Browser | undefined;
    let fake: ChatFake | undefined;
    // A directory of this run's own: the built bundle, or nothing (so a dist/ build is not picked up).
    const dir = mkdtempSync(join(tmpdir(), 'personakit-room-'));
    before(async () => {
      if (!hasChromium) return;
      if (built) await buildRoom(await import('esbuild'), dir);
      fake = await startChatFake('openai');
      h = await createHarness(sqliteBackend, {
        PERSONAKIT_CONSOLE_DIR: dir,
        PERSONAKIT_ALLOWED_HOSTS: '127.0.0.1',
      });
      listener = await listen(h);
      browser = await launchChromium();
    });
    after(async () => {
      await fake?.close();
      await browser?.close();
      await listener?.close();
      await h?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    browserTest(
      'a message sent from the page is answered live; markup in it stays text; no serious axe violation',
      async () => {
        if (!h || !listener || !browser) throw new Error('not started');
        const account = await h.newAccount();
        const c = await createConversation(() => h as Harness, account, {
          conversation_name: 'Browser check',
        });
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(String(e)));
        page.on('console', (m) => {
          if (m.type() === 'error') errors.push(`console error: ${m.text()}`);
        });
        page.on('dialog', (d) => {
          errors.push(`dialog opened: ${d.message()}`);
          void d.dismiss();
        });
        const res = await page.goto(`${listener.url}${new URL(c.conversation_url).pathname}`);
        assert.equal(
          (await res?.text())?.includes('/conversation-page/assets/'),
          built,
          'the bundle when built',
        );
        await page.getByText('Connected.').waitFor();
        await page.getByLabel('Message').fill('<img src=x onerror="alert(1)"> hello there');
        await page.getByRole('button', { name: 'Send', exact: true }).click();
        await page.locator('.msg-assistant').first().waitFor({ timeout: 20_000 });
        const userText = await page.locator('.msg-user .msg-text').first().textContent();
        assert.equal(userText, '<img src=x onerror="alert(1)"> hello there');
        assert.equal(await page.locator('img').count(), 0, 'user markup must not become elements');
        assert.deepEqual(await axeViolations(page), []);
        await screenshot(page, built ? 'conversation-page' : 'conversation-page-plain');
        await page.getByRole('button', { name: 'End', exact: true }).click();
        await page.getByText('This conversation has ended.').waitFor();
        assert.deepEqual(errors, []);
      },
    );

    browserTest(
      'the answer streams in as it is generated, matches the transcript; End ends the conversation',
      async () => {
        if (!h || !listener || !browser || !fake) throw new Error('not started');
        const harness = h;
        const account = await harness.newAccount();
        const persona = await tavusPersona(() => harness, account, {
          layers: { llm: { model: 'own-model', base_url: `${fake.origin}/v1`, api_key: fake.key } },
        });
        const c = await createConversation(() => harness, account, { persona_id: persona.persona_id });
        const id = c.conversation_id;
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(String(e)));
        await page.goto(`${listener.url}${new URL(c.conversation_url).pathname}`);
        await page.getByText('Connected.').waitFor({ timeout: 20_000 });

        // A whole answer, streamed in three pieces: what the page shows is what the transcript records.
        fake.next({ sse: sse.openai(textChunks(['The lamp ', 'is lit ', 'at dusk.'])) });
        await page.getByLabel('Message').fill('When is the lamp lit?');
        await page.getByRole('button', { name: 'Send', exact: true }).click();
        await page.getByText('The lamp is lit at dusk.', { exact: true }).waitFor({ timeout: 20_000 });
        // The page shows the streamed text as it accumulates; the final utterance is committed just after
        // the last piece: wait (bounded) for the transcript to hold it.
        let said: { content: string }[] = [];
        for (let i = 0; i < 200 && said.length === 0; i++) {
          const verbose = await harness.request('GET', `/v2/conversations/${id}?verbose=true`, { account });
          said = verbose.body.transcript.filter((t: { role: string }) => t.role === 'assistant');
          if (said.length === 0) await new Promise((resolve) => setTimeout(resolve, 25));
        }
        assert.deepEqual(
          said.map((t: { content: string }) => t.content),
          ['The lamp is lit at dusk.'],
        );

        // An answer held mid-stream by the LLM: the page already shows its first piece, which the transcript
        // does not hold yet (only finished utterances are transcribed).
        fake.next({ sse: [`data: ${JSON.stringify(textChunks(['Once upon '])[1])}\n\n`], hold: true });
        await page.getByLabel('Message').fill('Tell me a story.');
        await page.getByRole('button', { name: 'Send', exact: true }).click();
        await page.getByText('Once upon', { exact: true }).waitFor({ timeout: 20_000 });
        const upstream = fake.requests.at(-1);
        assert.ok(upstream && JSON.stringify(upstream.body).includes('Tell me a story.'));
        const mid = await harness.request('GET', `/v2/conversations/${id}?verbose=true`, { account });
        assert.equal(mid.body.transcript.length, 3, 'the streaming answer is not in the transcript yet');

        // End: the page says so and stops taking input; the API agrees; the answer being generated stops.
        await page.getByRole('button', { name: 'End', exact: true }).click();
        await page.getByText('This conversation has ended.').waitFor({ timeout: 20_000 });
        // No way left to send: the composer is gone or disabled (the chat view removes it, the plain page
        // disables it).
        for (const control of [
          page.getByLabel('Message'),
          page.getByRole('button', { name: 'Send', exact: true }),
        ]) {
          assert.ok(
            (await control.count()) === 0 || (await control.isDisabled()),
            'no way to send after End',
          );
        }
        const ended = await harness.request('GET', `/v2/conversations/${id}?verbose=true`, { account });
        assert.equal(ended.body.status, 'ended');
        assert.equal(ended.body.shutdown_reason, 'end_conversation_endpoint_hit');
        await upstream.connectionClosed;
        await screenshot(page, built ? 'conversation-page-ended' : 'conversation-page-plain-ended');
        assert.deepEqual(errors, []);
      },
    );
  });
}
