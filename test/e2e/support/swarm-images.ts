// Images for the swarm e2e, built on the real Docker engine (no registry is reachable here):
//   base    the Dockerfile's FROM (node:…): this machine's node binary, npm, /bin/sh and their libraries;
//   nginx   the stack's proxy image name: this machine's nginx binary and its libraries;
//   v1, v2  the service, from service/Dockerfile's runtime stage (APP_FILES=prepared);
//   broken  FROM v1, a process that never becomes healthy;  bad-migration  FROM v2 plus a failing migration.
// Docker's classic builder (the CLI here has no buildx) cannot parse `RUN --mount` and builds every stage,
// so the build uses service/Dockerfile without its BuildKit-only from-npm stage; every other line is the
// project's own.
import { execFile } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { dockerfileBaseImage } from './base-image.js';
import { prepareImageContext } from './service-images.js';

const execFileAsync = promisify(execFile);

export async function docker(args: string[], options: { input?: Buffer; timeoutMs?: number } = {}) {
  const child = execFileAsync('docker', args, {
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
    maxBuffer: 64 * 1024 * 1024,
    timeout: options.timeoutMs ?? 120_000,
  });
  if (options.input) child.child.stdin?.end(options.input);
  const { stdout } = await child;
  return stdout.trim();
}

export interface SwarmImages {
  v1: string;
  v2: string;
  broken: string;
  badMigration: string;
  nginx: string;
  timings: Record<string, number>;
}

/** service/Dockerfile without the stage named `from-npm` (BuildKit-only, and it needs a registry). */
export function classicBuilderDockerfile(dockerfileText: string): string {
  const lines = dockerfileText.split('\n');
  const kept: string[] = [];
  let skipping = false;
  for (const line of lines) {
    if (/^FROM\s/i.test(line)) skipping = /\sAS\s+from-npm\s*$/i.test(line);
    if (!skipping) kept.push(line);
  }
  return kept.join('\n');
}

function librariesOf(binary: string, ldd: string): string[] {
  return ldd
    .split('\n')
    .map((line) => /=>\s+(\/\S+)/.exec(line)?.[1] ?? /^\s*(\/\S+)\s+\(/.exec(line)?.[1])
    .filter((library): library is string => !!library && library !== binary);
}

/** Imports a one-layer image from a rootfs holding `binaries` and the shared libraries they need. */
async function importRootfs(
  name: string,
  binaries: Record<string, string>,
  extra: (rootfs: string) => void,
  changes: string[],
): Promise<void> {
  const rootfs = mkdtempSync(path.join(os.tmpdir(), 'slipway-swarm-rootfs-'));
  try {
    for (const dir of ['bin', 'etc', 'tmp', 'usr/local/bin'])
      mkdirSync(path.join(rootfs, dir), { recursive: true });
    chmodSync(path.join(rootfs, 'tmp'), 0o1777);
    for (const [inImage, onHost] of Object.entries({ '/bin/sh': '/bin/dash', ...binaries })) {
      mkdirSync(path.join(rootfs, path.dirname(inImage)), { recursive: true });
      cpSync(realpathSync(onHost), path.join(rootfs, inImage));
      const { stdout } = await execFileAsync('ldd', [onHost]);
      for (const library of librariesOf(onHost, stdout)) {
        mkdirSync(path.join(rootfs, path.dirname(library)), { recursive: true });
        cpSync(realpathSync(library), path.join(rootfs, library));
      }
    }
    extra(rootfs);
    const { stdout: tar } = await execFileAsync('tar', ['--owner=0', '--group=0', '-C', rootfs, '-c', '.'], {
      encoding: 'buffer',
      maxBuffer: 1024 * 1024 * 1024,
    });
    await docker(['import', ...changes.flatMap((change) => ['--change', change]), '-', name], { input: tar });
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
}

const passwd = (rootfs: string, users: string) => {
  writeFileSync(path.join(rootfs, 'etc/passwd'), users);
  writeFileSync(path.join(rootfs, 'etc/group'), users.replace(/^(\w+):x:(\d+):(\d+):.*$/gm, '$1:x:$3:'));
};

async function imageExists(name: string): Promise<boolean> {
  return docker(['image', 'inspect', name]).then(
    () => true,
    () => false,
  );
}

/** The Dockerfile's base (node:…) made from this machine's node, unless an image of that name exists. */
export async function ensureNodeBaseImage(name: string): Promise<void> {
  if (await imageExists(name)) return;
  const npmDir = path.resolve(
    path.dirname(realpathSync((await execFileAsync('which', ['npm'])).stdout.trim())),
    '..',
  );
  await importRootfs(
    name,
    { '/usr/local/bin/node': process.execPath },
    (rootfs) => {
      for (const dir of ['home/node', 'root', 'app']) mkdirSync(path.join(rootfs, dir), { recursive: true });
      cpSync(npmDir, path.join(rootfs, 'usr/local/lib/node_modules/npm'), { recursive: true });
      passwd(rootfs, 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n');
    },
    ['ENV PATH=/usr/local/bin:/usr/bin:/bin', 'CMD ["node"]'],
  );
}

/** An nginx image under the stack's image name, made from this machine's nginx (run as uid 101). */
export async function ensureNginxImage(name: string): Promise<void> {
  if (await imageExists(name)) return;
  await importRootfs(
    name,
    { '/usr/sbin/nginx': '/usr/sbin/nginx' },
    (rootfs) => {
      mkdirSync(path.join(rootfs, 'etc/nginx'), { recursive: true });
      mkdirSync(path.join(rootfs, 'var/log/nginx'), { recursive: true });
      cpSync('/etc/nginx/mime.types', path.join(rootfs, 'etc/nginx/mime.types'));
      passwd(rootfs, 'root:x:0:0:root:/root:/bin/sh\nnginx:x:101:101::/nonexistent:/bin/false\n');
    },
    ['ENV PATH=/usr/local/bin:/usr/sbin:/usr/bin:/bin', 'USER 101', 'CMD ["nginx", "-g", "daemon off;"]'],
  );
}

export async function buildSwarmImages(
  repoRoot: string,
  workDir: string,
  prefix: string,
  nginxImage: string,
): Promise<SwarmImages> {
  const timings: Record<string, number> = {};
  const timed = async (name: string, fn: () => Promise<unknown>) => {
    const started = Date.now();
    await fn();
    timings[name] = (Date.now() - started) / 1000;
  };
  const dockerfileText = readFileSync(path.join(repoRoot, 'service/Dockerfile'), 'utf8');
  await timed('base-images', async () => {
    await ensureNodeBaseImage(dockerfileBaseImage(dockerfileText));
    await ensureNginxImage(nginxImage);
  });
  const contextDir = path.join(workDir, 'image-context');
  await timed('prepare-context', () => prepareImageContext(repoRoot, contextDir));
  writeFileSync(path.join(contextDir, 'Dockerfile.classic'), classicBuilderDockerfile(dockerfileText));
  const images = {
    v1: `${prefix}-service:v1`,
    v2: `${prefix}-service:v2`,
    broken: `${prefix}-service:broken`,
    badMigration: `${prefix}-service:bad-migration`,
  };
  const build = (args: string[]) => docker(['build', '--quiet', ...args], { timeoutMs: 600_000 });
  for (const [name, version] of [
    ['v1', '1.0.0-swarm'],
    ['v2', '2.0.0-swarm'],
  ] as const) {
    await timed(`build-${name}`, () =>
      build([
        '-f',
        path.join(contextDir, 'Dockerfile.classic'),
        '--build-arg',
        'APP_FILES=prepared',
        '--build-arg',
        `APP_VERSION=${version}`,
        '--build-arg',
        `GIT_COMMIT=swarm-${name}`,
        '-t',
        images[name],
        contextDir,
      ]),
    );
  }
  const variants = path.join(workDir, 'variants');
  mkdirSync(path.join(variants, 'broken'), { recursive: true });
  writeFileSync(
    path.join(variants, 'broken/Dockerfile'),
    `FROM ${images.v1}\nCMD ["-e", "console.error('slipway swarm e2e: never healthy'); setInterval(() => {}, 1000)"]\n`,
  );
  mkdirSync(path.join(variants, 'bad-migration'), { recursive: true });
  writeFileSync(
    path.join(variants, 'bad-migration/9999_swarm_broken.sql'),
    'ALTER TABLE table_that_does_not_exist ADD COLUMN x int;\n',
  );
  writeFileSync(
    path.join(variants, 'bad-migration/Dockerfile'),
    `FROM ${images.v2}\nCOPY 9999_swarm_broken.sql /app/migrations/\n`,
  );
  await timed('build-variants', async () => {
    await build(['-t', images.broken, path.join(variants, 'broken')]);
    await build(['-t', images.badMigration, path.join(variants, 'bad-migration')]);
  });
  return { ...images, nginx: nginxImage, timings };
}
