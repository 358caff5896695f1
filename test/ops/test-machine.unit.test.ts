// The suite runs as GitHub runs it: an unprivileged user with passwordless sudo (never root), on a machine
// scripts/prepare-test-machine prepared — which, where it cannot install what is missing, says so at once.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const script = path.join(repoRoot, 'scripts/prepare-test-machine');

describe('the test machine', () => {
  test('in CI, jest runs as an unprivileged user who has passwordless sudo, as on a GitHub runner', () => {
    if (process.env.CI !== 'true') {
      // Outside CI the developer decides; still, a root run must be a choice, not an accident.
      expect(typeof process.getuid).toBe('function');
      return;
    }
    expect(process.getuid?.()).not.toBe(0);
    expect(() => execFileSync('sudo', ['-n', 'true'], { stdio: 'pipe' })).not.toThrow();
  });

  test('prepare-test-machine --check passes on the prepared machine, quickly', () => {
    const started = Date.now();
    const result = spawnSync(script, ['--check'], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('with parts missing and no way to install them, it stops at once naming them and the fix', () => {
    // As root it would install for real; this is the unprivileged user's path (CI runs as one).
    if (process.getuid?.() === 0) {
      expect(process.env.CI).not.toBe('true');
      return;
    }
    // A machine where dpkg knows none of the packages, there is no engine, and sudo asks for a password.
    const bin = mkdtempSync(path.join(os.tmpdir(), 'slipway-bare-machine-'));
    mkdirSync(bin, { recursive: true });
    const fake = (name: string, body: string) => {
      writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(path.join(bin, name), 0o755);
    };
    fake('dpkg-query', 'exit 1');
    fake('docker', 'exit 1');
    fake('sudo', 'echo "sudo: a password is required" >&2; exit 1');
    const started = Date.now();
    const result = spawnSync('/bin/bash', [script], {
      encoding: 'utf8',
      env: { PATH: `${bin}:/usr/bin:/bin`, HOME: os.tmpdir(), CHROME_PATH: '' },
    });
    const seconds = (Date.now() - started) / 1000;
    expect(result.status).toBe(1);
    expect(seconds).toBeLessThan(5);
    expect(result.stderr).toMatch(/packages: .*nginx.*openssh-server.*redis-server/);
    expect(result.stderr).toContain('sudo scripts/prepare-test-machine');
    expect(result.stderr).toContain('no root and no passwordless sudo');
    expect(result.stdout).toBe('');
  });

  test('--check never installs: it names what is missing and exits 1', () => {
    const bin = mkdtempSync(path.join(os.tmpdir(), 'slipway-check-only-'));
    writeFileSync(path.join(bin, 'dpkg-query'), '#!/bin/sh\nexit 1\n');
    chmodSync(path.join(bin, 'dpkg-query'), 0o755);
    const result = spawnSync('/bin/bash', [script, '--check'], {
      encoding: 'utf8',
      env: { PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`, HOME: os.tmpdir() },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('checked only (--check)');
    expect(result.stderr).toMatch(/packages: git curl jq/);
  });
});

describe('one machine set-up for every path, safe on a GitHub runner', () => {
  const scriptText = readFileSync(script, 'utf8');
  const listed = (name: string) => {
    const match = new RegExp(`^${name}=\\(([^)]*)\\)`, 'm').exec(scriptText);
    return (match?.[1] ?? '').split(/\s+/).filter(Boolean);
  };

  test("never installs runc, podman or containerd (they conflict with the runner's containerd.io); installs redis-server", () => {
    const packages = listed('packages');
    expect(packages).toEqual(expect.arrayContaining(['nginx', 'openssh-server', 'redis-server', 'sudo']));
    for (const conflicting of ['runc', 'podman', 'containerd', 'containerd.io', 'docker.io', 'crun']) {
      expect(packages).not.toContain(conflicting);
    }
    // docker.io only where no engine is installed at all (a runner has dockerd: nothing is added).
    expect(scriptText).toMatch(
      /command -v dockerd[\s\S]*engine_state=absent\s+missing_packages\+=\(docker\.io\)/,
    );
  });

  test("ci.yml's test job and .ci/run both prepare the machine with this script, and nothing else installs packages", () => {
    const workflow = parse(readFileSync(path.join(repoRoot, '.github/workflows/ci.yml'), 'utf8')) as {
      jobs: Record<string, { steps: Array<{ run?: string }> }>;
    };
    const runs = (workflow.jobs.test?.steps ?? []).map((step) => step.run ?? '');
    expect(runs).toContain('scripts/prepare-test-machine');
    expect(runs.join('\n')).not.toMatch(/apt-get install/);
    const ciRun = readFileSync(path.join(repoRoot, '.ci/run'), 'utf8');
    expect(ciRun).toMatch(/^scripts\/prepare-test-machine$/m);
    expect(ciRun).toMatch(/sudo -u runner/);
  });
});
