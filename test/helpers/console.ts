import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { buildConsole } from '../../scripts/console-build.mjs';
import type { KeyOptions } from '../../src/core/api-keys.ts';
import { type Backend, backends } from './backends.ts';
import { hasChromium, launchChromium } from './browser.ts';
import { type Account, createHarness, type Harness, type HarnessOptions, listen } from './harness.ts';

/**
 * The web console in headless Chromium, for test/console-*.test.ts: builds the console from the sources
 * into a directory of this process's own (so parallel test files never share a half-written build), starts
 * a harness server on a loopback socket serving it, and launches the browser. `consoleSuite` wraps that in
 * a describe with before/after; `signIn` opens a page signed in as a new account (or the one given).
 * One backend (SQLite) is enough here: the storage paths are the API suites' business.
 */

export interface ConsoleEnv {
  h: Harness;
  /** The server's origin, e.g. http://127.0.0.1:41234 */
  url: string;
  browser: Browser;
}

export interface SignedIn {
  page: Page;
  account: Account;
  /** Page errors, dialogs opened, console errors (CSP refusals show there): a test asserts it stays []. */
  problems: string[];
}

const sqliteBackend = backends.find((b) => b.backend.name === 'sqlite')?.backend as Backend;

export async function startConsole(
  env: Record<string, string> = {},
  options: HarnessOptions = {},
): Promise<ConsoleEnv & { close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'personakit-console-'));
  await buildConsole(await import('esbuild'), dir);
  const h = await createHarness(sqliteBackend, { PERSONAKIT_CONSOLE_DIR: dir, ...env }, options);
  const server = await listen(h);
  const browser = await launchChromium();
  return {
    h,
    url: server.url,
    browser,
    async close() {
      await browser.close();
      await server.close();
      await h.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A describe block with the console started before its tests and stopped after them. */
export function consoleSuite(
  title: string,
  body: (env: () => ConsoleEnv) => void,
  env: Record<string, string> = {},
  options: HarnessOptions = {},
): void {
  describe(title, () => {
    let started: (ConsoleEnv & { close(): Promise<void> }) | undefined;
    before(async () => {
      if (hasChromium) started = await startConsole(env, options);
    });
    after(async () => {
      await started?.close();
    });
    body(() => {
      if (!started) throw new Error('console not started');
      return started;
    });
  });
}

/** Collects what must not happen on a console page (`origin`: the only place it may fetch from). */
export function watchProblems(page: Page, origin?: string): string[] {
  const problems: string[] = [];
  // Offline and no CDN: every request goes to the server itself (blob: and data: are the page's own).
  page.on('request', (r) => {
    const url = r.url();
    if (origin && !url.startsWith(`${origin}/`) && !url.startsWith('blob:') && !url.startsWith('data:'))
      problems.push(`request to another origin: ${url}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${String(e)}`));
  page.on('dialog', (d) => {
    problems.push(`dialog opened: ${d.message()}`);
    void d.dismiss();
  });
  page.on('console', (m) => {
    // A 4xx the test provoked on purpose is logged by Chromium as a failed resource: not a problem.
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text()))
      problems.push(`console error: ${m.text()}`);
  });
  return problems;
}

/** A new page showing the sign-in form (the key not yet given). */
export async function openConsole(
  e: ConsoleEnv,
  viewport = { width: 1280, height: 900 },
): Promise<{ page: Page; problems: string[] }> {
  const page = await e.browser.newPage({ viewport });
  const problems = watchProblems(page, e.url);
  await page.goto(`${e.url}/console`);
  await page.getByLabel('API key').waitFor();
  return { page, problems };
}

/** A page signed in with a key of a new account (holding `keyOptions`' scopes), or of `account`. */
export async function signIn(
  e: ConsoleEnv,
  opts: { account?: Account; keyOptions?: KeyOptions; viewport?: { width: number; height: number } } = {},
): Promise<SignedIn> {
  const account = opts.account ?? (await e.h.newAccount(opts.keyOptions));
  const { page, problems } = await openConsole(e, opts.viewport);
  await page.getByLabel('API key').fill(account.key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return { page, account, problems };
}

/** Goes to a console route (`personas/p_1`), loaded afresh, and waits for its heading. */
export async function goTo(page: Page, path: string): Promise<void> {
  const target = `#/${path}`;
  if (new URL(page.url()).hash === target) await page.reload();
  else await page.evaluate(`location.hash = ${JSON.stringify(target)}`);
  await page.locator('main h1').first().waitFor();
}
