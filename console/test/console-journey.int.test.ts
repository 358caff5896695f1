import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import {
  startFakeOpenAIServer,
  type FakeOpenAIServer,
} from '../../service/test/support/fake-openai-server.js';
import {
  launchBrowser,
  openConsolePage,
  screenshot,
  seriousAccessibilityViolations,
  type PageWatch,
} from './support/console-browser.js';
import { startConsoleService, type ConsoleService } from './support/console-service.js';
import { handbook, modelReply } from './support/handbook.js';

/**
 * The console's whole journey in a real browser (Chromium) against the real service on real stores, with
 * the model answered by a local server speaking the OpenAI protocol (tokens 60 ms apart, so streaming is
 * observable). One browser for the file; the admin journey reuses one page, step after step.
 */
describe('web console: the journey in a browser', () => {
  let service: ConsoleService;
  let llm: FakeOpenAIServer;
  let browser: Browser;
  let page: Page;
  const watches: PageWatch[] = [];
  const accessibility: string[] = [];

  const open = async (viewport?: { width: number; height: number }) => {
    const opened = await openConsolePage(browser, service.url, viewport);
    watches.push(opened.watch);
    return opened;
  };
  const checkAccessibility = async (target: Page, state: string) =>
    accessibility.push(...(await seriousAccessibilityViolations(target)).map((v) => `${state}: ${v}`));
  const connect = async (target: Page, key: string) => {
    await target.getByLabel('API key').fill(key);
    await target.getByRole('button', { name: 'Connect' }).click();
  };

  beforeAll(async () => {
    llm = await startFakeOpenAIServer({ reply: modelReply, chunkDelayMs: 60 });
    [service, browser] = await Promise.all([
      startConsoleService({ LLM_URL: llm.url, LLM_API_KEY: 'test-llm-key', MAX_BODY_BYTES: '262144', RATE_LIMIT_PER_MINUTE: '100' }),
      launchBrowser(),
    ]);
    const admin = service.svc.keys.admin;
    expect((await service.api(admin, 'POST', '/v1/collections', { name: 'handbook' })).status).toBe(201);
    const stored = await service.api(admin, 'POST', '/v1/collections/handbook/documents', { documents: handbook });
    expect(stored.status).toBe(201);
    page = (await open()).page;
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await llm?.close();
  });

  it('shows the welcome, and refuses a wrong key in words without storing it', async () => {
    await expect(page.getByRole('heading', { name: 'Ask your documents' })).toBeDefined();
    await checkAccessibility(page, 'welcome');
    await screenshot(page, 'welcome');
    await connect(page, `slw_${'x'.repeat(43)}`);
    await page.getByRole('alert').getByText('not accepted').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(await page.locator('#collection').count()).toBe(0);
    await screenshot(page, 'wrong-key');
  });

  it('connects with a key held in sessionStorage only, never in the URL, a cookie or localStorage', async () => {
    await connect(page, service.svc.keys.admin);
    await page.getByText('scopes: admin').waitFor();
    await expect(page.locator('#collection')).toBeDefined();
    await page.locator('#collection option[value="handbook"]').waitFor({ state: 'attached' });
    expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([service.svc.keys.admin]);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(await page.context().cookies()).toEqual([]);
    expect(page.url()).toBe(`${service.url}/`);
    expect(await page.getByRole('alert').textContent()).toBe('');
  });
});
