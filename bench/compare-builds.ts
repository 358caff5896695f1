// This checkout's service against another checkout's (a baseline build: the previous commit, a branch), both
// on the same stores and corpus, runs interleaved round by round with a bare Express route before each, so a
// machine whose speed drifts during the run (a shared VM) moves both sides alike. Medians of per-round ratios.
// Usage: tsx bench/compare-builds.ts --baseline DIR [--rounds 5] [--duration 3] [--docs 1400] [--variants 4]
//   DIR: another checkout of this repository with its `npm ci` done (e.g. `git worktree add DIR HEAD~1`).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { distinctQuestion, loadBenchCorpus } from './lib/bench-corpus.js';
import { renderTable, writeResult } from './lib/bench-report.js';
import {
  callJson,
  startBenchServer,
  startBenchStack,
  waitForKeywordIndex,
  type BenchServer,
} from './lib/bench-stack.js';
import { ingestCorpus } from './lib/ingest-corpus.js';
import { currentLoadAverage, describeMachine, machineLine, processCpuMs } from './lib/machine.js';
import { median, runLoad, type LoadSpec } from './lib/run-load.js';

const COLLECTION = 'bench';
type Route = 'health' | 'search-hit' | 'answer-hit' | 'keyword-c1' | 'hybrid-c1';
const ROUTES: Route[] = ['health', 'search-hit', 'answer-hit', 'keyword-c1', 'hybrid-c1'];
/** Routes measured by throughput against the bare route; the others by their p50 latency, one at a time. */
const byThroughput = (route: Route) => !route.endsWith('-c1');

const round3 = (n: number) => Math.round(n * 1000) / 1000;

async function main() {
  const { values } = parseArgs({
    options: {
      baseline: { type: 'string' },
      rounds: { type: 'string', default: '5' },
      duration: { type: 'string', default: '3' },
      docs: { type: 'string', default: '1400' },
      variants: { type: 'string', default: '4' },
      out: { type: 'string' },
    },
  });
  if (!values.baseline) throw new Error('--baseline DIR is required (another checkout, npm ci done)');
  const baselineDir = resolve(values.baseline);
  const baselineStack = join(baselineDir, 'bench/lib/bench-stack.ts');
  if (!existsSync(baselineStack) || !existsSync(join(baselineDir, 'node_modules')))
    throw new Error(`${baselineDir} is not a checkout with its dependencies installed`);
  const rounds = Number(values.rounds);
  const durationS = Number(values.duration);
  const machine = describeMachine();
  console.log(`machine: ${machineLine(machine)}`);

  const corpus = await loadBenchCorpus(Number(values.docs), Number(values.variants));
  const stack = await startBenchStack();
  const servers: BenchServer[] = [];
  try {
    const { adminKey } = stack;
    await callJson(stack.service.url, adminKey, 'POST', '/v1/collections', { name: COLLECTION });
    const ingested = await ingestCorpus(stack.service.url, adminKey, COLLECTION, corpus.documents);
    console.log(`corpus: ${ingested.chunks} chunks`);
    await stack.service.stop();
    // the baseline's own bench-server (and so its own service code), on the same stores and environment
    const baselineModule = (await import(pathToFileURL(baselineStack).href)) as {
      startBenchServer: typeof startBenchServer;
    };
    const builds = {
      baseline: await baselineModule.startBenchServer('service', stack.serviceEnv),
      current: await startBenchServer('service', stack.serviceEnv),
    };
    const bare = await startBenchServer('bare', { NODE_ENV: 'test' });
    servers.push(builds.baseline, builds.current, bare);
    for (const build of Object.values(builds)) await waitForKeywordIndex(build.url, ingested.chunks);

    const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
    const questions = [...new Set(corpus.queries.map((q) => q.text))];
    let counter = 0;
    const fresh = () => distinctQuestion(questions, counter++);
    const hitSearch = { query: questions[0], mode: 'hybrid', topK: 10 };
    const hitAnswer = { question: questions[0], topK: 5 };
    const spec = (url: string, route: Route): LoadSpec => {
      const base = { name: route, connections: 32, durationS };
      const post = { method: 'POST' as const, headers };
      const search = `${url}/v1/collections/${COLLECTION}/search`;
      switch (route) {
        case 'health':
          return { ...base, url: `${url}/health/live` };
        case 'search-hit':
          return { ...base, ...post, url: search, body: JSON.stringify(hitSearch) };
        case 'answer-hit':
          return {
            ...base,
            ...post,
            url: `${url}/v1/collections/${COLLECTION}/answer`,
            body: JSON.stringify(hitAnswer),
          };
        case 'keyword-c1':
        case 'hybrid-c1': {
          const mode = route === 'keyword-c1' ? 'keyword' : 'hybrid';
          const body = () => JSON.stringify({ query: fresh(), mode, topK: 10 });
          return { ...base, ...post, url: search, connections: 1, body };
        }
      }
    };
    // warm-up: JIT, pools, the entries the cache-hit runs repeat
    for (const build of Object.values(builds)) {
      await runLoad({ ...spec(build.url, 'hybrid-c1'), connections: 8, durationS: 2 });
      await callJson(build.url, adminKey, 'POST', `/v1/collections/${COLLECTION}/search`, hitSearch);
      await callJson(build.url, adminKey, 'POST', `/v1/collections/${COLLECTION}/answer`, hitAnswer);
    }
    await runLoad({ name: 'warm-up', url: `${bare.url}/x`, connections: 32, durationS: 1 });

    type Sample = { value: number; cpuRatio?: number };
    const samples: Record<string, Sample[]> = {};
    /** A load run and the server's CPU per response over it (null off Linux). */
    const measured = async (server: BenchServer, load: LoadSpec) => {
      const before = processCpuMs(server.pid);
      const run = await runLoad(load);
      const after = processCpuMs(server.pid);
      const cpu = before === null || after === null ? null : (after - before) / run.requests;
      return { run, cpu };
    };
    for (let r = 0; r < rounds; r++) {
      for (const route of ROUTES) {
        const bareRun = byThroughput(route)
          ? await measured(bare, { name: 'bare', url: `${bare.url}/x`, connections: 32, durationS })
          : undefined;
        for (const [name, build] of Object.entries(builds)) {
          const { run, cpu } = await measured(build, spec(build.url, route));
          if (run.non2xx > 0) throw new Error(`${name} ${route}: ${run.non2xx} non-2xx answers`);
          const cpuRatio = bareRun?.cpu != null && cpu ? bareRun.cpu / cpu : undefined;
          (samples[`${route} ${name}`] ??= []).push(
            bareRun ? { value: run.rps / bareRun.run.rps, cpuRatio } : { value: run.latencyMs.p50 },
          );
        }
      }
      console.log(`round ${r + 1} of ${rounds} done (load average ${currentLoadAverage().join(' / ')})`);
    }

    const rows = ROUTES.map((route) => {
      const of = (name: string) => samples[`${route} ${name}`]!;
      const baseline = median(of('baseline').map((s) => s.value));
      const current = median(of('current').map((s) => s.value));
      const cpu = (name: string) => {
        const ratios = of(name).flatMap((s) => (s.cpuRatio === undefined ? [] : [s.cpuRatio]));
        return ratios.length > 0 ? round3(median(ratios)) : '';
      };
      return {
        route,
        measure: byThroughput(route) ? 'rps / bare rps' : 'p50 ms',
        baseline: round3(baseline),
        current: round3(current),
        currentOverBaseline: round3(current / baseline),
        baselineCpuRatio: cpu('baseline'),
        currentCpuRatio: cpu('current'),
        perRound: {
          baseline: of('baseline').map((s) => round3(s.value)),
          current: of('current').map((s) => round3(s.value)),
        },
      };
    });
    const result = {
      benchmark: 'compare-builds',
      machine,
      loadAverageAtEnd: currentLoadAverage(),
      baseline: baselineDir,
      rounds,
      durationS,
      corpusChunks: ingested.chunks,
      rows,
    };
    const path = writeResult('compare-builds', result, values.out);
    console.log(`\n${machineLine(machine)}; load average at end ${result.loadAverageAtEnd.join(' / ')}`);
    console.log(
      renderTable(
        [
          'route',
          'measure',
          'baseline',
          'current',
          'current / baseline',
          'CPU ratio baseline',
          'CPU ratio current',
        ],
        rows.map((row) => [
          row.route,
          row.measure,
          row.baseline,
          row.current,
          row.currentOverBaseline,
          row.baselineCpuRatio,
          row.currentCpuRatio,
        ]),
      ),
    );
    console.log(
      `medians of ${rounds} interleaved rounds; CPU ratio = the bare route's CPU per request / the build's ` +
        `(from /proc); JSON: ${path}`,
    );
  } finally {
    for (const server of servers) await server.stop();
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
