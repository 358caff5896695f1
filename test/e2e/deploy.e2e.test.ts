// End to end: the deploy action's committed bundle, run as the GitHub runner runs it, deploys real images
// (built from service/Dockerfile) over real SSH to a host that scripts/provision prepared (run twice), logging
// in as the unprivileged deploy user it created, on the machine's Docker engine, behind nginx serving the
// provisioned sites, with real Postgres, Redis and Chroma — two environments side by side; under load, with a
// rollback inside and outside the rollback window, a broken image, a failing migration, a concurrent deploy,
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
import { dockerfileBaseImage, ensureBaseImage, readDockerfile } from './support/base-image.js';
import { connectDockerEngine, type DockerEngine } from './support/docker-engine.js';
import { startFakeGithubApi, type FakeGithubApi } from './support/fake-github-api.js';
import { percentile, startLoad, type LoadReport } from './support/load-generator.js';
import {
  generateKeys,
  knownHostsLine,
  removeProvisionedHost,
  startProvisionedHost,
  type HostEnvironment,
  type ProvisionedHost,
  type ProvisionOptions,
} from './support/provisioned-host.js';
import { buildE2eImages, type E2eImages } from './support/service-images.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const actionEntry = path.join(repoRoot, 'actions/deploy/dist/index.js');
const runTag = randomBytes(3).toString('hex');
// Unique per run: container names (slipway-<environment>-<colour>) are global to the engine, and the sites,
// users, sudoers and cron entries provisioning creates are global to the machine (runs may overlap).
const deployUser = `slipway-e2e-${runTag}`;
const environmentNames = [`stg-${runTag}`, `prd-${runTag}`];

interface EnvironmentStores {
  postgres: ProvidedPostgres;
  redis: RedisServer;
  chroma: ChromaServer;
}

let runDir: string;
let provisionOptions: ProvisionOptions;
let engine: DockerEngine;
let images: E2eImages;
let host: ProvisionedHost;
let github: FakeGithubApi;
// The environment most scenarios deploy to, and a second one on the same host that must not notice.
let main: HostEnvironment;
let other: HostEnvironment;
const stores: EnvironmentStores[] = [];
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
  target: HostEnvironment = main,
): Promise<RunnerResult> {
  return runActionLikeRunner({
    entry: actionEntry,
    timeoutMs: 120_000,
    inputs: {
      host: '127.0.0.1',
      port: String(host.sshPort),
      user: host.deployUser,
      'ssh-key': host.keys.clientPrivateKey,
      'known-hosts': host.knownHosts,
      environment: target.name,
      'app-dir': target.appDir,
      url: target.url,
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

async function publicVersion(target: HostEnvironment = main): Promise<{ version: string; commit: string }> {
  const response = await fetch(`${target.url}/version`);
  expect(response.status).toBe(200);
  return (await response.json()) as { version: string; commit: string };
}

interface StateFile {
  active: string;
  colors: Record<string, { image: string }>;
  window: { color: string; until: string } | null;
}

function readState(target: HostEnvironment = main): StateFile {
  return JSON.parse(readFileSync(path.join(target.appDir, 'state.json'), 'utf8')) as StateFile;
}

/** The audit log is the deploy user's (mode 0640): read as root, as an operator would with sudo. */
async function auditLines(): Promise<Array<Record<string, unknown>>> {
  const text = await host.readAsRoot(path.join(main.appDir, 'audit.jsonl'));
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function containerField(name: string, format: string): Promise<string> {
  return (await engine.docker(['inspect', '--format', format, name])).trim();
}

const containerStatus = (target: HostEnvironment, color: string) =>
  containerField(`slipway-${target.name}-${color}`, '{{.State.Status}}');

function loadFigures(report: LoadReport) {
  const { samples: _samples, ...rest } = report;
  return rest;
}

/** What a run under load records: its time, when traffic moved, per-step seconds and the load figures. */
function swapFigures(run: { result: RunnerResult; load: LoadReport; p99DuringSwapMs: number | null }) {
  return {
    seconds: Number(run.result.outputs['duration-seconds']),
    switchedAfterSeconds: secondsUntilSwitched(run.result),
    p99DuringSwapMs: run.p99DuringSwapMs,
    steps: stepSeconds(run.result),
    load: loadFigures(run.load),
  };
}

function expectNoFailures(load: LoadReport): void {
  expect(load.connectionErrors).toBe(0);
  expect(load.non2xx).toBe(0);
}

async function underLoad(
  fn: () => Promise<RunnerResult>,
  target: HostEnvironment = main,
): Promise<{ result: RunnerResult; load: LoadReport; p99DuringSwapMs: number | null }> {
  const load = startLoad({ url: `${target.url}/health/live`, concurrency: 16, ratePerSecond: 400 });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const result = await fn();
  const actionEnded = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const report = await load.stop();
  // The swap window: from (about) the switch to the end of the run.
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

/** A fresh database with an owner that has a password (production refuses one without). */
async function productionDatabaseUrl(postgres: ProvidedPostgres, name: string): Promise<string> {
  const role = `slipway_e2e_${name.replace(/-/g, '_')}`;
  const password = randomBytes(12).toString('hex');
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
  await admin.query(`ALTER DATABASE ${postgres.database} OWNER TO ${role}`);
  await admin.end();
  const url = new URL(postgres.url);
  url.username = role;
  url.password = password;
  return url.toString();
}

/** Each environment's own stores, written into its provisioned env file (as an operator edits it). */
async function startEnvironmentStores(target: HostEnvironment): Promise<void> {
  const postgres = await providePostgres();
  const redisPassword = randomBytes(12).toString('hex');
  const redis = await startRedisServer({ password: redisPassword });
  const chroma = await startChromaServer({ dataDir: path.join(runDir, `chroma-${target.name}`) });
  stores.push({ postgres, redis, chroma });
  const settings = {
    NODE_ENV: 'production',
    DATABASE_URL: await productionDatabaseUrl(postgres, target.name),
    REDIS_URL: `redis://:${redisPassword}@127.0.0.1:${redis.port}`,
    CHROMA_URL: chroma.url,
    API_KEY_PEPPER: randomBytes(24).toString('hex'),
    CORS_ORIGINS: 'https://e2e.example',
    LOG_LEVEL: 'warn',
  };
  const text = `${Object.entries(settings)
    .map(([name, value]) => `${name}=${value}`)
    .join('\n')}\n`;
  await host.writeAsDeployUser(path.join(target.appDir, 'env'), text, '0600');
}

beforeAll(async () => {
  runDir = mkdtempSync(path.join(os.tmpdir(), 'slipway-e2e-deploy-'));
  if (!existsSync(actionEntry))
    throw new Error('actions/deploy/dist/index.js is missing: npm run build:actions');
  engine = await timedSetup('engine', () => connectDockerEngine());
  const base = dockerfileBaseImage(readDockerfile(repoRoot));
  await timedSetup('base-image', () => ensureBaseImage(engine, base));
  images = await timedSetup('images', () => buildE2eImages(engine, repoRoot, runDir, runTag));
  github = await startFakeGithubApi();
  provisionOptions = { runDir, repoRoot, deployUser, environments: environmentNames };
  host = await timedSetup('provisioned-host', () => startProvisionedHost(provisionOptions));
  [main, other] = host.environments as [HostEnvironment, HostEnvironment];
  await timedSetup('stores', async () => {
    for (const target of host.environments) await startEnvironmentStores(target);
  });
}, 900_000);

afterAll(async () => {
  if (engine) {
    for (const name of environmentNames) {
      for (const color of ['blue', 'green']) {
        await engine.docker(['rm', '--force', `slipway-${name}-${color}`]).catch(() => undefined);
      }
    }
    for (const image of images ? [images.v1, images.v2, images.broken, images.badMigration] : []) {
      await engine.docker(['rmi', '--force', image]).catch(() => undefined);
    }
    // Bound the engine's store: dangling build layers older than a day (recent ones are the build cache).
    await engine.docker(['image', 'prune', '--force', '--filter', 'until=24h']).catch(() => undefined);
  }
  await host?.stop();
  if (provisionOptions) await removeProvisionedHost(provisionOptions);
  await github?.close();
  for (const store of stores) {
    await store.chroma.stop();
    await store.redis.stop();
    await store.postgres.stop();
  }
  if (Object.keys(figures).length > 0) {
    const out = path.join(repoRoot, 'bench/results');
    mkdirSync(out, { recursive: true });
    const record = {
      measuredAt: new Date().toISOString(),
      machine: `${os.cpus().length} cpu, ${os.platform()}, load average ${os
        .loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')}`,
      sshUser: host?.deployUser,
      sshUid: host?.deployUid,
      engine: engine ? `docker ${engine.serverVersion} (${engine.builder})` : null,
      provisioned: host ? { runs: host.provisionRuns.map((run) => ({ changes: run.changes })) } : null,
      setupSeconds: setupTimings,
      imageBuildSeconds: images?.timings,
      ...figures,
    };
    writeFileSync(path.join(out, 'deploy-under-load.json'), `${JSON.stringify(record, null, 2)}\n`);
  }
  if (runDir) rmSync(runDir, { recursive: true, force: true });
}, 180_000);

describe('the provisioned test host', () => {
  test('scripts/provision ran twice for real; the second run changed nothing', () => {
    expect(host.provisionRuns).toHaveLength(2);
    expect(host.provisionRuns[0]?.changes).toBeGreaterThan(0);
    expect(host.provisionRuns[1]?.changes).toBe(0);
    expect(host.provisionRuns[1]?.output).toMatch(/== done: \d+ steps, 0 changes/);
  });

  test('the deploy user is unprivileged: docker group, and sudo for nginx -t only', async () => {
    expect(host.deployUid).not.toBe(0);
    const groups = await host.runAsDeployUser(['id', '-nG']);
    expect(groups.stdout.split(/\s+/)).toContain('docker');
    const sudoers = await host.readAsRoot(`/etc/sudoers.d/slipway-${deployUser}`);
    expect(sudoers).toMatch(
      new RegExp(`^${deployUser} ALL=\\(root\\) NOPASSWD: /usr/sbin/nginx -t, /usr/sbin/nginx -t -q$`, 'm'),
    );
    const listed = await host.runAsDeployUser(['sudo', '-n', '-l']);
    expect(listed.stdout).not.toMatch(/\(ALL\)|\(root\) NOPASSWD: ALL/);
    // Anything but nginx -t is refused.
    expect((await host.runAsDeployUser(['sudo', '-n', '/usr/bin/id'])).code).not.toBe(0);
  });

  test('two environments get their own compose project, store ports, volumes and nginx site', async () => {
    const composeEnvs = await Promise.all(
      host.environments.map((target) => host.readAsRoot(path.join(target.appDir, 'compose.env'))),
    );
    const setting = (text: string, name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(text)?.[1];
    const [a, b] = composeEnvs as [string, string];
    expect(setting(a, 'SLIPWAY_ENVIRONMENT')).toBe(main.name);
    expect(setting(b, 'SLIPWAY_ENVIRONMENT')).toBe(other.name);
    for (const name of [
      'POSTGRES_PORT',
      'REDIS_PORT',
      'CHROMA_PORT',
      'POSTGRES_PASSWORD',
      'REDIS_PASSWORD',
    ]) {
      expect(setting(a, name)).toBeTruthy();
      expect(setting(a, name)).not.toBe(setting(b, name));
    }
    // The compose file names its project, and so its volumes, after SLIPWAY_ENVIRONMENT.
    const compose = readFileSync(path.join(main.appDir, 'compose.yml'), 'utf8');
    expect(compose).toMatch(/^name: slipway-\$\{SLIPWAY_ENVIRONMENT:\?/m);
    const sites = await Promise.all(
      host.environments.map((target) =>
        host.readAsRoot(`/etc/nginx/sites-available/slipway-${target.name}.conf`),
      ),
    );
    for (const [index, target] of host.environments.entries()) {
      const site = sites[index] as string;
      expect(site).toContain(`listen 127.0.0.1:${target.nginxPort};`);
      expect(site).toContain(`server unix:${target.appDir}/sockets/active.sock`);
      expect(site).not.toMatch(/@[A-Z_]+@/);
    }
    expect(sites[0]).not.toContain(other.appDir);
  });
});

describe('SSH blue/green deploy to the provisioned host, as the deploy user, on Docker', () => {
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
    expect(existsSync(path.join(main.appDir, 'lock.json'))).toBe(false);
    expect(existsSync(path.join(main.appDir, 'state.json'))).toBe(false);
  }, 60_000);

  test('first deploy: migrations, blue starts as the deploy user, nginx serves it, GitHub deployment recorded', async () => {
    github.calls.length = 0;
    const result = await deploy({ image: images.v1 });
    expectSuccess(result);
    expect(result.outputs).toMatchObject({
      color: 'blue',
      'previous-color': '',
      image: images.v1,
      url: main.url,
    });
    figures.firstDeploy = { seconds: Number(result.outputs['duration-seconds']), steps: stepSeconds(result) };
    expect(result.stdout).toMatch(new RegExp(`host user ${deployUser} \\(uid ${host.deployUid},`));
    expect(host.sshdLog()).toMatch(new RegExp(`Accepted publickey for ${deployUser} from 127\\.0\\.0\\.1`));
    expect(await publicVersion()).toEqual({ version: '1.0.0-e2e', commit: 'e2e-v1' });
    // The colour runs as the deploy user's uid (its socket directory is that user's, made without root).
    expect(await containerField(`slipway-${main.name}-blue`, '{{.Config.User}}')).toMatch(
      new RegExp(`^${host.deployUid}:\\d+$`),
    );
    expect(readState().active).toBe('blue');
    expect(result.summary).toMatch(/Active colour \| blue/);
    expect(result.summary).toMatch(/\| migrate \| [\d.]+ \| ok \|/);
    expect(result.summary).toMatch(/command: rollback/);
    const states = github.calls
      .filter((call) => call.path.endsWith('/statuses'))
      .map((call) => call.body.state);
    expect(states).toEqual(['in_progress', 'success']);
    const created = github.calls.filter((call) => call.path === '/repos/acme/slipway/deployments');
    expect(created).toHaveLength(1);
    expect(created[0]?.body).toMatchObject({
      environment: main.name,
      ref: 'e2e0000000000000000000000000000000000000',
      auto_merge: false,
    });
    const success = github.calls.find((call) => call.body.state === 'success');
    expect(success?.body).toMatchObject({
      environment_url: main.url,
      log_url: 'https://github.example/acme/slipway/actions/runs/4242',
    });
    // /metrics is not public; the migration's schema exists (the service answers ready through nginx).
    expect((await fetch(`${main.url}/metrics`)).status).toBe(403);
    expect((await fetch(`${main.url}/health/ready`)).status).toBe(200);
  }, 180_000);

  test('the second environment on the same host deploys into its own stores and site', async () => {
    const result = await deploy({ image: images.v1 }, {}, other);
    expectSuccess(result);
    expect(await publicVersion(other)).toEqual({ version: '1.0.0-e2e', commit: 'e2e-v1' });
    expect(readState(other).active).toBe('blue');
    expect(existsSync(path.join(other.appDir, 'sockets/active.sock'))).toBe(true);
  }, 180_000);

  test("the runbooks' host commands work as the deploy user, with only what provisioning installed", async () => {
    const tools = await host.runAsDeployUser([
      'sh',
      '-c',
      'for t in docker jq curl /usr/local/sbin/slipway-backup /usr/local/sbin/slipway-restore /usr/local/bin/slipway-expire-rollback-window; do command -v "$t" >/dev/null || { echo "missing $t"; exit 1; }; done',
    ]);
    expect(tools.stdout + tools.stderr).toBe('');
    expect(tools.code).toBe(0);
    const envFile = path.join(main.appDir, 'env');
    // The env check before a first deploy (runbooks/deploy.md), with the image about to be deployed.
    const ok = await host.runAsDeployUser([
      'docker',
      'run',
      '--rm',
      '--env-file',
      envFile,
      images.v1,
      'service/dist/cli/check-config.js',
    ]);
    expect(ok.stdout.trim()).toBe('config ok (NODE_ENV=production)');
    expect(ok.code).toBe(0);
    const broken = path.join(main.appDir, 'env.broken');
    // What production refuses: no Redis, a database without a password, a short pepper.
    const insecure = [
      'NODE_ENV=production',
      'DATABASE_URL=postgres://slipway@127.0.0.1:5432/slipway',
      'CHROMA_URL=http://127.0.0.1:8000',
      'API_KEY_PEPPER=short',
    ];
    await host.writeAsDeployUser(broken, `${insecure.join('\n')}\n`, '0600');
    const refused = await host.runAsDeployUser([
      'docker',
      'run',
      '--rm',
      '--env-file',
      broken,
      images.v1,
      'service/dist/cli/check-config.js',
    ]);
    expect(refused.code).toBe(78);
    expect(refused.stderr).toMatch(/API_KEY_PEPPER is shorter than 32 characters/);
    expect(refused.stderr).toMatch(/REDIS_URL is required in production/);
    expect(refused.stderr).toMatch(/DATABASE_URL has no password/);
    // The keys CLI from the active colour's image (runbooks/rotate-secrets.md).
    const keys = await host.runAsDeployUser([
      'docker',
      'run',
      '--rm',
      '--network',
      'host',
      '--env-file',
      envFile,
      images.v1,
      'service/dist/cli/keys.js',
      'list',
    ]);
    if (keys.code !== 0) throw new Error(`keys list failed:\n${keys.stdout}${keys.stderr}`);
  }, 120_000);

  test('second deploy under load: green takes over with zero failed requests; the other environment never notices', async () => {
    const otherLoad = startLoad({ url: `${other.url}/health/live`, concurrency: 4, ratePerSecond: 100 });
    const run = await underLoad(() => deploy({ image: images.v2 }));
    const { result, load } = run;
    const otherReport = await otherLoad.stop();
    expectSuccess(result);
    expect(result.outputs).toMatchObject({ color: 'green', 'previous-color': 'blue', image: images.v2 });
    expect(await publicVersion()).toEqual({ version: '2.0.0-e2e', commit: 'e2e-v2' });
    expect(await publicVersion(other)).toEqual({ version: '1.0.0-e2e', commit: 'e2e-v1' });
    figures.deployUnderLoad = { ...swapFigures(run), otherEnvironmentLoad: loadFigures(otherReport) };
    console.log('deploy under load', JSON.stringify(figures.deployUnderLoad));
    expect(load.requests).toBeGreaterThan(200);
    expectNoFailures(load);
    expect(otherReport.requests).toBeGreaterThan(50);
    expectNoFailures(otherReport);
    // The old colour keeps running, drained and idle, for the rollback window.
    expect(await containerStatus(main, 'blue')).toBe('running');
    expect(readState().window).toMatchObject({ color: 'blue' });
    const memory = (
      await engine.docker(['stats', '--no-stream', '--format', '{{.MemUsage}}', `slipway-${main.name}-blue`])
    ).trim();
    figures.rollbackWindowIdleColourMemory = memory;
  }, 180_000);

  test('status reports the active colour, both releases, the lock and the rollback window', async () => {
    const result = await deploy({ command: 'status', image: '' });
    expectSuccess(result);
    expect(result.outputs).toMatchObject({ color: 'green', image: images.v2 });
    expect(result.stdout).toMatch(/active\.sock -> green\/app\.sock/);
    expect(result.stdout).toMatch(/blue: .*1\.0\.0-e2e.*container running/);
    expect(result.stdout).toMatch(/lock: free/);
    expect(result.stdout).toMatch(/rollback window: blue kept running until \d{4}-\d\d-\d\dT/);
  }, 60_000);

  test('rollback inside the window under load is a switch: traffic back on blue, zero failed requests', async () => {
    const run = await underLoad(() => deploy({ command: 'rollback', image: '' }));
    const { result, load } = run;
    expectSuccess(result);
    expect(result.outputs).toMatchObject({ color: 'blue', 'previous-color': 'green', image: images.v1 });
    expect(await publicVersion()).toEqual({ version: '1.0.0-e2e', commit: 'e2e-v1' });
    figures.rollbackUnderLoad = { ...swapFigures(run), insideRollbackWindow: true };
    console.log('rollback under load', JSON.stringify(figures.rollbackUnderLoad));
    expectNoFailures(load);
    // Nothing had to start: the start step found blue running.
    expect(result.stdout).not.toMatch(/docker start/);
    expect(await containerStatus(main, 'green')).toBe('exited');
    expect(readState().window).toBeNull();
  }, 120_000);

  test('a broken image never becomes healthy: deploy fails with its logs, blue keeps serving, zero failures', async () => {
    const { result, load } = await underLoad(() => deploy({ image: images.broken, 'health-timeout': '6' }));
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).toMatch(/did not become healthy within 6 s/);
    expect(result.stdout).toMatch(/refusing to become ready/);
    expect(await publicVersion()).toEqual({ version: '1.0.0-e2e', commit: 'e2e-v1' });
    expect(readState().active).toBe('blue');
    figures.brokenImageUnderLoad = { load: loadFigures(load) };
    expectNoFailures(load);
    await expect(engine.docker(['inspect', `slipway-${main.name}-green`])).rejects.toThrow();
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
        `deploy lock for ${main.name} is held by (alice|bob) \\(https://github\\.example/acme/slipway/actions/runs/500[12]\\)`,
      ),
    );
    expect(await publicVersion()).toEqual({ version: '2.0.0-e2e', commit: 'e2e-v2' });
  }, 180_000);

  test('a stale lock is taken over with a warning; unlock clears a lock', async () => {
    const lockFile = path.join(main.appDir, 'lock.json');
    const stale = {
      id: 'deadbeef',
      owner: 'crashed-run',
      runUrl: 'https://github.example/acme/slipway/actions/runs/1',
      command: 'deploy',
      image: 'old',
      acquiredAt: new Date(Date.now() - 3600_000).toISOString(),
    };
    await host.writeAsDeployUser(lockFile, JSON.stringify(stale), '0644');
    const result = await deploy({ command: 'rollback', image: '' });
    expectSuccess(result);
    expect(result.stdout).toMatch(/taking over a stale deploy lock held by crashed-run/);
    expect(existsSync(lockFile)).toBe(false);

    await host.writeAsDeployUser(
      lockFile,
      JSON.stringify({ ...stale, owner: 'stuck-run', acquiredAt: new Date().toISOString() }),
      '0644',
    );
    const blocked = await deploy({ command: 'rollback', image: '' });
    expect(blocked.exitCode).not.toBe(0);
    expect(blocked.stdout).toMatch(/held by stuck-run/);
    const unlocked = await deploy({ command: 'unlock', image: '' });
    expectSuccess(unlocked);
    expect(unlocked.stdout).toMatch(/removed the deploy lock held by stuck-run/);
    expect(existsSync(lockFile)).toBe(false);
  }, 120_000);

  test('outside the window (rollback-window 0) the old colour stops, and a rollback restarts it under load', async () => {
    // State now: blue active (v1) after the rollback above; green stopped.
    const deployed = await deploy({ image: images.v2, 'rollback-window': '0' });
    expectSuccess(deployed);
    expect(await containerStatus(main, 'blue')).toBe('exited');
    expect(readState().window).toBeNull();
    const run = await underLoad(() => deploy({ command: 'rollback', image: '' }));
    const { result, load } = run;
    expectSuccess(result);
    expect(await publicVersion()).toEqual({ version: '1.0.0-e2e', commit: 'e2e-v1' });
    figures.rollbackOutsideWindowUnderLoad = { ...swapFigures(run), insideRollbackWindow: false };
    console.log('rollback outside the window', JSON.stringify(figures.rollbackOutsideWindowUnderLoad));
    expectNoFailures(load);
  }, 180_000);

  test("the host's reaper stops the previous colour once its window has passed, never before", async () => {
    // blue active (v1); deploy v2 with a 4 s window: blue stays up until the reaper finds it expired.
    const result = await deploy({ image: images.v2, 'rollback-window': '4' });
    expectSuccess(result);
    const reaper = ['/usr/local/bin/slipway-expire-rollback-window', main.appDir, other.appDir];
    const early = await host.runAsDeployUser(reaper);
    expect(early.code).toBe(0);
    expect(await containerStatus(main, 'blue')).toBe('running');
    const until = Date.parse(readState().window?.until ?? '');
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, until - Date.now()) + 1200));
    const late = await host.runAsDeployUser(reaper);
    expect(late.code).toBe(0);
    expect(late.stdout).toMatch(
      new RegExp(`rollback window of blue is over; stopping slipway-${main.name}-blue`),
    );
    expect(await containerStatus(main, 'blue')).toBe('exited');
    expect(await containerStatus(main, 'green')).toBe('running');
    expect(readState().window).toBeNull();
    expect(await publicVersion()).toEqual({ version: '2.0.0-e2e', commit: 'e2e-v2' });
    // The other environment was never touched.
    expect(await publicVersion(other)).toEqual({ version: '1.0.0-e2e', commit: 'e2e-v1' });
  }, 120_000);

  test('the audit log has one line per deploy and rollback, successes and failures', async () => {
    const lines = await auditLines();
    expect(lines.map((line) => [line.action, line.result, line.failedStep])).toEqual([
      ['deploy', 'success', null],
      ['deploy', 'success', null],
      ['rollback', 'success', null],
      ['deploy', 'failure', 'health'],
      ['deploy', 'failure', 'migrate'],
      ['deploy', 'success', null],
      ['rollback', 'success', null],
      ['deploy', 'success', null],
      ['rollback', 'success', null],
      ['deploy', 'success', null],
    ]);
    for (const line of lines) {
      expect(line).toMatchObject({
        environment: main.name,
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
