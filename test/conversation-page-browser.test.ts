import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import type { Browser } from 'playwright-core';
import { buildRoom } from '../scripts/room-build.mjs';
import { type Backend, backends } from './helpers/backends.ts';
import { axeViolations, browserTest, hasChromium, launchChromium, screenshot } from './helpers/browser.ts';
import { createConversation } from './helpers/conversations.ts';
import { createHarness, type Harness, listen } from './helpers/harness.ts';

const sqliteBackend = backends.find((b) => b.backend.name === 'sqlite')?.backend as Backend;

/**
 * conversation_url in a real browser (Debian's headless Chromium): the page connects to its event stream,
 * a message typed and sent comes back as the persona's answer, user text is rendered inert, and axe-core
 * finds no serious violation. Twice: with the console's chat view built (scripts/room-build.mjs), and
 * without a build (the plain script an install from the sources serves). One backend is enough here:
 * the storage paths are the API suites' business.
 */
for (const built of [true, false]) {
  describe(`conversation page in headless Chromium (${built ? 'chat view bundle' : 'no build: plain script'})`, () => {
    let h: (Harness & { close(): Promise<void> }) | undefined;
    let listener: Awaited<ReturnType<typeof listen>> | undefined;
    let browser: Browser | undefined;
    // A directory of this run's own: the built bundle, or nothing (so a dist/ build is not picked up).
    const dir = mkdtempSync(join(tmpdir(), 'personakit-room-'));
    before(async () => {
      if (!hasChromium) return;
      if (built) await buildRoom(await import('esbuild'), dir);
      h = await createHarness(sqliteBackend, { PERSONAKIT_CONSOLE_DIR: dir });
      listener = await listen(h);
      browser = await launchChromium();
    });
    after(async () => {
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
  });
}
