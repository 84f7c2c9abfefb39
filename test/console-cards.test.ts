import assert from 'node:assert/strict';
import { axeViolations, browserTest, screenshot } from './helpers/browser.ts';
import { pngCard } from './helpers/card-files.ts';
import { consoleSuite, goTo, signIn } from './helpers/console.ts';

/** Character cards and versions in headless Chromium: import by drag-and-drop, export, restore. */

consoleSuite('console: cards and versions', (env) => {
  browserTest('a PNG card dropped on the list becomes a persona with its badge', async () => {
    const { page, problems } = await signIn(env());
    const card = pngCard('chara', {
      name: 'Dropped <img src=x onerror=alert(1)>',
      description: 'From a card',
    });
    // A real drop: a DataTransfer holding the file, dispatched on the drop zone.
    const drop = await page.evaluateHandle(`(() => {
      const bytes = Uint8Array.from(atob(${JSON.stringify(card.toString('base64'))}), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'card.png', { type: 'image/png' }));
      return dt;
    })()`);
    await page.getByTestId('card-drop').dispatchEvent('dragover', { dataTransfer: drop });
    await page.getByTestId('card-drop').dispatchEvent('drop', { dataTransfer: drop });
    await page.getByRole('heading', { name: 'Dropped <img src=x onerror=alert(1)>', level: 1 }).waitFor();
    await goTo(page, 'personas');
    const item = page.getByRole('list', { name: 'Personas' }).getByRole('listitem').first();
    await item.getByText('Imported card').waitFor();
    assert.equal(await item.locator('.badge-card').count(), 1);
    assert.equal(await page.locator('main img').count(), 0);
    assert.deepEqual(problems, []);
    await page.close();
  });

  browserTest(
    'the file picker imports a card too (keyboard users); export downloads a PNG card',
    async () => {
      const { page, problems } = await signIn(env());
      await page.getByLabel('choose a card file').setInputFiles({
        name: 'picked.png',
        mimeType: 'image/png',
        buffer: pngCard('chara', { name: 'Picked', description: 'Chosen with the picker' }),
      });
      await page.getByRole('heading', { name: 'Picked', level: 1 }).waitFor();
      const download = page.waitForEvent('download');
      await page.getByRole('button', { name: 'Download PNG card' }).click();
      const file = await download;
      assert.match(file.suggestedFilename(), /\.png$/);
      assert.deepEqual(problems, []);
      await page.close();
    },
  );

  browserTest('versions: compare two, restore an older one', async () => {
    const { page, account, problems } = await signIn(env());
    const made = await env().h.request('POST', '/v1/personas', { account, json: { name: 'First name' } });
    const id = made.body.id as string;
    await env().h.request('PATCH', `/v1/personas/${id}`, { account, json: { name: 'Second name' } });
    await goTo(page, `personas/${id}`);
    await page.getByRole('heading', { name: 'Second name', level: 1 }).waitFor();
    const compare = page.getByRole('form', { name: 'Compare versions' });
    await compare.getByLabel('From').selectOption('1');
    await compare.getByLabel('To').selectOption('2');
    await compare.getByRole('button', { name: 'Compare' }).click();
    await page
      .getByRole('table')
      .filter({ hasText: 'From version 1 to version 2' })
      .getByText('Second name')
      .waitFor();
    await page.getByRole('button', { name: 'Restore version 1' }).click();
    await page.getByRole('button', { name: 'Confirm restore of 1' }).click();
    await page.getByRole('heading', { name: 'First name', level: 1 }).waitFor();
    await page.getByText('restored from 1').waitFor();
    const stored = await env().h.request('GET', `/v1/personas/${id}`, { account });
    assert.equal(stored.body.name, 'First name');
    assert.equal(stored.body.version, 3);
    assert.deepEqual(await axeViolations(page), []);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
