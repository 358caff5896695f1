import { Router } from 'express';
import { DEPENDENCY_RETRY_AFTER_SECONDS } from '../errors/app-error.js';
import type { Metrics } from '../observability/metrics.js';
import { apiRegistry, z } from '../openapi/openapi-registry.js';

export interface DependencyCheck {
  ok: boolean | 'skipped';
  latencyMs: number;
  error?: string;
}

export interface ReadinessProbe {
  /** Required dependencies make the service unready when down; optional ones only degrade it. */
  checks: { name: string; required: boolean | (() => boolean); run?: () => Promise<unknown> }[];
  timeoutMs: number;
}

export type ReadinessStatus = 'ok' | 'degraded' | 'unavailable';

/** Pure: the overall status from per-dependency results. */
export function summariseReadiness(
  results: { name: string; required: boolean; check: DependencyCheck }[],
): ReadinessStatus {
  if (results.some((r) => r.required && r.check.ok === false)) return 'unavailable';
  if (results.some((r) => r.check.ok === false)) return 'degraded';
  return 'ok';
}

async function runCheck(run: () => Promise<unknown>, timeoutMs: number): Promise<DependencyCheck> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      run(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, latencyMs: round(performance.now() - started) };
  } catch (error) {
    return { ok: false, latencyMs: round(performance.now() - started), error: describe(error) };
  } finally {
    clearTimeout(timer);
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** A short, secret-free reason (never a stack or a connection string). */
function describe(error: unknown): string {
  const e = error as { code?: string; message?: string };
  if (e.code) return e.code;
  const message = (e.message ?? 'failed').replace(/\w+:\/\/\S+/g, '[url]');
  return message.slice(0, 120);
}

const ReadinessBody = z.object({
  status: z.enum(['ok', 'degraded', 'unavailable']),
  checks: z.record(
    z.string(),
    z.object({
      ok: z.union([z.boolean(), z.literal('skipped')]),
      latencyMs: z.number(),
      error: z.string().optional(),
    }),
  ),
});

apiRegistry.registerPath({
  method: 'get',
  path: '/health/live',
  summary: 'Liveness: the process answers.',
  responses: {
    200: {
      description: 'Alive',
      content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } },
    },
  },
});
apiRegistry.registerPath({
  method: 'get',
  path: '/health/ready',
  summary: 'Readiness: Postgres and Chroma reachable (503 if not); Redis down only degrades.',
  responses: {
    200: {
      description: 'Ready (status ok or degraded)',
      content: { 'application/json': { schema: ReadinessBody } },
    },
    503: {
      description: 'A required dependency is down',
      content: { 'application/json': { schema: ReadinessBody } },
    },
  },
});
apiRegistry.registerPath({
  method: 'get',
  path: '/version',
  summary: 'Version and commit of the running build (deploys use it to tell colours apart).',
  responses: {
    200: {
      description: 'Build identity',
      content: { 'application/json': { schema: z.object({ version: z.string(), commit: z.string() }) } },
    },
  },
});

export interface ReadinessReport {
  status: ReadinessStatus;
  checks: Record<string, DependencyCheck>;
}

/**
 * Runs the readiness checks and updates `slipway_dependency_up`. Used by GET /health/ready and before every
 * /metrics scrape, so the gauge is fresh even when nothing polls readiness.
 */
export function createReadinessCheck(
  probe: ReadinessProbe,
  metrics: Metrics,
  cacheMs = 1000,
): () => Promise<ReadinessReport> {
  return sharedFor(cacheMs, async () => {
    const results = await Promise.all(
      probe.checks.map(async ({ name, required, run }) => ({
        name,
        required: typeof required === 'function' ? required() : required,
        check: run
          ? await runCheck(run, probe.timeoutMs)
          : ({ ok: 'skipped', latencyMs: 0 } as DependencyCheck),
      })),
    );
    for (const { name, check } of results) {
      if (check.ok !== 'skipped') metrics.dependencyUp.set({ dependency: name }, check.ok ? 1 : 0);
    }
    return {
      status: summariseReadiness(results),
      checks: Object.fromEntries(results.map((r) => [r.name, r.check])),
    };
  });
}

/**
 * Calls within `ms` of a started run share its result, so a flood of /health/ready (it needs no key) costs
 * the stores one check per `ms`, not one per request.
 */
export function sharedFor<T>(ms: number, run: () => Promise<T>, now = () => Date.now()): () => Promise<T> {
  let last: { at: number; result: Promise<T> } | undefined;
  return () => {
    if (!last || now() - last.at >= ms) last = { at: now(), result: run() };
    return last.result;
  };
}

export function healthRoutes(
  checkReadiness: () => Promise<ReadinessReport>,
  build: { version: string; commit: string },
): Router {
  const router = Router();
  router.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/health/ready', async (_req, res) => {
    const report = await checkReadiness();
    const unavailable = report.status === 'unavailable';
    if (unavailable) res.set('Retry-After', String(DEPENDENCY_RETRY_AFTER_SECONDS));
    res
      .status(unavailable ? 503 : 200)
      .set('Cache-Control', 'no-store')
      .json(report);
  });
  router.get('/version', (_req, res) => {
    res.json(build);
  });
  return router;
}
