/// <reference lib="dom" /> // page.evaluate callbacks run in the browser
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { findBrowser } from './find-browser.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** Where the tests write screenshots of the console's states; copy current ones to docs/images/. */
export const screenshotDir = process.env.CONSOLE_SCREENSHOT_DIR ?? join(repoRoot, '.tmp/console-screenshots');

/**
 * Chromium through playwright-core, headless. Playwright starts Chromium without its sandbox by default
 * (chromiumSandbox: false): as root the sandbox refuses to start, and in containers without user namespaces
 * it cannot; the browser here only ever loads the service under test.
 */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: findBrowser(), headless: true });
}

/** What the page reported that a test must see none of: CSP violations and uncaught errors. */
export interface PageWatch {
  cspViolations: string[];
  pageErrors: string[];
}

/** A fresh context (own sessionStorage) and page, recording CSP violations and uncaught errors. */
export async function openConsolePage(
  browser: Browser,
  url: string,
  viewport = { width: 1200, height: 900 },
): Promise<{ context: BrowserContext; page: Page; watch: PageWatch }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000); // well inside jest's 30 s, so a failure names the step
  const watch: PageWatch = { cspViolations: [], pageErrors: [] };
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) watch.cspViolations.push(message.text());
  });
  page.on('pageerror', (error) => watch.pageErrors.push(error.message));
  // runs before any page script (through the DevTools protocol, which the CSP does not govern)
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) =>
      console.error(`Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`),
    );
  });
  await page.goto(url);
  return { context, page, watch };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical violations on the page as it is now (WCAG 2.x A and AA rules). */
export async function seriousAccessibilityViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource); // evaluated through the protocol: no inline script, no CSP exception
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (o: unknown) => Promise<{ violations: Violation[] }> } })
      .axe;
    interface Violation {
      id: string;
      impact: string | null;
      help: string;
      nodes: { target: unknown[] }[];
    }
    const result = await axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.targets.join(', ')}`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: false });
}
