import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';

/**
 * Debian's chromium, driven by playwright-core: no browser is ever downloaded. `.ci/run`
 * installs it with apt-get and sets PIPECTL_REQUIRE_BROWSER=1, so that in CI a missing browser
 * fails the browser tests instead of skipping them; elsewhere they skip and say why.
 */
export const chromiumPath: string | undefined = [
  process.env.PIPECTL_CHROMIUM,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
].find((p): p is string => typeof p === 'string' && p !== '' && existsSync(p));
export const browserRequired = process.env.PIPECTL_REQUIRE_BROWSER === '1';
export const browserMissing =
  'chromium is not installed (apt-get install -y chromium, or set PIPECTL_CHROMIUM): the browser tests are skipped';
if (!chromiumPath && !browserRequired) process.stderr.write(`  ${browserMissing}\n`);

/** Where the tests save their screenshots (ignored by git). */
export const screenshotDir = path.resolve('.test-results/screenshots');

export async function launchChromium(): Promise<Browser> {
  if (!chromiumPath)
    throw new Error(`PIPECTL_REQUIRE_BROWSER=1 and ${browserMissing.replace(': the browser tests are skipped', '')}`);
  const { chromium } = await import('playwright-core');
  // --no-sandbox: CI runs as root, where chromium refuses its sandbox.
  return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
}

/** What a page did while it loaded: console errors, uncaught errors, dialogs, and every request other than the file itself. */
export interface OpenedPage {
  page: Page;
  errors: string[];
  requests: string[];
  close(): Promise<void>;
}

/**
 * Opens an HTML file from disk (file://) at a viewport width. Every request the page makes,
 * bar the document itself, is recorded and aborted, so "no network at all" is asserted, not assumed.
 */
export async function openFile(browser: Browser, file: string, width: number): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  const url = pathToFileURL(file).href;
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('request', (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  await context.route('**/*', (route) =>
    route.request().url() === url ? route.continue() : route.abort('blockedbyclient'),
  );
  await page.goto(url, { waitUntil: 'load' });
  return { page, errors, requests, close: () => context.close() };
}

/** Whether the document scrolls sideways: the layout does not hold at this width. */
export function horizontalOverflow(page: Page): Promise<number> {
  // A string, since the test code is compiled without the DOM's types.
  return page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
}

/** Saves a full-page screenshot under .test-results/screenshots (compared with nothing). */
export async function saveScreenshot(page: Page, name: string, file?: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const target = file ?? path.join(screenshotDir, `${name}.png`);
  mkdirSync(path.dirname(target), { recursive: true });
  await page.screenshot({ path: target, fullPage: true });
  return target;
}
