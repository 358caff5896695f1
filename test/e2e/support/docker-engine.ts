// The Docker engine the e2e suites use: the machine's own, as on a GitHub runner or a provisioned host
// (scripts/prepare-test-machine starts it where nothing else does). The test user reaches it through the
// docker group; nothing here needs root.
//
// Image builds use BuildKit (the Dockerfile's cache mounts need it): `docker buildx build --load` where the
// buildx plugin exists (GitHub runners, Docker's packages), else a docker CLI with BuildKit built in
// (DOCKER_BUILDKIT=1; Debian's docker.io 20.10 CLI at /usr/bin/docker).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface DockerEngine {
  /** `docker version` of the server, e.g. 20.10.24 */
  serverVersion: string;
  /** How images are built here: "buildx" or "builtin-buildkit". */
  builder: string;
  docker(args: string[], options?: { timeoutMs?: number; input?: Buffer }): Promise<string>;
  /** `build` with BuildKit; args as for `docker build` (-f, -t, --build-arg, context). */
  build(args: string[], options?: { timeoutMs?: number }): Promise<string>;
}

async function run(
  command: string,
  args: string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; input?: Buffer } = {},
): Promise<string> {
  try {
    const child = execFileAsync(command, args, {
      env: options.env ?? process.env,
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'utf8',
    });
    if (options.input) child.child.stdin?.end(options.input);
    const { stdout } = await child;
    return stdout;
  } catch (error) {
    const failure = error as Error & { stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${failure.message}\n${failure.stderr ?? ''}`);
  }
}

interface Builder {
  name: string;
  command: string;
  prefix: string[];
  env: NodeJS.ProcessEnv;
}

/** The first docker CLI that can build with BuildKit. */
async function findBuilder(): Promise<Builder> {
  for (const cli of ['docker', '/usr/bin/docker']) {
    const buildx = await run(cli, ['buildx', 'version'], { timeoutMs: 10_000 }).then(
      () => true,
      () => false,
    );
    if (buildx)
      return { name: 'buildx', command: cli, prefix: ['buildx', 'build', '--load'], env: process.env };
    const client = await run(cli, ['version', '--format', '{{.Client.Version}}'], {
      timeoutMs: 10_000,
    }).catch(() => '');
    const major = Number(client.trim().split('.')[0]);
    // CLIs before 23 carry BuildKit themselves; later ones need the buildx plugin for it.
    if (Number.isFinite(major) && major > 0 && major < 23) {
      return {
        name: 'builtin-buildkit',
        command: cli,
        prefix: ['build'],
        env: { ...process.env, DOCKER_BUILDKIT: '1' },
      };
    }
  }
  throw new Error(
    'no docker CLI here builds with BuildKit: install the buildx plugin (docker-buildx-plugin) ' +
      'or run scripts/prepare-test-machine',
  );
}

export async function connectDockerEngine(): Promise<DockerEngine> {
  const serverVersion = (
    await run('docker', ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 15_000 }).catch(
      (error: Error) => {
        throw new Error(
          `the Docker engine does not answer (run scripts/prepare-test-machine): ${error.message}`,
        );
      },
    )
  ).trim();
  const builder = await findBuilder();
  return {
    serverVersion,
    builder: builder.name,
    docker: (args, options) => run('docker', args, options),
    build: (args, options) =>
      run(builder.command, [...builder.prefix, ...args], {
        env: builder.env,
        timeoutMs: options?.timeoutMs ?? 600_000,
      }),
  };
}
