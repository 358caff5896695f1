import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { ProvidedChroma, ProvidedPostgres, ProvidedRedis } from '@slipway/harness';
import { provideMigratedStores } from '@slipway/service/testing/migrated-stores';

export interface BenchServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const serverEntry = fileURLToPath(new URL('../bench-server.ts', import.meta.url));

/**
 * Starts bench-server.ts in a child Node process (tsx loader, then the `imports` preloads — e.g. the tracing
 * preload the image runs) and waits for the port it reports.
 */
export async function startBenchServer(
  mode: 'service' | 'bare',
  env: NodeJS.ProcessEnv = {},
  nodeArgs: string[] = [],
  imports: string[] = [],
): Promise<BenchServer> {
  const preloads = imports.flatMap((specifier) => ['--import', specifier]);
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', ...preloads, serverEntry, mode],
    {
      env: { ...process.env, ...env },
      // stdout carries the service's request logs (LOG_LEVEL=warn still logs aborted requests when a run ends)
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`bench-server ${mode} did not report a port in 60 s`)),
      60_000,
    );
    child.once('message', (message: { port?: number }) => {
      clearTimeout(timer);
      if (typeof message.port === 'number') resolve(message.port);
      else reject(new Error(`unexpected message from bench-server: ${JSON.stringify(message)}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`bench-server ${mode} exited before listening (code ${code}, signal ${signal})`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid as number,
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface BenchStack {
  service: BenchServer;
  /** The environment the service runs with (a sibling on the same stores starts from it). */
  serviceEnv: NodeJS.ProcessEnv;
  adminKey: string;
  postgres: ProvidedPostgres;
  chroma: ProvidedChroma;
  redis: ProvidedRedis;
  /**
   * Stops the service process and starts a fresh one on the same stores (`service` then names it), with
   * extra Node flags when given (`--cpu-prof`, which NODE_OPTIONS does not accept).
   */
  restartService(nodeArgs?: string[]): Promise<BenchServer>;
  stop(): Promise<void>;
}

/**
 * Real stores from the harness (a fresh migrated Postgres database, the Chroma server — bundled npm server
 * when run locally — and Redis with a key prefix of its own) and the real service in a child process on them.
 */
export async function startBenchStack(env: NodeJS.ProcessEnv = {}): Promise<BenchStack> {
  const stores = await provideMigratedStores({ redis: true });
  const { postgres, chroma, redis } = stores;
  try {
    const adminKey = `bench_${randomBytes(24).toString('base64url')}`;
    const serviceEnv = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      ...stores.env,
      BOOTSTRAP_ADMIN_KEY: adminKey,
      RATE_LIMIT_PER_MINUTE: '1000000',
      ...env,
    };
    const stack: BenchStack = {
      service: await startBenchServer('service', serviceEnv),
      serviceEnv,
      adminKey,
      postgres,
      chroma,
      redis,
      async restartService(nodeArgs: string[] = []) {
        await stack.service.stop();
        stack.service = await startBenchServer('service', serviceEnv, nodeArgs);
        return stack.service;
      },
      async stop() {
        await stack.service.stop();
        await stores.stop();
      },
    };
    return stack;
  } catch (error) {
    await stores.stop();
    throw error;
  }
}

/** JSON over HTTP with the bench's admin key; throws on a non-2xx answer. */
export async function callJson<T>(
  baseUrl: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

/** Cache look-ups counted by the service's Prometheus counter, by `cache:result` (e.g. `response:hit`). */
export async function cacheCounters(baseUrl: string): Promise<Record<string, number>> {
  const res = await fetch(`${baseUrl}/metrics`);
  const text = await res.text();
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^slipway_cache_requests_total\{([^}]*)\} (\S+)$/gm)) {
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    counts[`${labels.cache}:${labels.result}`] = Number(m[2]);
  }
  return counts;
}

/**
 * Waits until the service has finished the requests a load run left in flight (its cache counters stop
 * moving), so one run's stragglers are not counted in the next. Gives up after `timeoutMs`.
 */
export async function waitUntilSettled(baseUrl: string, timeoutMs = 10_000): Promise<Record<string, number>> {
  const deadline = Date.now() + timeoutMs;
  let last = JSON.stringify(await cacheCounters(baseUrl));
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const now = await cacheCounters(baseUrl);
    const text = JSON.stringify(now);
    if (text === last || Date.now() > deadline) return now;
    last = text;
  }
}

/** One sample's value from the service's /metrics (first series of that name), or undefined. */
export async function metricValue(baseUrl: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

/** Waits until the service's in-process keyword indexes hold `chunks` chunks (built after the last ingest). */
export async function waitForKeywordIndex(
  baseUrl: string,
  chunks: number,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await metricValue(baseUrl, 'slipway_keyword_index_chunks')) !== chunks) {
    if (Date.now() > deadline) throw new Error(`keyword index did not reach ${chunks} chunks`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export function counterDelta(before: Record<string, number>, after: Record<string, number>) {
  const delta: Record<string, number> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const d = (after[key] ?? 0) - (before[key] ?? 0);
    if (d !== 0) delta[key] = d;
  }
  return delta;
}
