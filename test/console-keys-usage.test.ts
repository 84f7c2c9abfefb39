import assert from 'node:assert/strict';
import { test } from 'node:test';
import { axis, compact, daysBetween, niceCeil } from '../src/console/ui/usage/scale.ts';
import { axeViolations, browserTest, screenshot } from './helpers/browser.ts';
import { consoleSuite, goTo, signIn } from './helpers/console.ts';

/**
 * The console's Keys & usage page in headless Chromium: a key created with a name and scopes is shown
 * once, listed, and revoked after a confirmation (and then refused by the API); usage charts draw the
 * refines and chats just made, by day, persona and model, with their numbers in tables; a key without
 * the `keys` or `usage` scope is not offered that part. Markup in names stays text.
 */

const XSS = '<img src=x onerror="alert(1)">';

test('chart scale: nice tops, compact labels, every day of a range', () => {
  assert.equal(niceCeil(0), 1);
  assert.equal(niceCeil(7), 10);
  assert.equal(niceCeil(11), 20);
  assert.equal(niceCeil(240), 250);
  assert.equal(niceCeil(1), 1);
  assert.deepEqual(axis(0), { top: 4, ticks: [0, 1, 2, 3, 4] });
  assert.deepEqual(axis(102).ticks, [0, 50, 100, 150, 200]);
  assert.equal(compact(1500), '1.5k');
  assert.equal(compact(2_000_000), '2M');
  assert.deepEqual(daysBetween('2026-01-30', '2026-02-02'), ['2026-01-30', '2026-01-31', '2026-02-01']);
});

consoleSuite('console: keys and usage', (env) => {
  browserTest('create a key (shown once), list it, revoke it after confirming', async () => {
    const { page, problems } = await signIn(env());
    await goTo(page, 'keys');
    await page.getByLabel('Name').fill(`ci ${XSS}`);
    // Only what the signed-in key holds is offered; keep two scopes.
    for (const box of await page.locator('fieldset input[type="checkbox"]').all()) await box.uncheck();
    await page.getByLabel('personas:read').check();
    await page.getByLabel('refine').check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.locator('.new-key .secret').textContent()) ?? '';
    assert.match(secret, /^pk_/);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env().url });
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByText('Copied.').waitFor();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), secret);
    const row = page.locator('tr[data-key]').filter({ hasText: `ci ${XSS}` });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /personas:read, refine/);
    const me = await env().h.request('GET', '/v1/me', { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(me.status, 200, me.text);
    assert.equal(await page.locator('main img').count(), 0);
    assert.deepEqual(await axeViolations(page), []);
    await screenshot(page, 'console-keys');

    await page.getByRole('button', { name: 'Done' }).click();
    assert.equal(await page.locator('.new-key').count(), 0, 'the secret is gone once dismissed');
    await row.getByRole('button', { name: `Revoke ci ${XSS}` }).click();
    await row.getByRole('button', { name: `Yes, revoke ci ${XSS}` }).click();
    await row.locator('.badge-revoked').waitFor();
    const after = await env().h.request('GET', '/v1/me', { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(after.status, 401);
    assert.deepEqual(problems, []);
  });

  browserTest('usage charts draw the refines and chats made, by day, persona and model', async () => {
    const { page, account, problems } = await signIn(env());
    const persona = await env().h.request('POST', '/v1/personas', {
      account,
      json: { name: `Chart ${XSS}`, attributes: { exclamations: 'none' } },
    });
    assert.equal(persona.status, 200, persona.text);
    for (let i = 0; i < 3; i++) {
      const r = await env().h.request('POST', '/v1/refine', {
        account,
        json: { provider: 'local', personaId: persona.body.id, content: 'Great news!' },
      });
      assert.equal(r.status, 200, r.text);
    }
    const chat = await env().h.request('POST', '/v1/chat/completions', {
      account,
      json: { model: persona.body.id, messages: [{ role: 'user', content: 'hello' }] },
    });
    assert.equal(chat.status, 200, chat.text);

    await goTo(page, 'keys');
    const perDay = page.getByRole('img', { name: 'Requests per day' });
    await perDay.waitFor();
    assert.ok((await perDay.locator('rect.chart-bar').count()) >= 30, 'a bar per day of the range');
    const today = new Date().toISOString().slice(0, 10);
    await page.getByText('Show Requests per day as a table').click();
    const todayRow = page.locator('.chart-table tr').filter({ hasText: today });
    assert.equal(await todayRow.locator('td').textContent(), '4');
    const byPersona = page.getByRole('img', { name: 'Requests by persona' });
    await byPersona.waitFor();
    assert.ok(((await byPersona.textContent()) ?? '').includes('Chart <img'));
    await page.getByRole('img', { name: 'Requests by model' }).waitFor();
    await page.getByLabel('Count').selectOption('total_tokens');
    await page.getByRole('img', { name: 'Tokens per day' }).waitFor();
    assert.equal(await page.locator('main img, main svg image, main foreignObject').count(), 0);
    assert.deepEqual(await axeViolations(page), []);
    await screenshot(page, 'console-usage');
    assert.deepEqual(problems, []);
  });

  browserTest("at a phone's width each of these pages fits and keeps no serious axe violation", async () => {
    const { page, account, problems } = await signIn(env(), { viewport: { width: 375, height: 812 } });
    const made = await env().h.request('POST', '/v2/conversations', {
      account,
      json: { conversation_name: `Phone ${XSS}` },
    });
    assert.equal(made.status, 200, made.text);
    for (const [path, name] of [
      ['keys', 'console-keys-usage-phone'],
      ['knowledge', 'console-knowledge-phone'],
      ['conversations', 'console-conversations-phone'],
      [`conversations/${made.body.conversation_id}`, 'console-conversation-phone'],
    ] as const) {
      await goTo(page, path);
      await page.locator('main h1').first().waitFor();
      // Data-driven parts have loaded (a table, a chart or the transcript's state line).
      await page.locator('main table, main svg, main .conv-state, main .empty').first().waitFor();
      const overflow = await page.evaluate('document.documentElement.scrollWidth > window.innerWidth');
      assert.equal(overflow, false, `${path} scrolls sideways at 375px`);
      assert.deepEqual(await axeViolations(page), [], path);
      await screenshot(page, name);
    }
    assert.equal(await page.locator('main img').count(), 0);
    assert.deepEqual(problems, []);
  });

  browserTest('a key without keys or usage scope is not offered those parts', async () => {
    const { page } = await signIn(env(), { keyOptions: { scopes: ['usage', 'personas:read'] } });
    await goTo(page, 'keys');
    await page.getByRole('img', { name: 'Requests per day' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Create key' }).count(), 0);
  });
});
