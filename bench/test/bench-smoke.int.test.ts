// Keeps the benchmark code from rotting: runs each bench script for real on a tiny corpus with 2-second load
// runs and checks the JSON it writes. Timings are not asserted (benchmarks are not timed tests).
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const benchDir = fileURLToPath(new URL('..', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'slipway-bench-smoke-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

async function runBench(script: string, args: string[]): Promise<Record<string, unknown>> {
  const out = join(outDir, `${script}.json`);
  await run(process.execPath, ['--import', 'tsx', join(benchDir, `${script}.ts`), ...args, '--out', out], {
    cwd: join(benchDir, '..'),
    maxBuffer: 16 * 1024 * 1024,
    timeout: 170_000,
  });
  return JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
}

const machineShape = {
  cpuModel: expect.any(String),
  cores: expect.any(Number),
  node: expect.stringMatching(/^v\d+/),
  loadAverageAtStart: [expect.any(Number), expect.any(Number), expect.any(Number)],
  cpuLoopMsAtStart: expect.any(Number),
};

describe('bench smoke', () => {
  it('search-answer measures every run on a tiny corpus and writes its JSON', async () => {
    const result = await runBench('search-answer', [
      '--docs',
      '20',
      '--variants',
      '2',
      '--duration',
      '2',
      '--connections',
      '4',
    ]);
    expect(result).toMatchObject({
      benchmark: 'search-answer',
      machine: machineShape,
      setup: { answerMode: 'extractive', connections: 4, durationS: 2 },
      corpus: { documents: 40, chunks: expect.any(Number) },
      memory: {
        indexChunks: expect.any(Number),
        indexMiBPer10kChunks: expect.any(Number),
        rssDifferenceMiBPer10kChunks: expect.any(Number),
      },
      goals: {
        answerP99At200RpsUnder50Ms: { p99Ms: expect.any(Number), met: expect.any(Boolean) },
        cacheHitVsBare: {
          searchHitRatio: expect.any(Number),
          answerHitRatio: expect.any(Number),
          floorVsBare: { search: expect.any(Number), answer: expect.any(Number) },
          hitVsFloor: { search: expect.any(Number), answer: expect.any(Number) },
          perRound: {
            searchHit: [
              expect.any(Number),
              expect.any(Number),
              expect.any(Number),
              expect.any(Number),
              expect.any(Number),
            ],
            answerFloor: expect.arrayContaining([expect.any(Number)]),
          },
        },
        searchAtC1: {
          hybridP50Ms: expect.any(Number),
          keywordP50Ms: expect.any(Number),
          bareP50Ms: expect.any(Number),
          met: expect.any(Boolean),
        },
      },
    });
    const runs = result.runs as {
      name: string;
      requests: number;
      rps: number;
      non2xx: number;
      cache: string | null;
      latencyMs: Record<string, number>;
      cacheLookups: Record<string, number> | null;
    }[];
    expect(runs.map((r) => r.name)).toEqual([
      'bare express GET /x',
      'service GET /health/live',
      'search hybrid, cache hit',
      'answer extractive, cache hit',
      "bare express POST /floor, search hit's body and response",
      "bare express POST /floor, answer hit's body and response",
      'search hybrid, cache miss',
      'answer extractive, cache miss',
      'answer extractive, cache miss, open loop 200 rps',
      'bare express GET /x, c=1',
      'search keyword, cache miss, c=1',
      'search vector, cache miss, c=1',
      'search hybrid, cache miss, c=1',
      'search keyword, cache miss, c=1, SQL path',
      'search hybrid, cache miss, c=1, SQL path',
    ]);
    for (const r of runs) {
      expect(r.requests).toBeGreaterThan(0);
      expect(r.non2xx).toBe(0);
      expect(Object.keys(r.latencyMs).sort()).toEqual(['max', 'mean', 'p50', 'p95', 'p99']);
      expect(r.latencyMs.p50).toBeLessThanOrEqual(r.latencyMs.p99 as number);
      // a cache-miss run never hits the cache it is meant to miss
      if (r.cache === 'miss')
        expect(
          r.cacheLookups?.[r.name.startsWith('answer') ? 'response:hit' : 'retrieval:hit'],
        ).toBeUndefined();
      if (r.cache === 'hit')
        expect(Object.keys(r.cacheLookups ?? {}).some((k) => k.endsWith(':hit'))).toBe(true);
    }
  }, 180_000);

  it('ingest compares POST /documents with raw Chroma add of the same chunks and writes its JSON', async () => {
    const result = await runBench('ingest', ['--docs', '30', '--variants', '1']);
    expect(result).toMatchObject({
      benchmark: 'ingest',
      machine: machineShape,
      corpus: { documents: 30 },
      service: { chunks: expect.any(Number), chunksPerSecond: expect.any(Number) },
      rawChromaAdd: { chunks: expect.any(Number), chunksPerSecond: expect.any(Number) },
      sameChunks: true,
      goals: { ingestVsRawAdd: { ratio: expect.any(Number), met: expect.any(Boolean) } },
    });
    const { service, rawChromaAdd } = result as {
      service: { chunks: number };
      rawChromaAdd: { count: number };
    };
    expect(rawChromaAdd.count).toBe(service.chunks);
  }, 180_000);

  it('compare-builds runs a baseline checkout (here this one) beside this one and writes per-round ratios', async () => {
    const checkout = join(benchDir, '..');
    const result = await runBench('compare-builds', [
      '--baseline',
      checkout,
      '--docs',
      '20',
      '--variants',
      '1',
      '--rounds',
      '1',
      '--duration',
      '1',
    ]);
    expect(result).toMatchObject({ benchmark: 'compare-builds', machine: machineShape, rounds: 1 });
    const rows = result.rows as { route: string; baseline: number; current: number; perRound: object }[];
    expect(rows.map((r) => r.route)).toEqual([
      'health',
      'search-hit',
      'answer-hit',
      'keyword-c1',
      'hybrid-c1',
    ]);
    for (const row of rows) {
      expect(row.baseline).toBeGreaterThan(0);
      expect(row.current).toBeGreaterThan(0);
      expect(row.perRound).toEqual({ baseline: [row.baseline], current: [row.current] });
    }
  }, 180_000);

  it('keyword-expansion times plain and RM3 index searches in the same run and writes its JSON', async () => {
    const result = await runBench('keyword-expansion', ['--docs', '30', '--variants', '1', '--rounds', '1']);
    const timings = {
      samples: 225,
      meanMs: expect.any(Number),
      p50Ms: expect.any(Number),
      p95Ms: expect.any(Number),
      p99Ms: expect.any(Number),
    };
    expect(result).toMatchObject({
      benchmark: 'keyword-expansion',
      machine: machineShape,
      loadAverageAtEnd: [expect.any(Number), expect.any(Number), expect.any(Number)],
      queries: 225,
      expansion: { fbDocs: 5, fbTerms: 10, originalQueryWeight: 0.5 },
      plain: timings,
      expanded: timings,
      ratio: { meanMs: expect.any(Number), p50Ms: expect.any(Number) },
    });
    const memory = result.memory as { typedArrayBytes: number; withChunkTermsView: number };
    expect(memory.withChunkTermsView).toBeGreaterThan(memory.typedArrayBytes);
  }, 180_000);

  it('tracing measures the same routes with tracing off and on, and the traced side exports', async () => {
    const result = await runBench('tracing', ['--docs', '20', '--duration', '1', '--connections', '2']);
    expect(result).toMatchObject({
      benchmark: 'tracing',
      machine: machineShape,
      loadAverageAtEnd: [expect.any(Number), expect.any(Number), expect.any(Number)],
      corpus: { documents: 20 },
    });
    const { runs, summary, exported } = result as {
      runs: { tracing: string; requests: number; non2xx: number }[];
      summary: { rpsRatioOnOff: number }[];
      exported: { tracedRequests: number; spans: number; spansPerRequest: number };
    };
    expect(runs.filter((r) => r.tracing === 'off')).toHaveLength(4);
    expect(runs.filter((r) => r.tracing === 'on')).toHaveLength(4);
    for (const run of runs) {
      expect(run.requests).toBeGreaterThan(0);
      expect(run.non2xx).toBe(0);
    }
    for (const route of summary) expect(route.rpsRatioOnOff).toBeGreaterThan(0);
    // every traced request exported its spans: the server span, the route handler, the stages, the stores
    expect(exported.tracedRequests).toBeGreaterThan(0);
    expect(exported.spansPerRequest).toBeGreaterThanOrEqual(3);
  }, 180_000);
});
