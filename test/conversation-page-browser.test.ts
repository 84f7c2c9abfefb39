import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import type { Browser } from 'playwright-core';
import { type Backend, backends } from './helpers/backends.ts';

const sqliteBackend = backends.find((b) => b.backend.name === 'sqlite')?.backend as Backend;

import { axeViolations, browserTest, hasChromium, launchChromium, screenshot } from './helpers/browser.ts';
import { createConversation } from './helpers/conversations.ts';
import { createHarness, type Harness, listen } from './helpers/harness.ts';

/**
 * conversation_url in a real browser (Debian's headless Chromium): the page connects to its event stream,
 * a message typed and sent comes back as the persona's answer, user text is rendered inert, and axe-core
 * finds no serious violation. One backend is enough here: the storage paths are the API suites' business.
 */
describe('conversation page in headless Chromium', () => {
  let h: (Harness & { close(): Promise<void> }) | undefined;
  let listener: Awaited<ReturnType<typeof listen>> | undefined;
  let browser: Browser | undefined;
  before(async () => {
    if (!hasChromium) return;
    h = await createHarness(sqliteBackend);
    listener = await listen(h);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await listener?.close();
    await h?.close();
  });

  browserTest(
    'a message sent from the page is answered live; markup in it stays text; no serious axe violation',
    async () => {
      if (!h || !listener || !browser) throw new Error('not started');
      const account = await h.newAccount();
      const c = await createConversation(() => h as Harness, account, { conversation_name: 'Browser check' });
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('dialog', (d) => {
        errors.push(`dialog opened: ${d.message()}`);
        void d.dismiss();
      });
      await page.goto(`${listener.url}${new URL(c.conversation_url).pathname}`);
      await page.getByLabel('Message').fill('<img src=x onerror="alert(1)"> hello there');
      await page.getByRole('button', { name: 'Send' }).click();
      await page.locator('#log .replica').first().waitFor({ timeout: 20_000 });
      const userText = await page.locator('#log .user').first().textContent();
      assert.equal(userText, '<img src=x onerror="alert(1)"> hello there');
      assert.equal(await page.locator('#log img').count(), 0, 'user markup must not become elements');
      assert.deepEqual(await axeViolations(page), []);
      await screenshot(page, 'conversation-page');
      assert.deepEqual(errors, []);
    },
  );
});
