import autocannon from 'autocannon';

export interface LoadSpec {
  name: string;
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** A fixed body, or a function called for every request (each request can differ). */
  body?: string | (() => string);
  connections: number;
  durationS: number;
  /** Requests per second over all connections (autocannon overallRate); unset = as fast as possible. */
  overallRate?: number;
}

export interface LoadResult {
  name: string;
  connections: number;
  durationS: number;
  overallRate: number | null;
  requests: number;
  /** Responses per second over the run (all statuses; see non2xx). */
  rps: number;
  latencyMs: { p50: number; p95: number; p99: number; mean: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** Pure: the middle value of a non-empty list (the upper of the two middle ones for an even count). */
export const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Pure: nearest-rank percentile of ascending-sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * autocannon against one route. Latencies are recorded per response (autocannon's own summary has no p95)
 * from the 'response' event, in milliseconds with sub-millisecond resolution.
 */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = [];
  const { body } = spec;
  const request =
    typeof body === 'function'
      ? {
          method: spec.method ?? 'GET',
          setupRequest: (req: Record<string, unknown>) => ({ ...req, body: body() }),
        }
      : { method: spec.method ?? 'GET', body };
  const started = process.hrtime.bigint();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: spec.durationS,
        overallRate: spec.overallRate,
        headers: spec.headers,
        requests: [request as autocannon.Request],
        timeout: 30,
      },
      (error, finished) => (error ? reject(error) : resolve(finished)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
    });
  });
  const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
  return summariseRun(spec, latencies, elapsedS, {
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  });
}

/** Pure: a run's result from its per-response latencies (ms, any order) and its wall time. */
export function summariseRun(
  spec: Pick<LoadSpec, 'name' | 'connections' | 'overallRate'>,
  latencies: number[],
  elapsedS: number,
  outcomes: Pick<LoadResult, 'non2xx' | 'errors' | 'timeouts'>,
): LoadResult {
  latencies.sort((a, b) => a - b);
  const mean = latencies.reduce((s, x) => s + x, 0) / Math.max(1, latencies.length);
  return {
    name: spec.name,
    connections: spec.connections,
    durationS: round(elapsedS),
    overallRate: spec.overallRate ?? null,
    requests: latencies.length,
    rps: round(latencies.length / elapsedS, 1),
    latencyMs: {
      p50: round(percentile(latencies, 50)),
      p95: round(percentile(latencies, 95)),
      p99: round(percentile(latencies, 99)),
      mean: round(mean),
      max: round(latencies.at(-1) ?? Number.NaN),
    },
    ...outcomes,
  };
}

export interface InterleavedRatios {
  rounds: number;
  /** Each run's throughput / the baseline's in the same round, per round. */
  perRound: Record<string, number[]>;
  /** The median of each run's per-round ratios. */
  median: Record<string, number>;
}

/**
 * Rounds of short runs, the baseline first in each, every other run's rps divided by the baseline's of the
 * same round. On a shared machine whose speed drifts within a minute, one long run of each, made one after
 * another, is no fair ratio; interleaved rounds move both sides of every ratio alike.
 */
export async function interleavedRatios(
  baseline: LoadSpec,
  others: Record<string, LoadSpec>,
  rounds: number,
): Promise<InterleavedRatios> {
  const perRound: Record<string, number[]> = Object.fromEntries(
    Object.keys(others).map((name) => [name, []]),
  );
  for (let round = 0; round < rounds; round++) {
    const bare = await runLoad(baseline);
    for (const [name, spec] of Object.entries(others)) {
      const run = await runLoad(spec);
      if (run.non2xx > 0 || run.errors > 0)
        throw new Error(`${spec.name}: ${run.non2xx} non-2xx, ${run.errors} errors`);
      perRound[name]!.push(Math.round((run.rps / bare.rps) * 1000) / 1000);
    }
  }
  const medianOf = Object.fromEntries(
    Object.entries(perRound).map(([name, ratios]) => [name, median(ratios)]),
  );
  return { rounds, perRound, median: medianOf };
}
