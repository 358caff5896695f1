// A single-node swarm on this machine's Docker engine, shared with other suites: it is initialised only when
// the engine is not in a swarm yet, and left again only by the session that initialised it, and only when
// no other run's services are still on it. Everything a run creates carries its stack name, so concurrent
// runs and other suites never touch each other's objects.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { DockerEngine } from './docker-engine.js';

const execFileAsync = promisify(execFile);

export interface SwarmSession {
  initialisedHere: boolean;
  leave(): Promise<void>;
}

export async function joinOrInitSwarm(engine: DockerEngine): Promise<SwarmSession> {
  const docker = (args: string[]) => engine.docker(args).then((out) => out.trim());
  const state = await docker(['info', '--format', '{{.Swarm.LocalNodeState}}']);
  const initialisedHere = state === 'inactive';
  if (initialisedHere) await docker(['swarm', 'init', '--advertise-addr', '127.0.0.1']);
  else if (state !== 'active') throw new Error(`this engine's swarm is "${state}"`);
  return {
    initialisedHere,
    // Another run may have joined the swarm this one initialised: leave only when no service is left.
    async leave() {
      if (!initialisedHere) return;
      const services = await docker(['service', 'ls', '-q']).catch(() => 'unknown');
      if (services === '') await docker(['swarm', 'leave', '--force']);
    },
  };
}

export interface DeployRun {
  code: number;
  output: string;
  seconds: number;
}

/** Runs compose/swarm-deploy.sh as the workflow does, with the given environment. */
export async function runSwarmDeploy(
  repoRoot: string,
  command: 'deploy' | 'rollback',
  stack: string,
  env: Record<string, string>,
): Promise<DeployRun> {
  const started = Date.now();
  const script = path.join(repoRoot, 'compose/swarm-deploy.sh');
  const result = await execFileAsync(script, [command, stack], {
    env: Object.fromEntries(
      Object.entries({
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DOCKER_HOST: process.env.DOCKER_HOST,
        ...env,
      }).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ),
    maxBuffer: 16 * 1024 * 1024,
    timeout: 600_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: typeof error.code === 'number' ? error.code : -1,
      output: `${error.stdout ?? ''}${error.stderr ?? ''}`,
    }),
  );
  return { ...result, seconds: (Date.now() - started) / 1000 };
}

/**
 * Removes the stack and whatever it created (services, network, secrets, config, migration jobs), and
 * waits until its task containers are gone, so the images they ran can be removed after it.
 */
export async function removeStack(engine: DockerEngine, stack: string): Promise<void> {
  const docker = (args: string[]) => engine.docker(args).then((out) => out.trim());
  await docker(['stack', 'rm', stack]).catch(() => undefined);
  for (let attempt = 0; attempt < 60; attempt++) {
    const left = await docker([
      'service',
      'ls',
      '--filter',
      `label=com.docker.stack.namespace=${stack}`,
      '-q',
    ]);
    const networks = await docker([
      'network',
      'ls',
      '--filter',
      `label=com.docker.stack.namespace=${stack}`,
      '-q',
    ]);
    // Task and job containers are named <stack>_<service>.…: they outlive their service for a moment.
    const containers = await docker(['ps', '--all', '--filter', `name=${stack}_`, '-q']);
    if (!left && !networks && !containers) break;
    if (left) await docker(['service', 'rm', ...left.split('\n')]).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  for (const kind of ['secret', 'config']) {
    const ids = await docker([kind, 'ls', '--filter', `label=com.docker.stack.namespace=${stack}`, '-q']);
    if (ids) await docker([kind, 'rm', ...ids.split('\n')]).catch(() => undefined);
  }
}

/** Removes the run's images, children first; retries while the engine still holds them for a removed task. */
export async function removeImages(engine: DockerEngine, images: string[]): Promise<string[]> {
  const kept: string[] = [];
  for (const image of images) {
    let lastError = '';
    for (let attempt = 0; attempt < 5; attempt++) {
      // The same build can give another run's image the same id; after the first try, only untag ours.
      lastError = await engine.docker(['rmi', ...(attempt > 0 ? ['--force'] : []), image]).then(
        () => '',
        (error: Error) => error.message,
      );
      if (!lastError || /No such image/i.test(lastError)) break;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    if (lastError && !/No such image/i.test(lastError)) kept.push(`${image}: ${lastError.split('\n')[0]}`);
  }
  return kept;
}
