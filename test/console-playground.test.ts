import assert from 'node:assert/strict';
import { axeViolations, browserTest, screenshot } from './helpers/browser.ts';
import { consoleSuite, goTo, signIn } from './helpers/console.ts';

/** The playground in headless Chromium: refine with the local engine, and chat. */

consoleSuite('console: playground', (env) => {
  browserTest(
    'refine locally: the original fails a check, the result passes it, changes marked',
    async () => {
      const { page, account, problems } = await signIn(env());
      const made = await env().h.request('POST', '/v1/personas', {
        account,
        json: {
          name: 'Calm voice',
          attributes: { exclamations: 'none', vocabulary: { customer: 'member' } },
        },
      });
      await goTo(page, `playground?persona=${made.body.id}`);
      await page.getByLabel('Answer to refine').fill('Hello customer! We got your ticket!');
      await page.getByRole('button', { name: 'Refine' }).click();
      const before = page.getByTestId('checks-before');
      const after = page.getByTestId('checks-after');
      await after.locator('[data-rule="exclamations"]').waitFor();
      assert.equal(await before.locator('[data-rule="exclamations"]').getAttribute('data-passed'), 'false');
      assert.equal(await after.locator('[data-rule="exclamations"]').getAttribute('data-passed'), 'true');
      assert.match((await before.textContent()) ?? '', /failed/);
      const result = (await page.getByTestId('diff-after').textContent()) ?? '';
      assert.ok(!result.includes('!') && result.includes('member'), result);
      assert.ok((await page.getByTestId('diff-after').locator('ins').count()) > 0, 'no added word marked');
      assert.ok((await page.getByTestId('diff-before').locator('del').count()) > 0, 'no removed word marked');
      assert.deepEqual(await axeViolations(page), []);
      await screenshot(page, 'console-playground-refine');
      assert.deepEqual(problems, []);
      await page.close();
    },
  );

  browserTest('refine without streaming gives the same result', async () => {
    const { page, account, problems } = await signIn(env());
    const made = await env().h.request('POST', '/v1/personas', {
      account,
      json: { name: 'Plain voice', attributes: { exclamations: 'none' } },
    });
    await goTo(page, `playground?persona=${made.body.id}`);
    await page.getByLabel('Stream the answer as it comes').uncheck();
    await page.getByLabel('Answer to refine').fill('Great news!');
    await page.getByRole('button', { name: 'Refine' }).click();
    await page
      .getByTestId('checks-after')
      .locator('[data-rule="exclamations"][data-passed="true"]')
      .waitFor();
    assert.equal(await page.getByTestId('diff-after').textContent(), 'Great news.');
    assert.deepEqual(problems, []);
    await page.close();
  });

  browserTest("the API's refusal is said in words (a provider without its key)", async () => {
    const { page, account, problems } = await signIn(env());
    const made = await env().h.request('POST', '/v1/personas', { account, json: { name: 'Keyless' } });
    await goTo(page, `playground?persona=${made.body.id}`);
    await page.getByLabel('Provider').selectOption('openai');
    await page.getByLabel('Answer to refine').fill('Hello there.');
    await page.getByRole('button', { name: 'Refine' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /providerApiKey/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  browserTest('chat with the persona: the answer streams in and shows its checks', async () => {
    const { page, account, problems } = await signIn(env());
    const made = await env().h.request('POST', '/v1/personas', {
      account,
      json: { name: 'Chatty <b>voice</b>', attributes: { emoji: 'none' } },
    });
    await goTo(page, `playground?persona=${made.body.id}`);
    // By keyboard: the arrow key moves from the Refine tab to the Chat tab.
    await page.getByRole('tab', { name: 'Refine' }).focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.getByRole('tab', { name: 'Chat' }).getAttribute('aria-selected'), 'true');
    await page.getByLabel('Message').fill('Hello <img src=x onerror=alert(1)> there');
    await page.getByRole('button', { name: 'Send' }).click();
    const answer = page.locator('.msg-assistant').first();
    await answer.locator('details summary').waitFor();
    assert.equal(
      await page.locator('.msg-user .msg-text').first().textContent(),
      'Hello <img src=x onerror=alert(1)> there',
    );
    assert.equal(await page.locator('main img').count(), 0);
    assert.ok(((await answer.locator('.msg-text').textContent()) ?? '').length > 0, 'empty answer');
    assert.deepEqual(await axeViolations(page), []);
    await screenshot(page, 'console-playground-chat');
    assert.deepEqual(problems, []);
    await page.close();
  });
});
