/// <reference lib="dom" /> // page.evaluate callbacks run in the browser
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser } from 'playwright-core';
import {
  launchDevStart,
  launcherDataDir,
  type LaunchedDevStart,
} from '../../devtools/test/support/launch-dev-start.js';
import { launchBrowser, openConsolePage, screenshot } from './support/console-browser.js';

/**
 * The acceptance journey of a new user: `npm start` (embedded stores, the repository's docs/ seeded into
 * the `docs` collection), then the page at `/` with nothing but the dev admin key the launcher prints. The
 * launcher builds the console itself, so this also proves a fresh clone needs no separate build step.
 */
describe('npm start, then a first question in the browser', () => {
  const dataDir = launcherDataDir('slipway-console-start-');
  let launched: LaunchedDevStart;
  let url = '';
  let browser: Browser;

  beforeAll(async () => {
    launched = await launchDevStart(dataDir);
    url = launched.url;
    browser = await launchBrowser();
    if (!(await launched.printed('Dev admin key', 90_000))) {
      throw new Error(`npm start printed no key (exit ${launched.child.exitCode}):\n${launched.output()}`);
    }
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    if (launched && launched.child.exitCode === null) {
      launched.child.kill('SIGTERM');
      await launched.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('gets a streamed, cited answer from the shipped docs with only the printed key', async () => {
    expect(launched.output()).toContain(`Web console:     ${url}/`);
    const key = /Dev admin key:\s+(\S+)/.exec(launched.output())?.[1];
    expect(key).toMatch(/^slw_/);
    const { context, page, watch } = await openConsolePage(browser, url);
    await page.getByLabel('API key').fill(key!);
    await page.getByRole('button', { name: 'Connect' }).click();
    // the docs collection is picked without the user choosing it
    await page.locator('#collection option[value="docs"]').waitFor({ state: 'attached' });
    expect(await page.locator('#collection').inputValue()).toBe('docs');
    await page.getByLabel('Question').fill('How do I roll back a deploy?');
    await page.getByRole('button', { name: 'Ask', exact: true }).click();
    await page.locator('#answer[aria-busy="false"] button.cite').first().waitFor({ timeout: 20_000 });
    expect(((await page.locator('#answer').textContent()) ?? '').length).toBeGreaterThan(40);
    await page.getByText('Quoted from your documents').waitFor();
    await screenshot(page, 'first-answer');

    await page.locator('#answer button.cite').first().click();
    const mark = page.locator('dialog[open] mark#cited-span');
    await mark.waitFor();
    const hint = (await page.locator('dialog[open] .hint').textContent()) ?? '';
    const [, start, end, documentId] = /characters (\d+)–(\d+) of (\S+)/.exec(hint) ?? [];
    const stored = (await (
      await fetch(`${url}/v1/collections/docs/documents/${encodeURIComponent(documentId!)}`, {
        headers: { Authorization: `Bearer ${key}` },
      })
    ).json()) as { text: string };
    expect((await mark.textContent())?.length).toBeGreaterThan(0);
    expect(await mark.textContent()).toBe(stored.text.slice(Number(start), Number(end)));
    await screenshot(page, 'first-citation');
    expect(watch.cspViolations).toEqual([]);
    expect(watch.pageErrors).toEqual([]);
    await context.close();
  }, 60_000);
});
