// End to end: the deploy action's committed bundle, run as the GitHub runner runs it, deploys real images
// (built from service/Dockerfile) over real SSH to a test host made of real sshd, nginx, podman, Postgres,
// Redis and Chroma — including under load, with a broken image, a failing migration, a concurrent deploy,
// a stale lock, and a wrong host key. Figures go to bench/results/deploy-under-load.json.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import pg from 'pg';
import {
  providePostgres,
  startChromaServer,
  startRedisServer,
  type ChromaServer,
  type ProvidedPostgres,
  type RedisServer,
} from '@slipway/harness';
import { runActionLikeRunner, type RunnerResult } from '../../scripts/run-action-like-runner.js';
import {
  dockerfileBaseImage,
  ensureBaseImage,
  qualifiedImageName,
  readDockerfile,
} from './support/base-image.js';
import { startFakeGithubApi, type FakeGithubApi } from './support/fake-github-api.js';
import { percentile, startLoad, type LoadReport } from './support/load-generator.js';
import { startPodmanEngine, type PodmanEngine } from './support/podman-engine.js';
import { buildE2eImages, type E2eImages } from './support/service-images.js';
import { generateKeys, knownHostsLine, startTestHost, type TestHost } from './support/test-host.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const actionEntry = path.join(repoRoot, 'actions/deploy/dist/index.js');
const runTag = randomBytes(3).toString('hex');
// Unique per run: container names (slipway-<environment>-<colour>) are global to the podman store, and
// other runs of this suite may share the machine.
const environment = `e2e-${runTag}`;

let runDir: string;
let engine: PodmanEngine;
let images: E2eImages;
let postgres: ProvidedPostgres;
let redis: RedisServer;
let chroma: ChromaServer;
let host: TestHost;
let github: FakeGithubApi;
const figures: Record<string, unknown> = {};
const setupTimings: Record<string, number> = {};

async function timedSetup<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await fn();
  setupTimings[name] = (Date.now() - started) / 1000;
  return result;
}

function deploy(
  inputs: Record<string, string>,
  extraEnv: Record<string, string> = {},
): Promise<RunnerResult> {
  return runActionLikeRunner({
    entry: actionEntry,
    timeoutMs: 120_000,
    inputs: {
      host: '127.0.0.1',
      port: String(host.sshPort),
      user: 'root',
      'ssh-key': host.keys.clientPrivateKey,
      'known-hosts': host.knownHosts,
      environment,
      'app-dir': host.appDir,
      url: host.url,
      'health-timeout': '30',
      'drain-seconds': '2',
      'lock-ttl': '600',
      'github-token': 'e2e-github-token',
      ...inputs,
    },
    env: {
      GITHUB_API_URL: github.url,
      GITHUB_SERVER_URL: 'https://github.example',
      GITHUB_REPOSITORY: 'acme/slipway',
      GITHUB_RUN_ID: '4242',
      GITHUB_ACTOR: 'release-manager',
      GITHUB_SHA: 'e2e0000000000000000000000000000000000000',
      ...extraEnv,
    },
  });
}

/** Per-step seconds from the action's log (`<step>: ok in <s> s`). */
function stepSeconds(result: RunnerResult): Record<string, number> {
  const steps: Record<string, number> = {};
  for (const match of result.stdout.matchAll(/^(\w+): ok in ([\d.]+) s$/gm))
    steps[match[1] as string] = Number(match[2]);
  return steps;
}

/** Seconds from the start of the run until traffic was switched (sum of the steps up to `switch`). */
function secondsUntilSwitched(result: RunnerResult): number {
  let total = 0;
  for (const [name, seconds] of Object.entries(stepSeconds(result))) {
    total += seconds;
    if (name === 'switch') break;
  }
  return Math.round(total * 100) / 100;
}

function explain(result: RunnerResult): string {
  return `exit ${result.exitCode}\n--- stdout ---\n${result.stdout.slice(-6000)}\n--- stderr ---\n${result.stderr.slice(-3000)}`;
}

function expectSuccess(result: RunnerResult): void {
  if (result.exitCode !== 0) throw new Error(`the action failed:\n${explain(result)}`);
}

async function publicVersion(): Promise<{ version: string; commit: string }> {
  const response = await fetch(`${host.url}/version`);
  expect(response.status).toBe(200);
  return (await response.json()) as { version: string; commit: string };
}

function readState(): { active: string; colors: Record<string, { image: string }> } {
  return JSON.parse(readFileSync(path.join(host.appDir, 'state.json'), 'utf8'));
}

function auditLines(): Array<Record<string, unknown>> {
  const file = path.join(host.appDir, 'audit.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function loadFigures(report: LoadReport) {
  const { samples: _samples, ...rest } = report;
  return rest;
}

async function underLoad(
  fn: () => Promise<RunnerResult>,
): Promise<{ result: RunnerResult; load: LoadReport; p99DuringSwapMs: number | null }> {
  const load = startLoad({ url: `${host.url}/health/live`, concurrency: 16, ratePerSecond: 400 });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const result = await fn();
  const actionEnded = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const report = await load.stop();
  // The swap window: from (about) the switch to the end of the run — switch, verify, drain, old colour
  // stopped. The switch happened `duration - switchedAfter` seconds before the action ended.
  const duration = Number(result.outputs['duration-seconds']);
  const switched = secondsUntilSwitched(result);
  let p99DuringSwapMs: number | null = null;
  if (Number.isFinite(duration) && switched > 0) {
    const windowStart = actionEnded - (duration - switched) * 1000 - 500;
    const inWindow = report.samples.filter((sample) => sample.at >= windowStart && sample.at <= actionEnded);
    p99DuringSwapMs =
      Math.round(
        percentile(
          inWindow.map((sample) => sample.ms),
          99,
        ) * 10,
      ) / 10;
  }
  return { result, load: report, p99DuringSwapMs };
}

beforeAll(async () => {
  runDir = mkdtempSync(path.join(os.tmpdir(), 'slipway-e2e-deploy-'));
  if (!existsSync(actionEntry))
    throw new Error('actions/deploy/dist/index.js is missing: npm run build:actions');
  engine = await timedSetup('podman', () => startPodmanEngine(runDir));
  const base = qualifiedImageName(dockerfileBaseImage(readDockerfile(repoRoot)));
  await timedSetup('base-image', () => ensureBaseImage(engine, base));
  images = await timedSetup('images', () => buildE2eImages(engine, repoRoot, runDir, runTag));

  postgres = await providePostgres();
  // Production refuses a DATABASE_URL without a password: give the fresh database an owner with one.
  const role = `slipway_e2e_${runTag}`;
  const password = randomBytes(12).toString('hex');
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
  await admin.query(`ALTER DATABASE ${postgres.database} OWNER TO ${role}`);
  await admin.end();
  const databaseUrl = new URL(postgres.url);
  databaseUrl.username = role;
  databaseUrl.password = password;

  const redisPassword = randomBytes(12).toString('hex');
  redis = await startRedisServer({ password: redisPassword });
  chroma = await startChromaServer({ dataDir: path.join(runDir, 'chroma') });
  github = await startFakeGithubApi();
  host = await timedSetup('test-host', () =>
    startTestHost({
      runDir,
      repoRoot,
      dockerHost: engine.dockerHost,
      environment,
      envFile: {
        NODE_ENV: 'production',
        DATABASE_URL: databaseUrl.toString(),
        REDIS_URL: `redis://:${redisPassword}@127.0.0.1:${redis.port}`,
        CHROMA_URL: chroma.url,
        API_KEY_PEPPER: randomBytes(24).toString('hex'),
        CORS_ORIGINS: 'https://e2e.example',
        LOG_LEVEL: 'warn',
      },
    }),
  );
}, 600_000);

afterAll(async () => {
  if (engine) {
    for (const color of ['blue', 'green']) {
      await engine.docker(['rm', '--force', `slipway-${environment}-${color}`]).catch(() => undefined);
    }
    for (const image of images ? [images.v1, images.v2, images.broken, images.badMigration] : []) {
      await engine.podman(['rmi', '--force', image]).catch(() => undefined);
    }
    // Bound the store: drop untagged build layers older than a day (recent ones are the layer cache).
    await engine.podman(['image', 'prune', '--force', '--filter', 'until=24h']).catch(() => undefined);
  }
  await host?.stop();
  await engine?.stop();
  await github?.close();
  await chroma?.stop();
  await redis?.stop();
  await postgres?.stop();
  if (Object.keys(figures).length > 0) {
    const out = path.join(repoRoot, 'bench/results');
    mkdirSync(out, { recursive: true });
    writeFileSync(
      path.join(out, 'deploy-under-load.json'),
      `${JSON.stringify({ measuredAt: new Date().toISOString(), machine: `${os.cpus().length} cpu, ${os.platform()}`, setupSeconds: setupTimings, imageBuildSeconds: images?.timings, ...figures }, null, 2)}\n`,
    );
  }
  if (runDir) rmSync(runDir, { recursive: true, force: true });
}, 120_000);

describe('SSH blue/green deploy (real sshd, nginx, podman, Postgres, Redis, Chroma)', () => {
  test('a wrong host key is refused before any command runs', async () => {
    const impostor = generateKeys(path.join(runDir, 'impostor-keys'));
    const before = host.sshdLog().split('Accepted publickey').length;
    const result = await deploy({
      image: images.v1,
      'known-hosts': knownHostsLine(host.sshPort, impostor.hostPublicKey),
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).toMatch(
      /host key of 127\.0\.0\.1:\d+ does not match known-hosts; refusing to connect/,
    );
    // No authentication happened, so no command can have run: nothing was created in the app dir.
    expect(host.sshdLog().split('Accepted publickey').length).toBe(before);
    expect(existsSync(path.join(host.appDir, 'lock.json'))).toBe(false);
    expect(existsSync(path.join(host.appDir, 'state.json'))).toBe(false);
    expect(existsSync(path.join(host.appDir, 'sockets'))).toBe(false);
  }, 60_000);

  test('first deploy: migrations, blue starts, nginx serves it, GitHub deployment recorded', async () => {
    github.calls.length = 0;
    const result = await deploy({ image: images.v1 });
    expectSuccess(result);
    expect(result.outputs).toMatchObject({
      color: 'blue',
      'previous-color': '',
      image: images.v1,
      url: host.url,
    });
    figures.firstDeploy = { seconds: Number(result.outputs['duration-seconds']), steps: stepSeconds(result) };
    expect(await publicVersion()).toEqual({ version: '1.0.0-e2e', commit: 'e2e-v1' });
    expect(readState().active).toBe('blue');
    expect(result.summary).toMatch(/Active colour \| blue/);
    expect(result.summary).toMatch(/\| migrate \| [\d.]+ \| ok \|/);
    expect(result.summary).toMatch(/command: rollback/);
    const states = github.calls
      .filter((call) => call.path.endsWith('/statuses'))
      .map((call) => call.body.state);
    expect(states).toEqual(['in_progress', 'success']);
    const created = github.calls.find((call) => call.path === '/repos/acme/slipway/deployments');
    expect(created?.body).toMatchObject({
      environment,
      ref: 'e2e0000000000000000000000000000000000000',
      auto_merge: false,
    });
    const success = github.calls.find((call) => call.body.state === 'success');
    expect(success?.body).toMatchObject({
      environment_url: host.url,
      log_url: 'https://github.example/acme/slipway/actions/runs/4242',
    });
    // /metrics is not public; the migration's schema exists (the service answers ready through nginx).
    expect((await fetch(`${host.url}/metrics`)).status).toBe(403);
    expect((await fetch(`${host.url}/health/ready`)).status).toBe(200);
  }, 180_000);

  test('second deploy under load: colour flips to green with zero failed requests', async () => {
    const { result, load, p99DuringSwapMs } = await underLoad(() => deploy({ image: images.v2 }));
    expectSuccess(result);
    expect(result.outputs).toMatchObject({ color: 'green', 'previous-color': 'blue', image: images.v2 });
    expect(await publicVersion()).toEqual({ version: '2.0.0-e2e', commit: 'e2e-v2' });
    figures.deployUnderLoad = {
      deploySeconds: Number(result.outputs['duration-seconds']),
      switchedAfterSeconds: secondsUntilSwitched(result),
      p99DuringSwapMs,
      steps: stepSeconds(result),
      load: loadFigures(load),
    };
    console.log('deploy under load', JSON.stringify(figures.deployUnderLoad));
    expect(load.requests).toBeGreaterThan(200);
    expect(load.connectionErrors).toBe(0);
    expect(load.non2xx).toBe(0);
    // The old colour is stopped but kept for rollback.
    expect(
      (
        await engine.docker(['inspect', '--format', '{{.State.Status}}', `slipway-${environment}-blue`])
      ).trim(),
    ).toBe('exited');
  }, 180_000);

  test('status reports the active colour, both releases and the lock', async () => {
    const result = await deploy({ command: 'status', image: '' });
    expectSuccess(result);
    expect(result.outputs).toMatchObject({ color: 'green', image: images.v2 });
    expect(result.stdout).toMatch(/active\.sock -> green\/app\.sock/);
    expect(result.stdout).toMatch(/blue: .*1\.0\.0-e2e.*container exited/);
    expect(result.stdout).toMatch(/lock: free/);
  }, 60_000);

  test('rollback under load switches back to blue in seconds with zero failed requests', async () => {
    const { result, load, p99DuringSwapMs } = await underLoad(() =>
      deploy({ command: 'rollback', image: '' }),
    );
    expectSuccess(result);
    expect(result.outputs).toMatchObject({ color: 'blue', 'previous-color': 'green', image: images.v1 });
    expect(await publicVersion()).toEqual({ version: '1.0.0-e2e', commit: 'e2e-v1' });
    figures.rollbackUnderLoad = {
      rollbackSeconds: Number(result.outputs['duration-seconds']),
      switchedAfterSeconds: secondsUntilSwitched(result),
      p99DuringSwapMs,
      steps: stepSeconds(result),
      load: loadFigures(load),
    };
    console.log('rollback under load', JSON.stringify(figures.rollbackUnderLoad));
    expect(load.connectionErrors).toBe(0);
    expect(load.non2xx).toBe(0);
  }, 120_000);

  test('a broken image never becomes healthy: deploy fails with its logs, blue keeps serving, zero failures', async () => {
    const { result, load } = await underLoad(() => deploy({ image: images.broken, 'health-timeout': '6' }));
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).toMatch(/did not become healthy within 6 s/);
    expect(result.stdout).toMatch(/refusing to become ready/);
    expect(await publicVersion()).toEqual({ version: '1.0.0-e2e', commit: 'e2e-v1' });
    expect(readState().active).toBe('blue');
    figures.brokenImageUnderLoad = { load: loadFigures(load) };
    expect(load.connectionErrors).toBe(0);
    expect(load.non2xx).toBe(0);
    await expect(engine.docker(['inspect', `slipway-${environment}-green`])).rejects.toThrow();
  }, 120_000);

  test('a failing migration stops the deploy before anything is swapped', async () => {
    const result = await deploy({ image: images.badMigration });
    if (result.exitCode === 0) throw new Error(`a failing migration was not detected:\n${explain(result)}`);
    expect(result.stdout).toMatch(/migrations failed with the new image \(exit \d+\); nothing was swapped/);
    expect(result.stdout).toMatch(/table_that_does_not_exist/);
    expect(result.summary).toMatch(/Failed step \| migrate/);
    expect(await publicVersion()).toEqual({ version: '1.0.0-e2e', commit: 'e2e-v1' });
    expect(readState().active).toBe('blue');
  }, 120_000);

  test('concurrent deploys: one holds the lock, the other fails naming the holder', async () => {
    const [first, second] = await Promise.all([
      deploy({ image: images.v2 }, { GITHUB_RUN_ID: '5001', GITHUB_ACTOR: 'alice' }),
      new Promise<void>((resolve) => setTimeout(resolve, 300)).then(() =>
        deploy({ image: images.v2 }, { GITHUB_RUN_ID: '5002', GITHUB_ACTOR: 'bob' }),
      ),
    ]);
    const results = [first, second];
    const winners = results.filter((result) => result.exitCode === 0);
    const losers = results.filter((result) => result.exitCode !== 0);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    expect(losers[0]?.stdout).toMatch(
      new RegExp(
        `deploy lock for ${environment} is held by (alice|bob) \\(https://github\\.example/acme/slipway/actions/runs/500[12]\\)`,
      ),
    );
    expect(await publicVersion()).toEqual({ version: '2.0.0-e2e', commit: 'e2e-v2' });
  }, 180_000);

  test('a stale lock is taken over with a warning; unlock clears a lock', async () => {
    const lockFile = path.join(host.appDir, 'lock.json');
    const stale = {
      id: 'deadbeef',
      owner: 'crashed-run',
      runUrl: 'https://github.example/acme/slipway/actions/runs/1',
      command: 'deploy',
      image: 'old',
      acquiredAt: new Date(Date.now() - 3600_000).toISOString(),
    };
    writeFileSync(lockFile, JSON.stringify(stale));
    const result = await deploy({ command: 'rollback', image: '' });
    expectSuccess(result);
    expect(result.stdout).toMatch(/taking over a stale deploy lock held by crashed-run/);
    expect(existsSync(lockFile)).toBe(false);

    writeFileSync(
      lockFile,
      JSON.stringify({ ...stale, owner: 'stuck-run', acquiredAt: new Date().toISOString() }),
    );
    const blocked = await deploy({ command: 'rollback', image: '' });
    expect(blocked.exitCode).not.toBe(0);
    expect(blocked.stdout).toMatch(/held by stuck-run/);
    const unlocked = await deploy({ command: 'unlock', image: '' });
    expectSuccess(unlocked);
    expect(unlocked.stdout).toMatch(/removed the deploy lock held by stuck-run/);
    expect(existsSync(lockFile)).toBe(false);
  }, 120_000);

  test('the audit log has one line per deploy and rollback, successes and failures', () => {
    const lines = auditLines();
    expect(lines.map((line) => [line.action, line.result, line.failedStep])).toEqual([
      ['deploy', 'success', null],
      ['deploy', 'success', null],
      ['rollback', 'success', null],
      ['deploy', 'failure', 'health'],
      ['deploy', 'failure', 'migrate'],
      ['deploy', 'success', null],
      ['rollback', 'success', null],
    ]);
    for (const line of lines) {
      expect(line).toMatchObject({
        environment,
        actor: expect.any(String),
        runUrl: expect.stringMatching(/actions\/runs\//),
      });
      expect(typeof line.durationSeconds).toBe('number');
      expect(String(line.imageId)).toMatch(/^(sha256:)?[0-9a-f]{64}$/);
    }
    expect(lines[0]).toMatchObject({
      image: images.v1,
      color: 'blue',
      previousColor: null,
      actor: 'release-manager',
    });
  });
});
