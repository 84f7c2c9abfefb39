import assert from 'node:assert/strict';
import { axeViolations, browserTest, screenshot } from './helpers/browser.ts';
import { consoleSuite, openConsole, signIn } from './helpers/console.ts';

/** The console's shell in headless Chromium: sign in (a wrong key said in words), scopes, sign out. */
consoleSuite('console: sign in and the shell', (env) => {
  browserTest('a wrong key is refused in words; no serious axe violation on the sign-in page', async () => {
    const { page, problems } = await openConsole(env());
    await page.getByLabel('API key').fill('pk_not_a_real_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /not accepted/);
    assert.deepEqual(await axeViolations(page), []);
    await screenshot(page, 'console-sign-in');
    assert.deepEqual(problems, []);
    await page.close();
  });

  browserTest('signed in, the nav offers what the key may do; sign out forgets the key', async () => {
    const { page, problems } = await signIn(env());
    const nav = page.getByRole('navigation', { name: 'Sections' });
    for (const name of ['Personas', 'Playground', 'Knowledge', 'Conversations', 'Keys & usage'])
      await nav.getByRole('link', { name }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    assert.equal(await page.evaluate('sessionStorage.length'), 0);
    await page.reload();
    await page.getByLabel('API key').waitFor();
    assert.deepEqual(problems, []);
    await page.close();
  });

  browserTest('a key with only refine sees the playground and no persona or key pages', async () => {
    const { page, problems } = await signIn(env(), { keyOptions: { scopes: ['refine'] } });
    const nav = page.getByRole('navigation', { name: 'Sections' });
    await nav.getByRole('link', { name: 'Playground' }).waitFor();
    for (const name of ['Personas', 'Knowledge', 'Conversations', 'Keys & usage'])
      assert.equal(
        await nav.getByRole('link', { name }).count(),
        0,
        `${name} is offered to a refine-only key`,
      );
    assert.deepEqual(problems, []);
    await page.close();
  });
});
