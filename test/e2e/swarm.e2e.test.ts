// End to end on a real single-node Docker Swarm on this machine: compose/swarm-deploy.sh deploys
// compose/swarm-stack.yml (the API built from service/Dockerfile, nginx in front) with Postgres, Redis and
// Chroma outside the swarm, under steady load through the published entry point. Every request counts;
// a non-2xx answer or a connection error (reset, refused, timeout) is a failure. Figures go to
// bench/results/swarm-under-load.json (docs/benchmarks.md).
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import pg from 'pg';
import {
  freePort,
  providePostgres,
  startChromaServer,
  startRedisServer,
  type ChromaServer,
  type ProvidedPostgres,
  type RedisServer,
} from '@slipway/harness';
import { dockerfileBaseImage, ensureBaseImage, readDockerfile } from './support/base-image.js';
import { connectDockerEngine, type DockerEngine } from './support/docker-engine.js';
import { startLoad, type LoadReport } from './support/load-generator.js';
import { buildE2eImages, type E2eImages } from './support/service-images.js';
import { ensureNginxImage } from './support/swarm-images.js';
import {
  joinOrInitSwarm,
  removeStack,
  runSwarmDeploy,
  type DeployRun,
  type SwarmSession,
} from './support/swarm-session.js';
import { startStoreRelay, type StoreRelay } from './support/swarm-store-relay.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const runTag = randomBytes(3).toString('hex');
const stack = `slipway-e2e-${runTag}`;
const nginxImage = 'nginx:1.27-bookworm';

let runDir: string;
let engine: DockerEngine;
let swarm: SwarmSession;
let images: E2eImages;
let nginxImageSource: string;
let postgres: ProvidedPostgres;
let redis: RedisServer;
let chroma: ChromaServer;
const relays: StoreRelay[] = [];
let deployEnv: Record<string, string>;
let entryPoint: string;
const figures: Record<string, unknown> = {};

const docker = (args: string[]) => engine.docker(args).then((out) => out.trim());

async function getText(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.text() };
}

async function servedVersion(): Promise<string> {
  const { body } = await getText(`${entryPoint}/version`);
  return (JSON.parse(body) as { version: string }).version;
}

/** The image every task of the API service is told to run, and the spec's version index. */
async function apiSpec(): Promise<{ image: string; index: number }> {
  const out = await docker([
    'service',
    'inspect',
    `${stack}_api`,
    '--format',
    '{{.Spec.TaskTemplate.ContainerSpec.Image}} {{.Version.Index}}',
  ]);
  const [image, index] = out.split(' ');
  return { image: image as string, index: Number(index) };
}

async function runningImages(): Promise<string[]> {
  const out = await docker([
    'service',
    'ps',
    `${stack}_api`,
    '--filter',
    'desired-state=running',
    '--format',
    '{{.Image}}',
  ]);
  return out.split('\n').filter(Boolean).sort();
}

const deploy = (image: string) =>
  runSwarmDeploy(repoRoot, 'deploy', stack, { ...deployEnv, SLIPWAY_IMAGE: image });

/** Deploys under steady load and reports every request made from just before to just after it. */
async function deployUnderLoad(image: string): Promise<{ run: DeployRun; load: LoadReport }> {
  const load = startLoad({ url: `${entryPoint}/health/ready`, concurrency: 8, ratePerSecond: 100 });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const run = await deploy(image);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return { run, load: await load.stop() };
}

function record(name: string, run: DeployRun, load: LoadReport) {
  const { samples: _samples, p50Ms, p99Ms, maxMs, ...summary } = load;
  const round = (ms: number) => Math.round(ms * 10) / 10;
  figures[name] = {
    deploySeconds: run.seconds,
    exitCode: run.code,
    ...summary,
    p50Ms: round(p50Ms),
    p99Ms: round(p99Ms),
    maxMs: round(maxMs),
  };
}

beforeAll(async () => {
  runDir = mkdtempSync(path.join(os.tmpdir(), 'slipway-e2e-swarm-'));
  engine = await connectDockerEngine();
  swarm = await joinOrInitSwarm(engine);
  await ensureBaseImage(engine, dockerfileBaseImage(readDockerfile(repoRoot)));
  nginxImageSource = await ensureNginxImage(engine, nginxImage);
  images = await buildE2eImages(engine, repoRoot, runDir, `swarm-${runTag}`);

  postgres = await providePostgres();
  const role = `slipway_swarm_${runTag}`;
  const password = randomBytes(12).toString('hex');
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
  await admin.query(`ALTER DATABASE ${postgres.database} OWNER TO ${role}`);
  await admin.end();
  const redisPassword = randomBytes(12).toString('hex');
  redis = await startRedisServer({ password: redisPassword });
  chroma = await startChromaServer({ dataDir: path.join(runDir, 'chroma') });

  const postgresUrl = new URL(postgres.url);
  const postgresRelay = await startStoreRelay({
    host: postgresUrl.hostname,
    port: Number(postgresUrl.port || 5432),
  });
  const redisRelay = await startStoreRelay({ host: '127.0.0.1', port: redis.port });
  const chromaRelay = await startStoreRelay({ host: '127.0.0.1', port: Number(new URL(chroma.url).port) });
  relays.push(postgresRelay, redisRelay, chromaRelay);
  const databaseUrl = new URL(postgres.url);
  databaseUrl.username = role;
  databaseUrl.password = password;
  databaseUrl.host = postgresRelay.address;

  const httpPort = await freePort();
  entryPoint = `http://127.0.0.1:${httpPort}`;
  deployEnv = {
    CHROMA_URL: `http://${chromaRelay.address}`,
    DATABASE_URL: databaseUrl.toString(),
    REDIS_URL: `redis://:${redisPassword}@${redisRelay.address}`,
    API_KEY_PEPPER: randomBytes(24).toString('hex'),
    CORS_ORIGINS: 'https://e2e.example',
    LOG_LEVEL: 'warn',
    HTTP_PORT: String(httpPort),
    NGINX_IMAGE: nginxImage,
    RESOLVE_IMAGE: 'never',
    HEALTH_INTERVAL: '1s',
    HEALTH_RETRIES: '3',
    HEALTH_START_PERIOD: '30s',
    UPDATE_MONITOR: '5s',
    MIGRATE_TIMEOUT: '120',
    CONVERGE_TIMEOUT: '240',
  };
}, 600_000);

afterAll(async () => {
  if (engine) await removeStack(engine, stack);
  for (const image of images ? [images.badMigration, images.broken, images.v2, images.v1] : []) {
    await docker(['rmi', image]).catch(() => undefined);
  }
  await swarm?.leave();
  for (const relay of relays) await relay.close();
  await chroma?.stop();
  await redis?.stop();
  await postgres?.stop();
  rmSync(runDir, { recursive: true, force: true });
  if (Object.keys(figures).length > 0) {
    const out = path.join(repoRoot, 'bench/results');
    mkdirSync(out, { recursive: true });
    writeFileSync(
      path.join(out, 'swarm-under-load.json'),
      `${JSON.stringify(
        {
          measuredAt: new Date().toISOString(),
          machine: `${os.cpus().length} cpu, ${os.platform()}`,
          loadAverage: os.loadavg().map((value) => Math.round(value * 100) / 100),
          engine: `docker ${engine?.serverVersion ?? '?'}, single-node swarm`,
          nginxImage: `${nginxImage} (${nginxImageSource ?? '?'})`,
          swarmInitialisedByTest: swarm?.initialisedHere ?? null,
          replicas: 2,
          imageBuildSeconds: images?.timings,
          ...figures,
        },
        null,
        2,
      )}\n`,
    );
  }
}, 300_000);

describe('Slipway on a single-node Docker Swarm', () => {
  test('v1 deploys: migrations, then two healthy tasks behind nginx', async () => {
    const run = await deploy(images.v1);
    expect(run.output).toMatch(/migrate: complete/);
    expect(run.code === 0 ? 'deployed' : run.output).toBe('deployed');
    figures.firstDeploySeconds = run.seconds;
    expect(await servedVersion()).toBe('1.0.0-e2e');
    expect(await runningImages()).toEqual([images.v1, images.v1]);
    const ready = await getText(`${entryPoint}/health/ready`);
    expect(ready.status).toBe(200);
  }, 300_000);

  test('rolling update to v2 under load: 0 failed requests', async () => {
    const { run, load } = await deployUnderLoad(images.v2);
    record('rollingUpdate', run, load);
    expect(run.code === 0 ? 'deployed' : run.output).toBe('deployed');
    expect(load.requests).toBeGreaterThan(500);
    expect({ failures: load.failures, errorKinds: load.errorKinds, statusCounts: load.statusCounts }).toEqual(
      {
        failures: 0,
        errorKinds: {},
        statusCounts: { '200': load.requests },
      },
    );
    expect(await servedVersion()).toBe('2.0.0-e2e');
    expect(await runningImages()).toEqual([images.v2, images.v2]);
  }, 300_000);

  test('an image that never gets healthy: Swarm rolls back by itself, 0 failed requests', async () => {
    const { run, load } = await deployUnderLoad(images.broken);
    record('neverHealthy', run, load);
    expect(run.output).toMatch(/rollback_completed/);
    expect(run.code).toBe(4);
    expect(load.failures).toBe(0);
    expect(load.requests).toBeGreaterThan(500);
    expect((await apiSpec()).image).toBe(images.v2);
    expect(await runningImages()).toEqual([images.v2, images.v2]);
    expect(await servedVersion()).toBe('2.0.0-e2e');
  }, 300_000);

  test('a failing migration: no update starts', async () => {
    const before = await apiSpec();
    const run = await deploy(images.badMigration);
    figures.failingMigration = { deploySeconds: run.seconds, exitCode: run.code };
    expect(run.output).toMatch(/migrate: failed; the stack was not updated/);
    expect(run.output).toMatch(/table_that_does_not_exist/);
    expect(run.code).toBe(3);
    expect(await apiSpec()).toEqual(before);
    expect(await runningImages()).toEqual([images.v2, images.v2]);
    const jobs = await docker(['service', 'ls', '--filter', `name=${stack}_migrate`, '-q']);
    expect(jobs).toBe('');
  }, 300_000);
});
