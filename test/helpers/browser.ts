import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Browser, Page } from 'playwright-core';

/**
 * Browser tests: Debian's Chromium (installed by .ci/run: apt-get install -y chromium) driven by
 * playwright-core, never a test tool's own browser download. Where /usr/bin/chromium is missing the suites
 * are skipped with a visible reason (the same rule as the PostgreSQL half), never silently.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const BROWSER_SKIP_REASON = `no Chromium at ${CHROMIUM} (apt-get install -y chromium): browser suite skipped`;
export const hasChromium = existsSync(CHROMIUM);

/** A browser test, or a visible skip when this machine has no Chromium. */
export function browserTest(name: string, fn: () => Promise<void>, opts: { timeout?: number } = {}): void {
  if (!hasChromium) {
    test(name, { skip: BROWSER_SKIP_REASON }, () => {});
    return;
  }
  test(name, { timeout: opts.timeout ?? 120_000 }, fn);
}

/** Launches headless Chromium with the flags CI allows; the caller closes it. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Where a test run saves its screenshots (gitignored; docs/img holds the ones the README and docs/console.md show). */
export const SCREENSHOT_DIR = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * axe-core's serious and critical violations on the page as it is now (axe's own source injected into the
 * page, so it runs offline under the page's CSP: addScriptTag would be refused by script-src 'self', so
 * axe is evaluated through the DevTools protocol, which CSP does not govern).
 */
export async function axeViolations(
  page: Page,
): Promise<{ id: string; impact: string; help: string; nodes: string[] }[]> {
  const { source } = (await import('axe-core')).default as unknown as { source: string };
  await page.evaluate(source);
  const result = (await page.evaluate(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) })))`,
  )) as { id: string; impact: string; help: string; nodes: string[] }[];
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
