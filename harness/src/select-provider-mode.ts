import { request } from 'node:http';

/** Where a test resource comes from. */
export type ProviderMode = 'external' | 'testcontainers' | 'local';

export type ProvidedService = 'postgres' | 'redis' | 'chroma';

/** The env var holding an explicit server URL for each service. */
export const externalUrlVariable: Record<ProvidedService, string> = {
  postgres: 'TEST_DATABASE_URL',
  redis: 'TEST_REDIS_URL',
  chroma: 'TEST_CHROMA_URL',
};

/** Forces the provider for every service that has no explicit URL: `local` or `testcontainers`. */
export const forcedProviderVariable = 'SLIPWAY_TEST_PROVIDER';

/**
 * Which provider to use for one service. Pure.
 * Order: explicit URL (external) → SLIPWAY_TEST_PROVIDER when set → Testcontainers when a
 * Docker-compatible engine answers → servers the harness starts locally.
 */
export function selectProviderMode(
  service: ProvidedService,
  env: NodeJS.ProcessEnv,
  engine: { dockerReachable: boolean },
): ProviderMode {
  const url = env[externalUrlVariable[service]];
  if (url !== undefined && url.trim() !== '') return 'external';
  const forced = env[forcedProviderVariable]?.trim();
  if (forced !== undefined && forced !== '') {
    if (forced === 'local' || forced === 'testcontainers') return forced;
    throw new Error(
      `${forcedProviderVariable}=${forced} is not valid: use "local" or "testcontainers" ` +
        `(for an external server set ${externalUrlVariable[service]})`,
    );
  }
  return engine.dockerReachable ? 'testcontainers' : 'local';
}

/** Where a Docker-compatible engine API might be, from DOCKER_HOST or the default socket. */
export function dockerEndpoint(
  env: NodeJS.ProcessEnv,
): { socketPath: string } | { host: string; port: number } | undefined {
  const dockerHost = env.DOCKER_HOST?.trim();
  if (dockerHost === undefined || dockerHost === '') return { socketPath: '/var/run/docker.sock' };
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) };
  if (dockerHost.startsWith('tcp://') || dockerHost.startsWith('http://')) {
    const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
    return { host: url.hostname, port: Number(url.port || 2375) };
  }
  return undefined; // ssh://, npipe:// …: not probed here
}

/** Asks the engine's `GET /_ping`; reachable only when it answers 200 within the timeout. */
export async function detectDockerEngine(
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 1500,
): Promise<{ dockerReachable: boolean; socket?: string }> {
  const endpoint = dockerEndpoint(env);
  if (endpoint === undefined) return { dockerReachable: false };
  const socket = 'socketPath' in endpoint ? endpoint.socketPath : `tcp://${endpoint.host}:${endpoint.port}`;
  const answered = await new Promise<boolean>((resolve) => {
    const req = request({ ...endpoint, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
  return answered ? { dockerReachable: true, socket } : { dockerReachable: false };
}

let cachedEngine: Promise<{ dockerReachable: boolean; socket?: string }> | undefined;

/** The provider mode for a service in this process (engine detection runs at most once). */
export async function resolveProviderMode(
  service: ProvidedService,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ProviderMode> {
  // Only probe the engine when the answer matters.
  const quick = selectProviderMode(service, env, { dockerReachable: false });
  if (quick === 'external' || env[forcedProviderVariable]?.trim()) return quick;
  cachedEngine ??= detectDockerEngine(env);
  return selectProviderMode(service, env, await cachedEngine);
}

/**
 * Local mode first tries the machine's own Postgres (127.0.0.1:5432) and Redis (127.0.0.1:6379).
 * SLIPWAY_TEST_MACHINE_SERVERS=off skips them, so the harness starts its own (embedded Postgres, redis-server).
 */
export function useMachineServers(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.SLIPWAY_TEST_MACHINE_SERVERS?.trim().toLowerCase() !== 'off';
}
