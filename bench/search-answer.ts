// Search and answer latency/throughput on a ~10k-chunk corpus, plus a bare Express route as the baseline.
// Usage: tsx bench/search-answer.ts [--docs 1400] [--variants 4] [--duration 8] [--connections 32] [--out FILE]
// The service and the baseline each run in a child process; autocannon runs here (see docs/benchmarks.md).
// The cache-hit goal's ratios are medians of interleaved rounds, beside each hit's floor (the bare server
// parsing the same body and sending the same response).
import { parseBenchArgs } from './lib/bench-args.js';
import { distinctQuestion, loadBenchCorpus } from './lib/bench-corpus.js';
import { renderTable, writeResult } from './lib/bench-report.js';
import {
  callJson,
  counterDelta,
  metricValue,
  startBenchServer,
  startBenchStack,
  type BenchServer,
  type BenchStack,
  waitForKeywordIndex,
  waitUntilSettled,
} from './lib/bench-stack.js';
import { ingestCorpus } from './lib/ingest-corpus.js';
import { currentLoadAverage, describeMachine, machineLine } from './lib/machine.js';
import { interleavedRatios, median, runLoad, type LoadResult, type LoadSpec } from './lib/run-load.js';
import { runOpenLoop } from './lib/run-open-loop.js';

const COLLECTION = 'bench';
const P99_GOAL_MS = 50;
const FIXED_RATE = 200;
/** Interleaved rounds behind the cache-hit ratios. */
const RATIO_ROUNDS = 5;

interface ServiceRun extends LoadResult {
  route: string;
  cache: 'hit' | 'miss' | null;
  /** Cache look-ups the service counted during the run (`cache:result`), from its /metrics. */
  cacheLookups: Record<string, number> | null;
}

async function main() {
  const args = parseBenchArgs(process.argv.slice(2));
  const machine = describeMachine();
  const wallStart = Date.now();
  console.log(`machine: ${machineLine(machine)}`);

  const corpus = await loadBenchCorpus(args.docs, args.variants);
  let stack: BenchStack | undefined;
  let bare: BenchServer | undefined;
  let sqlOnly: BenchServer | undefined;
  try {
    stack = await startBenchStack();
    bare = await startBenchServer('bare', { NODE_ENV: 'test' });
    const bareUrl = bare.url;
    const { adminKey } = stack;
    await callJson(stack.service.url, adminKey, 'POST', '/v1/collections', { name: COLLECTION });
    console.log(`ingesting ${corpus.documents.length} documents through POST /documents …`);
    const ingested = await ingestCorpus(stack.service.url, adminKey, COLLECTION, corpus.documents);
    console.log(
      `corpus: ${ingested.documents} documents, ${ingested.chunks} chunks in ${ingested.seconds} s`,
    );

    // a fresh service process builds its in-process keyword index at start (before it is ready); a sibling
    // process on the same stores with KEYWORD_INDEX_ENABLED=false measures the SQL path side by side, and
    // the two fresh processes' RSS give the index's memory
    const restarted = performance.now();
    const service = await stack.restartService();
    await waitForKeywordIndex(service.url, ingested.chunks);
    const indexBuildMs = Math.round(performance.now() - restarted);
    console.log(
      `fresh service with its keyword index (${ingested.chunks} chunks) ready in ${indexBuildMs} ms`,
    );
    sqlOnly = await startBenchServer('service', { ...stack.serviceEnv, KEYWORD_INDEX_ENABLED: 'false' });
    const memory = { ...(await measureMemory(service.url, sqlOnly.url, ingested.chunks)), indexBuildMs };
    const sqlSearchUrl = `${sqlOnly.url}/v1/collections/${COLLECTION}/search`;
    const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
    const questions = [...new Set(corpus.queries.map((q) => q.text))];
    let counter = 0;
    const nextQuestion = () => distinctQuestion(questions, counter++);
    const searchPath = `/v1/collections/${COLLECTION}/search`;
    const searchUrl = `${service.url}${searchPath}`;
    const answerPath = `/v1/collections/${COLLECTION}/answer`;
    const answerUrl = `${service.url}${answerPath}`;
    const searchBody = (query: string) => JSON.stringify({ query, mode: 'hybrid', topK: 10 });
    const answerBody = (question: string) => JSON.stringify({ question, topK: 5 });
    const probe = await callJson<{ mode: string; citations: unknown[] }>(
      service.url,
      adminKey,
      'POST',
      `/v1/collections/${COLLECTION}/answer`,
      { question: questions[0], topK: 5 },
    );
    const base = { connections: args.connections, durationS: args.durationS };

    const measure = async (
      route: string,
      cache: 'hit' | 'miss',
      spec: Omit<LoadSpec, 'connections' | 'durationS'> &
        Partial<Pick<LoadSpec, 'connections' | 'durationS'>>,
    ): Promise<ServiceRun> => {
      const before = await waitUntilSettled(service.url);
      const full = { ...base, method: 'POST' as const, headers, ...spec };
      // a fixed rate is an open loop (evenly spaced arrivals; see run-open-loop.ts), not autocannon's bursts
      const result =
        full.overallRate !== undefined && full.body !== undefined
          ? await runOpenLoop({ ...full, overallRate: full.overallRate, body: full.body })
          : await runLoad(full);
      const after = await waitUntilSettled(service.url);
      return { ...result, route, cache, cacheLookups: counterDelta(before, after) };
    };

    // warm-up (not recorded): JIT, connection pools, Chroma's index in memory
    await runLoad({ ...base, name: 'warm-up', url: `${bare.url}/x`, durationS: 1 });
    await runLoad({
      ...base,
      name: 'warm-up',
      url: searchUrl,
      method: 'POST',
      headers,
      body: () => searchBody(nextQuestion()),
      durationS: Math.min(3, args.durationS),
    });
    // the one repeated request of each cache-hit run, cached before the runs start; the bare server's floor
    // routes then answer the same request with the hit's own response (the work a hit cannot avoid)
    const searchHitBody = searchBody(questions[0]!);
    const answerHitBody = answerBody(questions[0]!);
    await setFloor(service.url, bareUrl, adminKey, 'search', searchPath, searchHitBody);
    await setFloor(service.url, bareUrl, adminKey, 'answer', answerPath, answerHitBody);

    const runs: ServiceRun[] = [];
    const log = (r: ServiceRun) => {
      runs.push(r);
      console.log(`  ${r.name}: ${r.rps} rps, p99 ${r.latencyMs.p99} ms`);
      return r;
    };
    const logBare = async (spec: LoadSpec, route: string) =>
      log({ ...(await runLoad(spec)), route, cache: null, cacheLookups: null });
    await waitUntilSettled(service.url);
    await logBare({ ...base, name: 'bare express GET /x', url: `${bare.url}/x` }, 'GET /x (bare Express)');
    // the service's middleware stack without auth or store calls: where a cache hit's time goes
    log({
      ...(await runLoad({ ...base, name: 'service GET /health/live', url: `${service.url}/health/live` })),
      route: 'GET /health/live (service, no auth, no stores)',
      cache: null,
      cacheLookups: null,
    });
    log(
      await measure('POST /search hybrid', 'hit', {
        name: 'search hybrid, cache hit',
        url: searchUrl,
        body: searchHitBody,
      }),
    );
    log(
      await measure('POST /answer extractive', 'hit', {
        name: 'answer extractive, cache hit',
        url: answerUrl,
        body: answerHitBody,
      }),
    );
    const floorOf = (name: 'search' | 'answer', body: string) =>
      logBare(
        {
          ...base,
          name: `bare express POST /floor, ${name} hit's body and response`,
          url: `${bareUrl}/floor/${name}`,
          method: 'POST',
          headers,
          body,
        },
        `POST /floor/${name} (bare Express: parse the body, send the same response)`,
      );
    await floorOf('search', searchHitBody);
    await floorOf('answer', answerHitBody);
    // the goal's ratios: rounds of short runs, bare route first in each (see interleavedRatios)
    const short = { ...base, durationS: Math.max(1, Math.min(2, args.durationS / 4)) };
    const post = { ...short, method: 'POST' as const, headers };
    const ratios = await interleavedRatios(
      { ...short, name: 'bare', url: `${bareUrl}/x` },
      {
        searchHit: { ...post, name: 'search hit', url: searchUrl, body: searchHitBody },
        answerHit: { ...post, name: 'answer hit', url: answerUrl, body: answerHitBody },
        searchFloor: { ...post, name: 'search floor', url: `${bareUrl}/floor/search`, body: searchHitBody },
        answerFloor: { ...post, name: 'answer floor', url: `${bareUrl}/floor/answer`, body: answerHitBody },
      },
      RATIO_ROUNDS,
    );
    log(
      await measure('POST /search hybrid', 'miss', {
        name: 'search hybrid, cache miss',
        url: searchUrl,
        body: () => searchBody(nextQuestion()),
      }),
    );
    log(
      await measure('POST /answer extractive', 'miss', {
        name: 'answer extractive, cache miss',
        url: answerUrl,
        body: () => answerBody(nextQuestion()),
      }),
    );
    const fixed = log(
      await measure('POST /answer extractive', 'miss', {
        name: `answer extractive, cache miss, open loop ${FIXED_RATE} rps`,
        url: answerUrl,
        body: () => answerBody(nextQuestion()),
        overallRate: FIXED_RATE,
      }),
    );

    // where a cache miss spends its time: one request at a time per retrieval mode, after the bare route's
    // own time at c = 1 (the loopback, HTTP and the load generator's share of every c = 1 latency)
    const bareAtC1 = await logBare(
      {
        ...base,
        name: 'bare express GET /x, c=1',
        url: `${bare.url}/x`,
        connections: 1,
        durationS: Math.min(3, args.durationS),
      },
      'GET /x (bare Express)',
    );
    const atC1: Partial<Record<'keyword' | 'vector' | 'hybrid', ServiceRun>> = {};
    for (const mode of ['keyword', 'vector', 'hybrid'] as const) {
      atC1[mode] = log(
        await measure(`POST /search ${mode}`, 'miss', {
          name: `search ${mode}, cache miss, c=1`,
          url: searchUrl,
          body: () => JSON.stringify({ query: nextQuestion(), mode, topK: 10 }),
          connections: 1,
          durationS: Math.min(3, args.durationS),
        }),
      );
    }
    // the same, keyword side from SQL (sibling process, no in-process index), measured in the same run
    await runLoad({
      ...base,
      name: 'warm-up',
      url: sqlSearchUrl,
      method: 'POST',
      headers,
      body: () => JSON.stringify({ query: nextQuestion(), mode: 'hybrid', topK: 10 }),
      connections: 1,
      durationS: 1,
    });
    for (const mode of ['keyword', 'hybrid'] as const) {
      const before = await waitUntilSettled(sqlOnly.url);
      const result = await runLoad({
        ...base,
        name: `search ${mode}, cache miss, c=1, SQL path`,
        url: sqlSearchUrl,
        method: 'POST',
        headers,
        body: () => JSON.stringify({ query: nextQuestion(), mode, topK: 10 }),
        connections: 1,
        durationS: Math.min(3, args.durationS),
      });
      const after = await waitUntilSettled(sqlOnly.url);
      log({
        ...result,
        route: `POST /search ${mode} (SQL path)`,
        cache: 'miss',
        cacheLookups: counterDelta(before, after),
      });
    }
    const { median: ratio, perRound } = ratios;
    const hitVsFloor = (hit: number[], floor: number[]) =>
      median(hit.map((h, i) => Math.round((h / floor[i]!) * 1000) / 1000));
    const p50 = (r: ServiceRun | undefined) => r?.latencyMs.p50 ?? Number.NaN;
    const goals = {
      answerP99At200RpsUnder50Ms: {
        goal: `/answer (cache miss) p99 < ${P99_GOAL_MS} ms at ${FIXED_RATE} rps`,
        achievedRps: fixed.rps,
        p99Ms: fixed.latencyMs.p99,
        met: fixed.latencyMs.p99 < P99_GOAL_MS && fixed.rps >= FIXED_RATE * 0.95 && fixed.non2xx === 0,
      },
      cacheHitVsBare: {
        goal: 'cache-hit rps ≥ 0.5 × bare Express rps',
        method: `medians of ${ratios.rounds} interleaved rounds of ${short.durationS} s runs (bare route first)`,
        searchHitRatio: ratio.searchHit!,
        answerHitRatio: ratio.answerHit!,
        met: ratio.searchHit! >= 0.5 && ratio.answerHit! >= 0.5,
        // the same requests' floor on bare Express (parse the body, send the same response), and the hits
        // against their floors
        floorVsBare: { search: ratio.searchFloor!, answer: ratio.answerFloor! },
        hitVsFloor: {
          search: hitVsFloor(perRound.searchHit!, perRound.searchFloor!),
          answer: hitVsFloor(perRound.answerHit!, perRound.answerFloor!),
        },
        perRound,
      },
      searchAtC1: {
        goal: 'cache-miss search at c = 1: hybrid p50 ≤ 5 ms, keyword p50 ≤ 1 ms',
        hybridP50Ms: p50(atC1.hybrid),
        keywordP50Ms: p50(atC1.keyword),
        bareP50Ms: p50(bareAtC1),
        met: p50(atC1.hybrid) <= 5 && p50(atC1.keyword) <= 1,
      },
    };
    const result = {
      benchmark: 'search-answer',
      memory,
      machine,
      loadAverageAtEnd: currentLoadAverage(),
      setup: {
        loadGenerator: 'autocannon in the bench process',
        service: 'service/src/server.ts in a child Node process (tsx), LOG_LEVEL=warn, Redis caches',
        baseline: 'bare Express 5 GET /x returning a small JSON object, in its own child Node process',
        stores: {
          postgres: stack.postgres.mode,
          chroma: stack.chroma.mode,
          redis: stack.redis.mode,
        },
        answerMode: probe.mode,
        connections: args.connections,
        durationS: args.durationS,
      },
      corpus: {
        source: `Cranfield: first ${args.docs} abstracts × ${args.variants} variants (sentences rotated)`,
        ...ingested,
      },
      runs,
      goals,
      wallSeconds: Math.round((Date.now() - wallStart) / 100) / 10,
    };
    const path = writeResult('search-answer', result, args.out);

    console.log(`\n${machineLine(machine)}; load average at end ${result.loadAverageAtEnd.join(' / ')}`);
    console.log(
      `corpus: ${ingested.chunks} chunks (${ingested.documents} documents); answers: ${probe.mode}\n`,
    );
    console.log(
      renderTable(
        [
          'run',
          'c',
          'rate',
          'requests',
          'rps',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'non-2xx',
          'errors',
          'cache look-ups',
        ],
        runs.map((r) => [
          r.name,
          r.connections,
          r.overallRate ?? 'max',
          r.requests,
          r.rps,
          r.latencyMs.p50,
          r.latencyMs.p95,
          r.latencyMs.p99,
          r.non2xx,
          r.errors + r.timeouts,
          r.cacheLookups
            ? Object.entries(r.cacheLookups)
                .map(([k, v]) => `${k}=${v}`)
                .join(' ')
            : '',
        ]),
      ),
    );
    console.log(
      `\ncache hit / bare rps (${goals.cacheHitVsBare.method}): search ${goals.cacheHitVsBare.searchHitRatio}, answer ` +
        `${goals.cacheHitVsBare.answerHitRatio} (goal ≥ 0.5: ${goals.cacheHitVsBare.met ? 'met' : 'not met'}); ` +
        `the floor (bare Express parsing the same body, sending the same response) / bare: search ` +
        `${goals.cacheHitVsBare.floorVsBare.search}, answer ${goals.cacheHitVsBare.floorVsBare.answer}; ` +
        `cache hit / floor: search ${goals.cacheHitVsBare.hitVsFloor.search}, answer ` +
        `${goals.cacheHitVsBare.hitVsFloor.answer}`,
    );
    console.log(
      `search at c=1, p50: hybrid ${goals.searchAtC1.hybridP50Ms} ms (goal ≤ 5), keyword ` +
        `${goals.searchAtC1.keywordP50Ms} ms (goal ≤ 1): ${goals.searchAtC1.met ? 'met' : 'not met'}; ` +
        `the bare route at c=1: ${goals.searchAtC1.bareP50Ms} ms`,
    );
    console.log(
      `/answer cache miss at ${FIXED_RATE} rps: ${fixed.rps} rps achieved, p99 ${fixed.latencyMs.p99} ms ` +
        `(goal < ${P99_GOAL_MS} ms: ${goals.answerP99At200RpsUnder50Ms.met ? 'met' : 'not met'})`,
    );
    console.log(
      `keyword index: ${memory.indexChunks} chunks, typed arrays ${memory.indexMiB} MiB ` +
        `(${memory.indexMiBPer10kChunks} MiB per 10k chunks); fresh processes' RSS with index ${memory.rssWithIndexMiB} MiB, ` +
        `without (SQL-only sibling) ${memory.rssWithoutIndexMiB} MiB: ${memory.rssDifferenceMiBPer10kChunks} MiB per 10k chunks; ` +
        `start to ready with the index ${memory.indexBuildMs} ms`,
    );
    console.log(`wall time ${result.wallSeconds} s; JSON: ${path}`);
  } finally {
    await sqlOnly?.stop();
    await bare?.stop();
    await stack?.stop();
  }
}

/**
 * Asks the service the same request twice (the second answer is the cache hit the runs repeat), stores that
 * response on the bare server's floor route `name`, and checks the floor sends it back unchanged.
 */
async function setFloor(
  serviceUrl: string,
  bareUrl: string,
  key: string,
  name: string,
  path: string,
  body: string,
) {
  const request = JSON.parse(body) as unknown;
  await callJson(serviceUrl, key, 'POST', path, request);
  const hit = await callJson<{ cached?: boolean }>(serviceUrl, key, 'POST', path, request);
  await callJson(bareUrl, key, 'PUT', `/floor/${name}`, hit);
  const echoed = await callJson(bareUrl, key, 'POST', `/floor/${name}`, request);
  if (JSON.stringify(echoed) !== JSON.stringify(hit))
    throw new Error(`the floor route ${name} does not send the service's response back unchanged`);
}

/** Index bytes and RSS of the service with its index, against the SQL-only sibling, per 10k chunks. */
async function measureMemory(withIndexUrl: string, withoutIndexUrl: string, chunks: number) {
  const mib = (bytes: number | undefined) => Math.round(((bytes ?? 0) / 2 ** 20) * 10) / 10;
  const per10k = (value: number) => Math.round((value / chunks) * 10_000 * 10) / 10;
  const indexBytes = await metricValue(withIndexUrl, 'slipway_keyword_index_bytes');
  const rssWith = await metricValue(withIndexUrl, 'process_resident_memory_bytes');
  const rssWithout = await metricValue(withoutIndexUrl, 'process_resident_memory_bytes');
  return {
    indexChunks: (await metricValue(withIndexUrl, 'slipway_keyword_index_chunks')) ?? 0,
    indexMiB: mib(indexBytes),
    indexMiBPer10kChunks: per10k(mib(indexBytes)),
    rssWithIndexMiB: mib(rssWith),
    rssWithoutIndexMiB: mib(rssWithout),
    rssDifferenceMiBPer10kChunks: per10k(mib(rssWith) - mib(rssWithout)),
  };
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
