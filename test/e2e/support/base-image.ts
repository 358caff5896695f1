// No registry is reachable here, so the Dockerfile's base image (FROM node:…) is made locally: this
// machine's node binary, npm, /bin/sh and the shared libraries ldd lists, plus a passwd with the `node`
// user (uid 1000) as in the official image, imported (`docker import`) as a one-layer image and tagged with
// the exact name the Dockerfile uses. Built without root: the archive records every file as root's.
// On a GitHub runner the real image is pulled instead. The test therefore proves the Dockerfile and everything built on it, not the
// upstream image's contents (see docs/deployment.md).
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DockerEngine } from './docker-engine.js';

/** The image named by the Dockerfile's first FROM (resolving `ARG NAME=default` used as ${NAME}). */
export function dockerfileBaseImage(dockerfileText: string): string {
  const args = new Map<string, string>();
  for (const line of dockerfileText.split('\n')) {
    const arg = /^ARG\s+(\w+)=(\S+)/.exec(line.trim());
    if (arg) args.set(arg[1] as string, arg[2] as string);
    const from = /^FROM\s+(\S+)/i.exec(line.trim());
    if (from) return (from[1] as string).replace(/\$\{(\w+)\}/g, (_, name: string) => args.get(name) ?? '');
  }
  throw new Error('Dockerfile has no FROM');
}

function librariesOf(binary: string): string[] {
  const output = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const libraries: string[] = [];
  for (const line of output.split('\n')) {
    const arrow = /=>\s+(\/\S+)/.exec(line);
    const direct = /^\s*(\/\S+)\s+\(/.exec(line);
    if (arrow) libraries.push(arrow[1] as string);
    else if (direct) libraries.push(direct[1] as string);
  }
  return libraries;
}

export async function ensureBaseImage(
  engine: DockerEngine,
  imageName: string,
): Promise<{ created: boolean; pulled: boolean; seconds: number }> {
  const started = Date.now();
  const exists = await engine.docker(['image', 'inspect', '--format', '{{.Id}}', imageName]).then(
    () => true,
    () => false,
  );
  if (exists) return { created: false, pulled: false, seconds: 0 };
  // Where a registry answers (GitHub runners), the real base image.
  const pulled = await engine.docker(['pull', imageName], { timeoutMs: 180_000 }).then(
    () => true,
    () => false,
  );
  if (pulled) return { created: false, pulled: true, seconds: (Date.now() - started) / 1000 };
  const rootfs = mkdtempSync(path.join(os.tmpdir(), 'slipway-base-'));
  try {
    const node = realpathSync(process.execPath);
    const npmDir = path.resolve(
      path.dirname(realpathSync(execFileSync('which', ['npm'], { encoding: 'utf8' }).trim())),
      '..',
    );
    for (const dir of [
      'bin',
      'etc/ssl/certs',
      'tmp',
      'usr/local/bin',
      'usr/local/lib/node_modules',
      'home/node',
      'root',
      'app',
    ]) {
      mkdirSync(path.join(rootfs, dir), { recursive: true });
    }
    chmodSync(path.join(rootfs, 'tmp'), 0o1777);
    cpSync(node, path.join(rootfs, 'usr/local/bin/node'));
    cpSync('/bin/dash', path.join(rootfs, 'bin/sh'));
    for (const library of new Set([...librariesOf(node), ...librariesOf('/bin/dash')])) {
      mkdirSync(path.join(rootfs, path.dirname(library)), { recursive: true });
      cpSync(realpathSync(library), path.join(rootfs, library));
    }
    cpSync(npmDir, path.join(rootfs, 'usr/local/lib/node_modules/npm'), {
      recursive: true,
      dereference: false,
    });
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', path.join(rootfs, 'usr/local/bin/npm'));
    writeFileSync(
      path.join(rootfs, 'etc/passwd'),
      'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n',
    );
    writeFileSync(path.join(rootfs, 'etc/group'), 'root:x:0:\nnode:x:1000:\n');
    const tar = execFileSync('tar', ['-C', rootfs, '--owner=0', '--group=0', '--numeric-owner', '-c', '.'], {
      maxBuffer: 1024 * 1024 * 1024,
    });
    await engine.docker(
      [
        'import',
        '--change',
        'ENV PATH=/usr/local/bin:/usr/bin:/bin',
        '--change',
        'CMD ["node"]',
        '-',
        imageName,
      ],
      { input: tar },
    );
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
  return { created: true, pulled: false, seconds: (Date.now() - started) / 1000 };
}

export function readDockerfile(repoRoot: string): string {
  return readFileSync(path.join(repoRoot, 'service/Dockerfile'), 'utf8');
}
