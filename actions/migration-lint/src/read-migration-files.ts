// I/O for the lint: the *.sql files of a directory now, and the same directory on a git ref.
// Git runs as argv arrays (never a shell string).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { MigrationFile } from './lint-migrations.js';

function toPosix(file: string): string {
  return file.split(path.sep).join('/');
}

/** The directory's *.sql files; `path` of each is `<dir as given>/<name>`. */
export function readMigrationFiles(dir: string, cwd = process.cwd()): MigrationFile[] {
  const absolute = path.resolve(cwd, dir);
  if (!existsSync(absolute) || !statSync(absolute).isDirectory()) {
    throw new Error(`migrations directory "${dir}" does not exist`);
  }
  return readdirSync(absolute)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((name) => ({
      path: toPosix(path.join(dir, name)),
      content: readFileSync(path.join(absolute, name), 'utf8'),
    }));
}

function git(args: string[], cwd: string): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: 'pipe' });
}

/** The directory's *.sql files as they are on `baseRef`, keyed like readMigrationFiles' `path`. */
export function readBaseMigrationFiles(
  dir: string,
  baseRef: string,
  cwd = process.cwd(),
): Map<string, string> {
  const absolute = path.resolve(cwd, dir);
  let topLevel: string;
  try {
    topLevel = git(['rev-parse', '--show-toplevel'], cwd).trim();
  } catch {
    throw new Error(`base-ref "${baseRef}" given but ${cwd} is not inside a git repository`);
  }
  try {
    git(['rev-parse', '--verify', '--quiet', `${baseRef}^{commit}`], topLevel);
  } catch {
    throw new Error(
      `base-ref "${baseRef}" is not a commit in this clone; fetch it first ` +
        '(actions/checkout with fetch-depth: 0, or git fetch origin <base-branch>)',
    );
  }
  const existingDir = existsSync(absolute) ? realpathSync(absolute) : absolute;
  const relativeDir = toPosix(path.relative(realpathSync(topLevel), existingDir));
  const listed = git(['ls-tree', '-r', '-z', '--name-only', baseRef, '--', relativeDir || '.'], topLevel)
    .split('\0')
    .filter(Boolean);
  const files = new Map<string, string>();
  for (const repoPath of listed) {
    const name = path.posix.relative(relativeDir, repoPath);
    if (name.includes('/') || !name.endsWith('.sql')) continue; // only direct children, like readMigrationFiles
    files.set(toPosix(path.join(dir, name)), git(['show', `${baseRef}:${repoPath}`], topLevel));
  }
  return files;
}
