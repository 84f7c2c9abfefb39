import assert from 'node:assert/strict';
import { axeViolations, browserTest, screenshot } from './helpers/browser.ts';
import { consoleSuite, goTo, signIn } from './helpers/console.ts';

/** The personas list and a persona's page in headless Chromium. */

const XSS_NAME = '<img src=x onerror=alert(1)>';
const XSS_TEXT = '"><script>alert(2)</script><img src=x onerror=alert(3)>';

consoleSuite('console: personas', (env) => {
  browserTest('create a persona, set its style rules in the form; the API holds them', async () => {
    const { page, account, problems } = await signIn(env());
    await page.getByRole('button', { name: 'New persona' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Support voice');
    await page.getByLabel('Description').fill('Answers billing tickets.');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('heading', { name: 'Support voice', level: 1 }).waitFor();
    const rules = page.getByRole('form', { name: 'Style rules' });
    await rules.getByLabel('emoji').selectOption('none');
    await rules.getByLabel('exclamations').selectOption('none');
    await rules.getByLabel('Max words').fill('abc');
    await rules.getByRole('button', { name: 'Save style rules' }).click();
    // The API's own rule, run in the page: said beside the field, nothing sent.
    await rules.getByText('must be a positive integer').waitFor();
    await rules.getByLabel('Max words').fill('40');
    await rules.getByLabel('Vocabulary').fill('customer = member');
    await rules.getByLabel('Banned phrases').fill('as an AI language model');
    await rules.getByLabel('Other attributes').fill('tone: warm');
    await rules.getByRole('button', { name: 'Save style rules' }).click();
    await page.getByText('Style rules saved.').waitFor();
    const id = new URL(page.url()).hash.split('/')[2] ?? '';
    const stored = await env().h.request('GET', `/v1/personas/${id}`, { account });
    assert.deepEqual(stored.body.attributes, {
      emoji: 'none',
      exclamations: 'none',
      max_words: 40,
      banned_phrases: ['as an AI language model'],
      vocabulary: { customer: 'member' },
      tone: 'warm',
    });
    assert.deepEqual(await axeViolations(page), []);
    await screenshot(page, 'console-persona');
    assert.deepEqual(problems, []);
    await page.close();
  });

  browserTest('the system prompt and context are saved through the Tavus API', async () => {
    const { page, account, problems } = await signIn(env());
    const made = await env().h.request('POST', '/v1/personas', { account, json: { name: 'Prompted' } });
    await goTo(page, `personas/${made.body.id}`);
    const form = page.getByRole('form', { name: 'System prompt and context' });
    await form.getByLabel('System prompt').fill('You answer billing questions.');
    await form.getByLabel('Context').fill('Invoices go out on the 1st.');
    await form.getByRole('button', { name: 'Save prompt and context' }).click();
    await page.getByText('System prompt and context saved.').waitFor();
    const t = await env().h.request('GET', `/v2/personas/${made.body.id}`, { account });
    assert.equal(t.body.data[0].system_prompt, 'You answer billing questions.');
    assert.equal(t.body.data[0].context, 'Invoices go out on the 1st.');
    assert.deepEqual(problems, []);
    await page.close();
  });

  browserTest('markup in every text field stays text: no dialog, no element made from it', async () => {
    const { page, account, problems } = await signIn(env());
    const made = await env().h.request('POST', '/v1/personas', {
      account,
      json: {
        name: XSS_NAME,
        description: XSS_TEXT,
        attributes: {
          tone: XSS_TEXT,
          greeting: XSS_NAME,
          sign_off: XSS_TEXT,
          vocabulary: { [XSS_NAME]: XSS_TEXT },
        },
      },
    });
    assert.equal(made.status, 200, made.text);
    await env().h.request('POST', '/v2/personas', {
      account,
      json: { persona_name: XSS_NAME, system_prompt: XSS_TEXT, context: XSS_TEXT },
    });
    await goTo(page, 'personas');
    await page.getByRole('link', { name: XSS_NAME }).first().waitFor();
    assert.ok(((await page.locator('main').textContent()) ?? '').includes(XSS_TEXT));
    // Newest first: the last is the /v1 one, with the attributes.
    await page.getByRole('link', { name: XSS_NAME }).last().click();
    await page.getByRole('heading', { name: XSS_NAME, level: 1 }).waitFor();
    await page.getByRole('form', { name: 'Style rules' }).waitFor();
    await page.getByText('System prompt').first().waitFor();
    assert.equal(await page.locator('main img').count(), 0, 'markup became an element');
    assert.equal(await page.locator('main script').count(), 0, 'markup became a script');
    assert.equal(await page.getByLabel('Greeting').inputValue(), XSS_NAME);
    await goTo(page, 'playground');
    await page.getByLabel('Persona').selectOption({ label: XSS_NAME });
    assert.equal(await page.locator('main img').count(), 0);
    assert.deepEqual(problems, []);
    await page.close();
  });

  browserTest('the list: badges, search, pages; at phone width too', async () => {
    const { page, account, problems } = await signIn(env(), { viewport: { width: 375, height: 812 } });
    for (let i = 0; i < 22; i++)
      await env().h.request('POST', '/v1/personas', {
        account,
        json: { name: `Listed ${String(i).padStart(2, '0')}` },
      });
    await env().h.request('POST', '/v2/personas', {
      account,
      json: { persona_name: 'Tavus voice', system_prompt: 'Hi.' },
    });
    await goTo(page, 'personas');
    const list = page.getByRole('list', { name: 'Personas' });
    await list.getByText('Tavus voice').waitFor();
    assert.equal(await list.getByRole('listitem').count(), 20);
    assert.equal(await list.locator('.badge-tavus').count(), 1);
    await page.getByRole('button', { name: 'Next' }).click();
    await list.getByText('Listed 00').waitFor();
    assert.equal(await list.getByRole('listitem').count(), 3);
    await page.getByLabel('Search by name').fill('tavus');
    await list.getByRole('listitem').nth(1).waitFor({ state: 'detached' });
    assert.equal(await list.getByRole('listitem').first().locator('.title').textContent(), 'Tavus voice');
    const overflow = await page.evaluate('document.documentElement.scrollWidth > window.innerWidth');
    assert.equal(overflow, false, 'the page scrolls sideways at 375px');
    assert.deepEqual(await axeViolations(page), []);
    await screenshot(page, 'console-personas-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByLabel('Search by name').fill('');
    await list.getByText('Listed 21').waitFor();
    await screenshot(page, 'console-personas');
    assert.deepEqual(problems, []);
    await page.close();
  });

  browserTest('a read-only key sees personas but no way to change them', async () => {
    const owner = await env().h.newAccount();
    await env().h.request('POST', '/v1/personas', { account: owner, json: { name: 'Look only' } });
    // Another key of the same account, holding only personas:read.
    const key = await env().h.request('POST', '/v1/keys', {
      account: owner,
      json: { scopes: ['personas:read'] },
    });
    assert.equal(key.status, 201, key.text);
    const { page, problems } = await signIn(env(), {
      account: {
        key: key.body.key,
        accountId: owner.accountId,
        auth: { authorization: `Bearer ${key.body.key}` },
      },
    });
    await page.getByRole('link', { name: 'Look only' }).click();
    await page.getByRole('heading', { name: 'Look only', level: 1 }).waitFor();
    await page.getByRole('form', { name: 'Style rules' }).waitFor();
    for (const name of ['New persona', 'Save style rules', 'Save fields', 'Delete this persona'])
      assert.equal(await page.getByRole('button', { name }).count(), 0, `${name} is offered`);
    assert.equal(await page.getByRole('link', { name: 'Playground' }).count(), 0);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
