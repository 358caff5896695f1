/// <reference lib="dom" /> // page.evaluate callbacks run in the browser
/// <reference lib="dom.iterable" />
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '@slipway/service/testing/fake-openai-server';
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
      startConsoleService({
        LLM_URL: llm.url,
        LLM_API_KEY: 'test-llm-key',
        MAX_BODY_BYTES: '262144',
        RATE_LIMIT_PER_MINUTE: '100',
      }),
      launchBrowser(),
    ]);
    const admin = service.svc.keys.admin;
    expect((await service.api(admin, 'POST', '/v1/collections', { name: 'handbook' })).status).toBe(201);
    const stored = await service.api(admin, 'POST', '/v1/collections/handbook/documents', {
      documents: handbook,
    });
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

  it('streams the answer token by token into a live region, then shows numbered citations', async () => {
    await page.getByLabel('Question').fill('How do I roll back a deploy?');
    await page.evaluate(() => {
      const answer = document.getElementById('answer') as HTMLElement;
      const seen: string[] = [];
      (window as unknown as { seenAnswers: string[] }).seenAnswers = seen;
      new MutationObserver(() => seen.push(answer.textContent ?? '')).observe(answer, {
        childList: true,
        subtree: true,
        characterData: true,
      });
    });
    await page.getByRole('button', { name: 'Ask', exact: true }).click();
    await page.locator('#answer[aria-busy="true"]').waitFor();
    await page.locator('#answer[aria-busy="false"] button.cite').first().waitFor();
    const seen = await page.evaluate(() => (window as unknown as { seenAnswers: string[] }).seenAnswers);
    const partials = [...new Set(seen)].filter((text) => text.length > 0);
    expect(partials.length).toBeGreaterThanOrEqual(5); // ~20 tokens, 60 ms apart: many renders, not one
    const final = (await page.locator('#answer').textContent()) ?? '';
    expect(final).toContain('Point the active socket symlink at the previous colour to roll back');
    expect(await page.locator('#answer').getAttribute('aria-live')).toBe('polite');
    expect(await page.locator('#answer button.cite').allTextContents()).toEqual(['1', '2']);
    await page.getByText('Written by the language model').waitFor();
    await checkAccessibility(page, 'answer');
    await screenshot(page, 'answer');
  });

  it('opens a citation with exactly the stored span highlighted and scrolled into view', async () => {
    await page.locator('#answer button.cite').first().click();
    const mark = page.locator('dialog[open] mark#cited-span');
    await mark.waitFor();
    const hint = (await page.locator('dialog[open] .hint').textContent()) ?? '';
    const [, start, end, documentId] = /characters (\d+)–(\d+) of (\S+)/.exec(hint) ?? [];
    expect(documentId).toBe('runbook-rollback');
    const stored = (await (
      await service.api(service.svc.keys.read, 'GET', `/v1/collections/handbook/documents/${documentId}`)
    ).json()) as { text: string };
    expect(await mark.textContent()).toBe(stored.text.slice(Number(start), Number(end)));
    expect(await mark.textContent()).toContain('point the active socket symlink');
    // the passage sits ~40 paragraphs down: it must have been scrolled into the visible part of the text
    const box = await page.locator('dialog[open] .document-text').boundingBox();
    const markBox = await mark.boundingBox();
    expect(markBox!.y).toBeGreaterThanOrEqual(box!.y);
    expect(markBox!.y + markBox!.height).toBeLessThanOrEqual(box!.y + box!.height);
    await checkAccessibility(page, 'source dialog');
    await screenshot(page, 'citation');
    await page.keyboard.press('Escape');
    await page.locator('dialog[open]').waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('cite');
  });

  it('switches search modes and shows the ranked passages and scores the API returns', async () => {
    await page.getByRole('tab', { name: 'Search' }).click();
    await page.getByLabel('Query').fill('roll back the previous colour');
    const bodies = {
      Hybrid: { mode: 'hybrid' },
      Keyword: { mode: 'keyword' },
      Vector: { mode: 'vector' },
      MMR: { mode: 'hybrid', mmr: { lambda: 0.5 } },
    };
    for (const [label, body] of Object.entries(bodies)) {
      await page.getByRole('radio', { name: new RegExp(`^${label} `) }).check();
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await page.getByRole('status').getByText(`${label.toLowerCase()} search`).waitFor();
      const expected = (await (
        await service.api(service.svc.keys.read, 'POST', '/v1/collections/handbook/search', {
          query: 'roll back the previous colour',
          topK: 10,
          ...body,
        })
      ).json()) as { results: { documentId: string; score: number }[] };
      expect(expected.results.length).toBeGreaterThan(0);
      const items = page.locator('ol.results > li');
      expect(await items.locator('button.link').allTextContents()).toEqual(
        expected.results.map((r) => `Show in ${r.documentId}`),
      );
      expect(await items.locator('.score').allTextContents()).toEqual(
        expected.results.map((r) => `score ${r.score.toFixed(4)}`),
      );
    }
    await checkAccessibility(page, 'search');
    await screenshot(page, 'search');
  });

  it('uploads .md, .txt and .html files and pasted text, reports duplicates, and search finds the upload', async () => {
    await page.getByRole('tab', { name: 'Documents' }).click();
    const files = [
      {
        name: 'zebra-notes.md',
        mimeType: 'text/markdown',
        buffer: Buffer.from('# Zebras\n\nZebra crossings need paint.\n'),
      },
      {
        name: 'quokka.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from('Quokkas smile on Rottnest Island.\n'),
      },
      {
        name: 'okapi.html',
        mimeType: 'text/html',
        buffer: Buffer.from('<h1>Okapi</h1><p>The okapi is a forest giraffe.</p>'),
      },
    ];
    await page.getByLabel('Upload files').setInputFiles(files);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    const outcomes = page.locator('ul.outcomes li');
    await outcomes.nth(2).waitFor();
    expect(await outcomes.allTextContents()).toEqual([
      expect.stringMatching(/^zebra-notes\.md: stored as doc_\w+ \(1 chunk\)$/),
      expect.stringMatching(/^quokka\.txt: stored as doc_\w+/),
      expect.stringMatching(/^okapi\.html: stored as doc_\w+/),
    ]);
    await page.getByLabel('Upload files').setInputFiles([files[0]!]);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByText(/zebra-notes\.md: duplicate — already stored as doc_\w+/).waitFor();
    await page.getByLabel('Title of pasted text').fill('Narwhal facts');
    await page.getByLabel('Text', { exact: true }).fill('A narwhal tusk is a tooth.');
    await page.getByRole('button', { name: 'Add text' }).click();
    await page.getByText(/Narwhal facts: stored as doc_\w+/).waitFor();
    await checkAccessibility(page, 'documents');
    await screenshot(page, 'documents');

    await page.getByRole('tab', { name: 'Search' }).click();
    await page.getByLabel('Query').fill('quokkas smile');
    await page.getByRole('radio', { name: /^Keyword / }).check();
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('status').getByText('keyword search').waitFor();
    expect(await page.locator('ol.results > li h3').first().textContent()).toBe('quokka.txt');
  });

  it('lists the documents and deletes one (after confirmation) from both stores', async () => {
    await page.getByRole('tab', { name: 'Documents' }).click();
    const row = page.locator('table.documents tr', { hasText: 'okapi.html' });
    await row.waitFor();
    const id = ((await row.locator('td.id').textContent()) ?? '').trim();
    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: `Delete ${id}` }).click();
    await page.getByRole('status').getByText(`Deleted ${id}.`).waitFor();
    await row.waitFor({ state: 'detached' });
    const gone = await service.api(service.svc.keys.read, 'GET', `/v1/collections/handbook/documents/${id}`);
    expect(gone.status).toBe(404);
    expect(await page.locator('table.documents td.id').allTextContents()).toEqual(
      expect.arrayContaining(['runbook-rollback', 'backups', 'alerts']),
    );
  });

  it('shows only the controls a key’s scope allows', async () => {
    const controls = async (key: string) => {
      const { context, page: own } = await open();
      await connect(own, key);
      await own.locator('#collection option[value="handbook"]').waitFor({ state: 'attached' });
      await own.getByRole('tab', { name: 'Documents' }).click();
      await own.locator('table.documents').waitFor();
      const shown = {
        ask: await own.getByLabel('Question').count(),
        search: await own.getByLabel('Query').count(),
        upload: await own.locator('#files').count(),
        paste: await own.locator('#paste-text').count(),
        delete: await own.getByRole('button', { name: /^Delete / }).count(),
        rows: await own.locator('table.documents tbody tr').count(),
        newCollection: await own.locator('#new-collection').count(),
      };
      if (key === service.svc.keys.read) await screenshot(own, 'read-only-key');
      await context.close();
      return shown;
    };
    expect(await controls(service.svc.keys.read)).toEqual({
      ask: 1,
      search: 1,
      upload: 0,
      paste: 0,
      delete: 0,
      newCollection: 0,
      rows: 6,
    });
    expect(await controls(service.svc.keys.ingest)).toEqual({
      ask: 1,
      search: 1,
      upload: 1,
      paste: 1,
      delete: 6,
      newCollection: 0,
      rows: 6,
    });
    expect(await page.locator('#new-collection').count()).toBe(1); // the admin page
  });

  it('tells a rate-limited key when to try again (429 with Retry-After)', async () => {
    const { key } = await service.svc.runtime.deps.keys.create('limited', ['read']);
    const exhaust = async () => {
      let last: Response | undefined;
      for (let i = 0; i < 101 && last?.status !== 429; i++)
        last = await service.api(key, 'GET', '/v1/keys/me');
      expect(last!.status).toBe(429);
      return Number(last!.headers.get('retry-after'));
    };
    let retryAfter = await exhaust();
    if (retryAfter < 8) {
      // the minute window is about to roll over: let it, and use up the next one
      await new Promise((resolve) => setTimeout(resolve, (retryAfter + 1) * 1000));
      retryAfter = await exhaust();
    }
    expect(retryAfter).toBeGreaterThanOrEqual(8);
    const { context, page: own } = await open();
    await connect(own, key);
    const alert = own.getByRole('alert');
    await alert.getByText('Too many requests with this key.').waitFor();
    const shown = Number(/Try again in (\d+) seconds?/.exec((await alert.textContent()) ?? '')?.[1]);
    // the service's Retry-After, counted down by however long the browser took to get there
    expect(shown).toBeLessThanOrEqual(retryAfter);
    expect(shown).toBeGreaterThanOrEqual(retryAfter - 8);
    await screenshot(own, 'rate-limited');
    await context.close();
  });

  it('explains a file over the body limit (413) and a store outage (503) in words', async () => {
    await page.getByRole('tab', { name: 'Documents' }).click();
    await page
      .getByLabel('Upload files')
      .setInputFiles([
        { name: 'huge.txt', mimeType: 'text/plain', buffer: Buffer.from('big words '.repeat(40_000)) },
      ]);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByRole('alert').getByText('larger than the service accepts').waitFor();
    await page.getByRole('button', { name: 'Dismiss' }).click();

    const degraded = await service.withChromaDown();
    try {
      const { context, page: own } = await openConsolePage(browser, degraded.url);
      watches.push({ cspViolations: [], pageErrors: [] });
      await connect(own, service.svc.keys.admin);
      await own.getByRole('tab', { name: 'Documents' }).click();
      await own.getByLabel('Text', { exact: true }).fill('Written while the vector store is down.');
      await own.getByRole('button', { name: 'Add text' }).click();
      await own
        .getByRole('alert')
        .getByText(/^The service is degraded: /)
        .waitFor();
      await context.close();
    } finally {
      await degraded.close();
    }
  });

  it('works by keyboard alone: key, question, citation, and back', async () => {
    const { context, page: own } = await open();
    await own.keyboard.press('Tab');
    expect(await own.evaluate(() => document.activeElement?.id)).toBe('api-key');
    await own.keyboard.type(service.svc.keys.admin);
    await own.keyboard.press('Enter');
    await own.getByText('scopes: admin').waitFor();
    expect(await own.evaluate(() => document.activeElement?.id)).toBe('workspace-heading');
    // The collection picker is focusable once the collections have loaded (it was skipped before, on a
    // fast Tab).
    await own.waitForFunction(() => {
      const picker = document.getElementById('collection') as HTMLSelectElement | null;
      return !!picker && !picker.disabled && picker.options.length > 0;
    });
    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      await own.keyboard.press('Tab');
      order.push(
        await own.evaluate(() => document.activeElement?.id || document.activeElement?.textContent || ''),
      );
    }
    expect(order).toEqual(['collection', 'new-collection', 'Create', 'tab-ask', 'question']);
    await own.keyboard.type('How do I roll back a deploy?');
    await own.keyboard.press('Enter');
    await own.locator('#answer[aria-busy="false"] button.cite').first().waitFor();
    await own.keyboard.press('Tab'); // the Ask button
    await own.keyboard.press('Tab'); // the first marker
    expect(await own.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Source 1');
    await own.keyboard.press('Enter');
    await own.locator('dialog[open] mark').waitFor();
    await own.keyboard.press('Escape');
    await own.locator('dialog[open]').waitFor({ state: 'detached' });
    expect(await own.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Source 1');
    await own.keyboard.press('Shift+Tab');
    await own.keyboard.press('Shift+Tab');
    await own.keyboard.press('Shift+Tab');
    expect(await own.evaluate(() => document.activeElement?.id)).toBe('tab-ask');
    await own.keyboard.press('ArrowRight');
    expect(await own.evaluate(() => document.activeElement?.id)).toBe('tab-search');
    expect(await own.locator('#panel-search').isVisible()).toBe(true);
    await context.close();
  });

  it('is readable at phone width: no sideways scrolling, dialog inside the screen', async () => {
    const { context, page: phone } = await open({ width: 390, height: 844 });
    const fits = () => phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    expect(await fits()).toBe(true);
    await connect(phone, service.svc.keys.admin);
    await phone.getByLabel('Question').fill('How do I roll back a deploy?');
    await phone.getByRole('button', { name: 'Ask', exact: true }).click();
    await phone.locator('#answer[aria-busy="false"] button.cite').first().waitFor();
    expect(await fits()).toBe(true);
    await checkAccessibility(phone, 'phone answer');
    await screenshot(phone, 'phone-answer');
    await phone.locator('#answer button.cite').first().click();
    await phone.locator('dialog[open] mark').waitFor();
    const dialog = await phone.locator('dialog[open]').boundingBox();
    expect(dialog!.x).toBeGreaterThanOrEqual(0);
    expect(dialog!.x + dialog!.width).toBeLessThanOrEqual(390);
    await screenshot(phone, 'phone-citation');
    await phone.keyboard.press('Escape');
    for (const tab of ['Search', 'Documents']) {
      await phone.getByRole('tab', { name: tab }).click();
      const wide = await phone.evaluate(() =>
        [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
          .map((e) => `${e.tagName}#${e.id}.${e.className}`),
      );
      expect(wide).toEqual([]);
      expect(await fits()).toBe(true);
    }
    await context.close();
  });

  it('passes axe-core with no serious or critical violation in every state checked', () => {
    expect(accessibility).toEqual([]);
  });

  it('sends a CSP without unsafe-inline, and the page reported no violation and no error', async () => {
    const response = await fetch(`${service.url}/`);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(watches.length).toBeGreaterThanOrEqual(6);
    expect(watches.flatMap((w) => w.cspViolations)).toEqual([]);
    expect(watches.flatMap((w) => w.pageErrors)).toEqual([]);
  });
});
