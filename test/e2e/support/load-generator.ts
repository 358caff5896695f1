// A bounded load generator: `concurrency` keep-alive clients send GETs back to back until stopped (or a
// request cap is hit). Every request is counted; a non-2xx status or any connection error (ECONNRESET,
// socket hang up, ECONNREFUSED, timeout) is a failure. There are NO retries: a dropped request counts.
import http from 'node:http';

export interface LoadSample {
  at: number;
  ms: number;
  status: number | null;
  error: string | null;
}

export interface LoadReport {
  requests: number;
  non2xx: number;
  connectionErrors: number;
  failures: number;
  errorKinds: Record<string, number>;
  statusCounts: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  samples: LoadSample[];
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

export function summarize(samples: LoadSample[]): Omit<LoadReport, 'samples'> {
  const errorKinds: Record<string, number> = {};
  const statusCounts: Record<string, number> = {};
  let non2xx = 0;
  let connectionErrors = 0;
  for (const sample of samples) {
    if (sample.error) {
      connectionErrors += 1;
      errorKinds[sample.error] = (errorKinds[sample.error] ?? 0) + 1;
    } else {
      statusCounts[String(sample.status)] = (statusCounts[String(sample.status)] ?? 0) + 1;
      if (sample.status === null || sample.status < 200 || sample.status > 299) non2xx += 1;
    }
  }
  const latencies = samples.map((sample) => sample.ms);
  return {
    requests: samples.length,
    non2xx,
    connectionErrors,
    failures: non2xx + connectionErrors,
    errorKinds,
    statusCounts,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.length ? Math.max(...latencies) : 0,
  };
}

export interface RunningLoad {
  stop(): Promise<LoadReport>;
  count(): number;
}

export function startLoad(options: {
  url: string;
  concurrency: number;
  /** Upper bound on the total request rate (steady traffic, not a saturation test). */
  ratePerSecond?: number;
  maxRequests?: number;
  timeoutMs?: number;
}): RunningLoad {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const samples: LoadSample[] = [];
  const maxRequests = options.maxRequests ?? 1_000_000;
  let stopping = false;

  const once = () =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      const at = Date.now();
      const request = http.get(options.url, { agent, timeout: options.timeoutMs ?? 10_000 }, (response) => {
        response.resume();
        response.on('end', () => {
          samples.push({
            at,
            ms: performance.now() - started,
            status: response.statusCode ?? null,
            error: null,
          });
          resolve();
        });
        response.on('error', (error: NodeJS.ErrnoException) => {
          samples.push({
            at,
            ms: performance.now() - started,
            status: null,
            error: error.code ?? error.message,
          });
          resolve();
        });
      });
      request.on('timeout', () => request.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEOUT' })));
      request.on('error', (error: NodeJS.ErrnoException) => {
        samples.push({
          at,
          ms: performance.now() - started,
          status: null,
          error: error.code ?? error.message,
        });
        resolve();
      });
    });

  const workers = Array.from({ length: options.concurrency }, async () => {
    const intervalMs = options.ratePerSecond ? (1000 * options.concurrency) / options.ratePerSecond : 0;
    while (!stopping && samples.length < maxRequests) {
      const started = Date.now();
      await once();
      const wait = intervalMs - (Date.now() - started);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  });

  return {
    count: () => samples.length,
    async stop() {
      stopping = true;
      await Promise.all(workers);
      agent.destroy();
      return { ...summarize(samples), samples };
    },
  };
}
