import assert from 'node:assert/strict';
import { axeViolations, browserTest, screenshot } from './helpers/browser.ts';
import { consoleSuite, goTo, signIn } from './helpers/console.ts';
import { upload, waitForDocument } from './helpers/knowledge.ts';

/** The playground's chat with a persona that has a document: the answer shows its citation. */

const HANDBOOK = [
  '# Building',
  '',
  "Our office opens at nine. The parking garage is under building B. The garage isn't open on Sundays.",
].join('\n');

consoleSuite(
  'console: chat with knowledge',
  (env) => {
    browserTest(
      'an answer from a document shows the passage it cites; the document name stays text',
      async () => {
        const { page, account, problems } = await signIn(env());
        const tag = `handbook-${Date.now()}`;
        const r = await upload(
          env().h,
          account,
          { name: '<img src=x onerror=alert(1)>.md', type: 'text/markdown', text: HANDBOOK },
          { tags: tag },
        );
        assert.equal(r.status, 200, r.text);
        assert.equal((await waitForDocument(env().h, account, r.body.document_id)).status, 'ready');
        const p = await env().h.request('POST', '/v2/personas', {
          account,
          json: {
            persona_name: 'Front desk',
            system_prompt: 'Answer from the handbook.',
            document_tags: [tag],
          },
        });
        assert.equal(p.status, 200, p.text);
        await goTo(page, `playground?persona=${p.body.persona_id}`);
        await page.getByRole('tab', { name: 'Chat' }).click();
        await page.getByLabel('Message').fill('Where is the parking garage?');
        await page.getByRole('button', { name: 'Send' }).click();
        const sources = page.locator('.msg-assistant .citations');
        await sources.waitFor();
        assert.match((await sources.textContent()) ?? '', /parking garage is under building B/);
        assert.match((await sources.textContent()) ?? '', /<img src=x onerror=alert\(1\)>/);
        assert.match((await page.locator('.msg-assistant .msg-text').textContent()) ?? '', /\[1\]/);
        assert.equal(await page.locator('main img').count(), 0);
        assert.deepEqual(await axeViolations(page), []);
        await screenshot(page, 'console-playground-chat-citations');
        assert.deepEqual(problems, []);
        await page.close();
      },
    );
  },
  {},
  { startJobs: true },
);
