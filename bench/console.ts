/// <reference lib="dom" /> // page.evaluate callbacks run in the browser
// The web console's budget: bundle size (gzipped JavaScript < 60 KB) and time to first render (< 1 s), in
// Chromium (playwright-core) against the real service in a child process on real stores. Baseline in the
// same run: the Swagger UI page the same service serves at /docs.
// Usage: tsx bench/console.ts [--loads 15] [--out FILE]
import { parseArgs } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { buildConsole } from '../console/build/build-console.js';
import { findBrowser } from '../console/test/support/find-browser.js';
import { renderTable, writeResult } from './lib/bench-report.js';
import { startBenchStack } from './lib/bench-stack.js';
import { currentLoadAverage, describeMachine, machineLine } from './lib/machine.js';

interface PageTiming {
  /** First contentful paint, ms after navigation start. */
  fcp: number;
  /** The console's own mark right after its first render (undefined for the baseline page). */
  firstRender?: number;
  /** loadEventEnd, ms after navigation start. */
  load: number;
}

/** One navigation in a fresh context (cold: nothing cached) or in `warm` (its cache already filled). */
async function timePage(browser: Browser, url: string, mark?: string): Promise<PageTiming> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'load' });
  const timing = await page.evaluate(async (markName) => {
    const fcp = await new Promise<number>((resolve) => {
      new PerformanceObserver((list) => {
        const entry = list.getEntriesByName('first-contentful-paint')[0];
        if (entry) resolve(entry.startTime);
      }).observe({ type: 'paint', buffered: true });
    });
    const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const firstRender = markName ? performance.getEntriesByName(markName)[0]?.startTime : undefined;
    return { fcp, firstRender, load: navigation.loadEventEnd };
  }, mark);
  await context.close();
  return timing;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const ms = (n: number) => Math.round(n * 10) / 10;

async function main() {
  const { values } = parseArgs({
    options: { loads: { type: 'string', default: '15' }, out: { type: 'string' } },
  });
  const loads = Math.max(3, Number(values.loads));
  const machine = describeMachine();
  console.log(`machine: ${machineLine(machine)}`);

  const buildStarted = performance.now();
  const built = await buildConsole();
  const buildMs = performance.now() - buildStarted;
  const kb = (n: number) => Math.round((n / 1024) * 10) / 10;
  console.log(
    `bundle: JS ${kb(built.sizes.script)} KB (${kb(built.sizes.scriptGzip)} KB gzipped, budget 60), ` +
      `CSS ${kb(built.sizes.style)} KB (${kb(built.sizes.styleGzip)} KB gzipped); built in ${Math.round(buildMs)} ms`,
  );

  const stack = await startBenchStack();
  const browser = await chromium.launch({ executablePath: findBrowser(), headless: true });
  try {
    const pages = { console: '/', 'swagger /docs (baseline)': '/docs/' } as const;
    const runs: Record<string, PageTiming[]> = {};
    for (const [name, path] of Object.entries(pages)) {
      runs[name] = [];
      await timePage(browser, stack.service.url + path); // warm the server side (first request compiles routes)
      for (let i = 0; i < loads; i++)
        runs[name]!.push(
          await timePage(
            browser,
            stack.service.url + path,
            name === 'console' ? 'console-first-render' : undefined,
          ),
        );
    }
    const summary = Object.entries(runs).map(([name, timings]) => {
      const fcp = timings.map((t) => t.fcp);
      const render = timings.flatMap((t) => (t.firstRender === undefined ? [] : [t.firstRender]));
      const load = timings.map((t) => t.load);
      return {
        page: name,
        firstRenderP50: render.length ? ms(percentile(render, 50)) : null,
        firstRenderP95: render.length ? ms(percentile(render, 95)) : null,
        fcpP50: ms(percentile(fcp, 50)),
        fcpP95: ms(percentile(fcp, 95)),
        loadP50: ms(percentile(load, 50)),
      };
    });
    const [own, baseline] = summary as [(typeof summary)[0], (typeof summary)[0]];
    console.log(
      `\n${loads} cold loads each (fresh browser context, nothing cached), Chromium headless, ms after navigation start:\n`,
    );
    console.log(
      renderTable(
        ['page', 'first render p50', 'p95', 'FCP p50', 'FCP p95', 'load p50'],
        summary.map((s) => [
          s.page,
          s.firstRenderP50 ?? '—',
          s.firstRenderP95 ?? '—',
          s.fcpP50,
          s.fcpP95,
          s.loadP50,
        ]),
      ),
    );
    const ratio = Math.round((own.fcpP50 / baseline.fcpP50) * 100) / 100;
    console.log(`\nconsole FCP p50 / Swagger UI FCP p50 = ${ratio} (same service, same run)`);
    const loadAverageAtEnd = currentLoadAverage();
    console.log(`load average at end ${loadAverageAtEnd.join(' / ')} (1/5/15 min)`);
    const file = writeResult(
      'console',
      { machine, loadAverageAtEnd, loads, bundle: built.sizes, buildMs, summary, ratio },
      values.out,
    );
    console.log(`results: ${file}`);
  } finally {
    await browser.close();
    await stack.stop();
  }
}

await main();
