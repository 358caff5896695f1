// A Docker-compatible engine for the e2e: podman's API service on a unix socket, with its own
// containers.conf (runtime runc, ulimits within this machine's hard limits) and storage.conf. The store is
// kept between runs (layer cache) under one fixed storage configuration — changing the driver of an
// existing store makes podman hang — so the configuration below must not change for a given root.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { startManagedProcess, type ManagedProcess } from '../../../harness/src/managed-process.js';

const execFileAsync = promisify(execFile);

export interface PodmanEngine {
  /** unix:///…/podman.sock, for DOCKER_HOST. */
  dockerHost: string;
  /** Environment for `podman` and `docker` CLIs talking to this engine. */
  env: NodeJS.ProcessEnv;
  podman(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<string>;
  docker(args: string[], options?: { timeoutMs?: number }): Promise<string>;
  stop(): Promise<void>;
}

/** Root of the persistent store (layer cache across runs). */
export function podmanRoot(): string {
  return process.env.SLIPWAY_E2E_PODMAN_ROOT ?? '/var/tmp/slipway-e2e-podman';
}

export function writePodmanConfig(root: string): {
  containersConf: string;
  storageConf: string;
  tmpDir: string;
} {
  mkdirSync(path.join(root, 'tmp'), { recursive: true });
  const containersConf = path.join(root, 'containers.conf');
  const storageConf = path.join(root, 'storage.conf');
  writeFileSync(
    containersConf,
    [
      '[engine]',
      'runtime = "runc"',
      'events_logger = "file"',
      'cgroup_manager = "cgroupfs"',
      '[containers]',
      'default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]',
      'log_driver = "k8s-file"',
      '',
    ].join('\n'),
  );
  writeFileSync(
    storageConf,
    ['[storage]', 'driver = "overlay"', `graphroot = "${root}/storage"`, `runroot = "${root}/run"`, ''].join(
      '\n',
    ),
  );
  return { containersConf, storageConf, tmpDir: path.join(root, 'tmp') };
}

async function waitForSocket(socket: string, proc: ManagedProcess, env: NodeJS.ProcessEnv): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (proc.exited()) throw new Error(`podman system service exited:\n${proc.output()}`);
    if (existsSync(socket)) {
      try {
        await execFileAsync('docker', ['version', '--format', '{{.Server.Version}}'], { env, timeout: 5000 });
        return;
      } catch {
        // not answering yet
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`podman socket ${socket} did not answer:\n${proc.output()}`);
}

export async function startPodmanEngine(runDir: string): Promise<PodmanEngine> {
  const root = podmanRoot();
  const { containersConf, storageConf, tmpDir } = writePodmanConfig(root);
  const socket = path.join(runDir, 'podman.sock');
  const dockerHost = `unix://${socket}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CONTAINERS_CONF: containersConf,
    CONTAINERS_STORAGE_CONF: storageConf,
    TMPDIR: tmpDir,
    DOCKER_HOST: dockerHost,
    DOCKER_BUILDKIT: '0',
  };
  const proc = startManagedProcess({
    name: 'podman system service',
    command: 'podman',
    args: ['system', 'service', '--time=0', dockerHost],
    env,
    stopTimeoutMs: 5000,
  });
  await waitForSocket(socket, proc, env);
  const run = async (
    command: string,
    args: string[],
    options: { input?: string; timeoutMs?: number } = {},
  ) => {
    try {
      const { stdout } = await execFileAsync(command, args, {
        env,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      return stdout;
    } catch (error) {
      const failure = error as Error & { stderr?: string; stdout?: string };
      throw new Error(`${command} ${args.join(' ')} failed: ${failure.message}\n${failure.stderr ?? ''}`);
    }
  };
  return {
    dockerHost,
    env,
    podman: (args, options) => run('podman', args, options),
    docker: (args, options) => run('docker', args, options),
    stop: () => proc.stop(),
  };
}
