/// <reference lib="dom" /> // page.evaluate callbacks run in the browser
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '@slipway/harness';
import type { Browser } from 'playwright-core';
import { launchBrowser, openConsolePage, screenshot } from './support/console-browser.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The acceptance journey of a new user: `npm start` (embedded stores, the repository's docs/ seeded into
 * the `docs` collection), then the page at `/` with nothing but the dev admin key the launcher prints. The
 * launcher builds the console itself, so this also proves a fresh clone needs no separate build step.
 */
describe('npm start, then a first question in the browser', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-console-start-'));
  chmodSync(dataDir, 0o755); // as root, embedded Postgres runs as the postgres OS user, which must enter it
  let child: ChildProcess;
  let output = '';
  let url = '';
  let browser: Browser;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['--import', 'tsx', 'devtools/src/dev-start.ts'], {
      cwd: repo,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: String(port),
        SLIPWAY_DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    browser = await launchBrowser();
    const started = Date.now();
    while (!output.includes('Dev admin key') && Date.now() - started < 90_000) {
      if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('gets a streamed, cited answer from the shipped docs with only the printed key', async () => {
    expect(output).toContain(`Web console:     ${url}/`);
    const key = /Dev admin key:\s+(\S+)/.exec(output)?.[1];
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
