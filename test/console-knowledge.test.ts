import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { axeViolations, browserTest, screenshot } from './helpers/browser.ts';
import { consoleSuite, goTo, signIn } from './helpers/console.ts';
import { localSite, upload } from './helpers/knowledge.ts';

/**
 * The console's Knowledge page and a persona's Documents section in headless Chromium: a file uploaded by
 * the file picker reaches `ready` on its own (the list polls), its extracted text is shown, a search shows
 * passages with scores; a web address with crawl settings is added; a persona gets a document attached,
 * uploaded and detached. Markup in names and contents stays text; axe finds no serious violation.
 */

const XSS = '<img src=x onerror="alert(1)">';
const NOTES = [
  '# Lighthouse keeping',
  '',
  `The keeper ${XSS} winds the lamp clockwork every four hours through the night.`,
  '',
  '## Fog signals',
  '',
  'In fog the keeper sounds the horn twice a minute until the fog lifts.',
].join('\n');

/** No element came from user markup, and no script ran (a dialog would be a problem). */
async function assertInert(page: Page, problems: string[]): Promise<void> {
  assert.equal(await page.locator('main img').count(), 0, 'user markup must not become elements');
  assert.deepEqual(problems, []);
}

consoleSuite(
  'console: knowledge',
  (env) => {
    browserTest('upload a file, watch it become ready, read its text, search it', async () => {
      const { page, problems } = await signIn(env());
      await goTo(page, 'knowledge');
      await page.getByLabel('Choose files').setInputFiles({
        name: '<img src=x onerror=alert(1)>lighthouse.md',
        mimeType: 'text/markdown',
        buffer: Buffer.from(NOTES),
      });
      const row = page.locator('tr[data-doc]').filter({ hasText: 'lighthouse.md' });
      await row.locator('[data-status="ready"]').waitFor({ timeout: 30_000 });
      // The name is the file name, markup and all, shown as text.
      assert.equal(await row.locator('th a').textContent(), '<img src=x onerror=alert(1)>lighthouse.md');
      await assertInert(page, problems);
      assert.deepEqual(await axeViolations(page), []);
      await screenshot(page, 'console-knowledge');

      await page.getByLabel('Search for').fill('fog horn');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      const passage = page.locator('.passage').first();
      await passage.waitFor();
      assert.match((await passage.textContent()) ?? '', /horn twice a minute/);
      const score = ((await passage.locator('.score').textContent()) ?? '').replace('score ', '');
      assert.ok(Number(score) > 0, `a positive score is shown, got ${score}`);
      assert.match((await passage.textContent()) ?? '', /Fog signals/, 'the heading path is shown');
      await screenshot(page, 'console-knowledge-search');

      await row.locator('th a').click();
      const text = page.getByLabel('Extracted text');
      await text.waitFor();
      assert.match((await text.textContent()) ?? '', /winds the lamp clockwork/);
      assert.ok(((await text.textContent()) ?? '').includes(XSS), 'extracted markup is shown as text');
      await assertInert(page, problems);
      assert.deepEqual(await axeViolations(page), []);
      await screenshot(page, 'console-knowledge-document');
    });

    browserTest('a web address with crawl settings is added and crawled', async () => {
      const site = await localSite((req, _body, res) => {
        res.setHeader('content-type', 'text/html; charset=utf-8');
        if (req.url === '/') {
          res.end(
            `<html><head><title>Tides</title></head><body><main><h1>Tides</h1><p>High tide comes twice a day. ${XSS}</p><a href="/neap">Neap</a></main></body></html>`,
          );
        } else if (req.url === '/neap') {
          res.end(
            '<html><body><main><h1>Neap tides</h1><p>Neap tides are the weakest tides.</p></main></body></html>',
          );
        } else {
          res.statusCode = 404;
          res.end('not found');
        }
      });
      try {
        const { page, problems } = await signIn(env());
        await goTo(page, 'knowledge');
        await page.getByLabel('URL').fill(`${site.url}/`);
        await page.getByLabel('Name (optional)').fill(`Tides ${XSS}`);
        await page.getByLabel('Crawl linked pages of the same site').check();
        await page.getByLabel('Depth (1–10)').fill('2');
        await page.getByLabel('Most pages (1–100)').fill('5');
        await page.getByRole('button', { name: 'Add URL' }).click();
        const row = page.locator('tr[data-doc]').filter({ hasText: 'Tides' });
        await row.locator('[data-status="ready"]').waitFor({ timeout: 30_000 });
        await row.locator('th a').click();
        await page.getByRole('heading', { name: /Pages crawled \(2\)/ }).waitFor();
        assert.match((await page.getByLabel('Extracted text').textContent()) ?? '', /weakest tides/);
        await assertInert(page, problems);
        await page.getByRole('button', { name: 'Delete' }).click();
        await page.getByRole('button', { name: 'Yes, delete it' }).click();
        await page.getByRole('heading', { level: 1, name: 'Knowledge' }).waitFor();
        await page.getByText('No documents yet.').waitFor();
      } finally {
        await site.close();
      }
    });

    browserTest(
      'a file dropped on the zone is uploaded; a file the server cannot read says why',
      async () => {
        const { page, problems } = await signIn(env());
        await goTo(page, 'knowledge');
        // Built in the page (the test's own types have no DOM): a text file, and bytes no extractor reads.
        const drop = await page.evaluateHandle(`(() => {
        const d = new DataTransfer();
        d.items.add(new File(['Dropped notes about tides.'], 'dropped.txt', { type: 'text/plain' }));
        d.items.add(new File([new Uint8Array([0, 159, 146, 150, 0, 1, 2])], 'blob.bin', { type: 'application/x-thing' }));
        return d;
      })()`);
        await page.locator('.drop').first().dispatchEvent('drop', { dataTransfer: drop });
        const dropped = page.locator('tr[data-doc]').filter({ hasText: 'dropped.txt' });
        await dropped.locator('[data-status="ready"]').waitFor({ timeout: 30_000 });
        const blob = page.locator('tr[data-doc]').filter({ hasText: 'blob.bin' });
        await blob.locator('[data-status="error"]').waitFor({ timeout: 30_000 });
        assert.match((await blob.locator('.error-text').textContent()) ?? '', /\w+/, 'the reason in words');
        assert.deepEqual(problems, []);
      },
    );

    browserTest('an API error is shown in words', async () => {
      const { page } = await signIn(env());
      await goTo(page, 'knowledge');
      await page.getByLabel('URL').fill('http://10.0.0.1/private');
      await page.getByRole('button', { name: 'Add URL' }).click();
      const alert = page.locator('.url-form [role="alert"]');
      await alert.waitFor();
      assert.match((await alert.textContent()) ?? '', /private|not allowed|refused/i);
    });

    browserTest("a persona's documents: upload to it, attach, detach", async () => {
      const { page, account, problems } = await signIn(env());
      const made = await env().h.request('POST', '/v2/personas', {
        account,
        json: {
          persona_name: `Keeper ${XSS}`,
          system_prompt: 'You keep a lighthouse.',
          pipeline_mode: 'full',
        },
      });
      assert.equal(made.status, 200, made.text);
      const other = await upload(
        env().h,
        account,
        { name: 'other.txt', type: 'text/plain', text: 'Other notes.' },
        { document_name: `Other ${XSS}` },
      );
      assert.equal(other.status, 200, other.text);
      await goTo(page, `personas/${made.body.persona_id}`);
      const section = page.locator('.persona-docs');
      await section.getByLabel('Choose files').setInputFiles({
        name: 'keeper.md',
        mimeType: 'text/markdown',
        buffer: Buffer.from(NOTES),
      });
      await section
        .locator('tbody tr')
        .filter({ hasText: 'keeper.md' })
        .locator('[data-status="ready"]')
        .waitFor({
          timeout: 30_000,
        });
      await section.getByLabel('Attach a document').selectOption(other.body.document_id);
      await section.getByRole('button', { name: 'Attach', exact: true }).click();
      await section.getByRole('button', { name: `Detach Other ${XSS}` }).waitFor();
      const persona = await env().h.request('GET', `/v2/personas/${made.body.persona_id}`, { account });
      assert.equal(persona.body.data[0].document_ids.length, 2);
      await assertInert(page, problems);
      assert.deepEqual(await axeViolations(page), []);
      await screenshot(page, 'console-persona-documents');

      await section.getByRole('button', { name: `Detach Other ${XSS}` }).click();
      await section.getByRole('button', { name: `Detach Other ${XSS}` }).waitFor({ state: 'detached' });
      const after = await env().h.request('GET', `/v2/personas/${made.body.persona_id}`, { account });
      assert.equal(after.body.data[0].document_ids.length, 1);
    });
  },
  { PERSONAKIT_ALLOWED_HOSTS: '127.0.0.1' },
  { startJobs: true },
);
