// The swarm e2e's images, on the same Docker engine as the deploy e2e: the service images (v1, v2, broken,
// bad-migration) come from buildE2eImages (service/Dockerfile with BuildKit); the stack's nginx image is
// pulled where a registry answers (GitHub runners), else made here from this machine's nginx binary and
// the libraries it links, run as uid 101 like the official image, and tagged with the stack's image name.
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { DockerEngine } from './docker-engine.js';

const execFileAsync = promisify(execFile);

function librariesOf(lddOutput: string): string[] {
  return lddOutput
    .split('\n')
    .map((line) => /=>\s+(\/\S+)/.exec(line)?.[1] ?? /^\s*(\/\S+)\s+\(/.exec(line)?.[1])
    .filter((library): library is string => !!library);
}

async function importNginxRootfs(engine: DockerEngine, name: string): Promise<void> {
  const rootfs = mkdtempSync(path.join(os.tmpdir(), 'slipway-swarm-nginx-'));
  try {
    for (const dir of ['bin', 'etc/nginx', 'tmp', 'usr/sbin', 'var/log/nginx']) {
      mkdirSync(path.join(rootfs, dir), { recursive: true });
    }
    chmodSync(path.join(rootfs, 'tmp'), 0o1777);
    for (const [inImage, onHost] of [
      ['/usr/sbin/nginx', '/usr/sbin/nginx'],
      ['/bin/sh', '/bin/dash'],
    ] as const) {
      cpSync(realpathSync(onHost), path.join(rootfs, inImage));
      for (const library of librariesOf((await execFileAsync('ldd', [onHost])).stdout)) {
        mkdirSync(path.join(rootfs, path.dirname(library)), { recursive: true });
        cpSync(realpathSync(library), path.join(rootfs, library));
      }
    }
    cpSync('/etc/nginx/mime.types', path.join(rootfs, 'etc/nginx/mime.types'));
    writeFileSync(
      path.join(rootfs, 'etc/passwd'),
      'root:x:0:0:root:/root:/bin/sh\nnginx:x:101:101::/nonexistent:/bin/false\n',
    );
    writeFileSync(path.join(rootfs, 'etc/group'), 'root:x:0:\nnginx:x:101:\n');
    const { stdout: tar } = await execFileAsync('tar', ['--owner=0', '--group=0', '-C', rootfs, '-c', '.'], {
      encoding: 'buffer',
      maxBuffer: 256 * 1024 * 1024,
    });
    await engine.docker(
      [
        'import',
        '--change',
        'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        '--change',
        'CMD ["nginx", "-g", "daemon off;"]',
        '-',
        name,
      ],
      { input: tar },
    );
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
}

/** Makes sure an image called `name` exists: already there, pulled, or made from this machine's nginx. */
export async function ensureNginxImage(
  engine: DockerEngine,
  name: string,
): Promise<'present' | 'pulled' | 'made'> {
  const present = await engine.docker(['image', 'inspect', '--format', '{{.Id}}', name]).then(
    () => true,
    () => false,
  );
  if (present) return 'present';
  const pulled = await engine.docker(['pull', name], { timeoutMs: 180_000 }).then(
    () => true,
    () => false,
  );
  if (pulled) return 'pulled';
  await importNginxRootfs(engine, name);
  return 'made';
}
