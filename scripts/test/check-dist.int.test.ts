// check-dist must pass on the committed bundles and fail, naming the action, after a source change
// without a rebuild. Runs in a temporary copy of the repository (node_modules symlinked), never the live tree.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
// Two actions keep the test quick; migration-lint covers the inlined WASM, scan-gate the plain case.
const actions = ['migration-lint', 'scan-gate'];
let copy: string;

function checkDist(): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['scripts/check-dist.mjs'],
      { cwd: copy, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(() => {
  copy = mkdtempSync(path.join(os.tmpdir(), 'slipway-check-dist-test-'));
  cpSync(path.join(repoRoot, 'package.json'), path.join(copy, 'package.json'));
  mkdirSync(path.join(copy, 'scripts'));
  for (const file of ['bundle-actions.mjs', 'check-dist.mjs']) {
    cpSync(path.join(repoRoot, 'scripts', file), path.join(copy, 'scripts', file));
  }
  for (const name of actions) {
    for (const part of ['package.json', 'action.yml', 'src', 'dist']) {
      cpSync(path.join(repoRoot, 'actions', name, part), path.join(copy, 'actions', name, part), {
        recursive: true,
      });
    }
  }
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
});

afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('npm run check-dist', () => {
  it('passes when the committed bundles match their source', async () => {
    const result = await checkDist();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`check-dist: ${actions.length} action bundle(s) match their source.`);
  });

  it('fails after a source change without a rebuild, listing only the stale action', async () => {
    const source = path.join(copy, 'actions', 'scan-gate', 'src', 'render-scan-summary.ts');
    writeFileSync(
      source,
      readFileSync(source, 'utf8').replace('Vulnerability scan gate', 'Vulnerability gate'),
    );
    const result = await checkDist();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('committed bundles are stale');
    expect(result.stderr).toContain('actions/scan-gate:\n    - index.js differs from a fresh build');
    expect(result.stderr).not.toContain('actions/migration-lint');
  });

  it('fails when dist holds a file the build does not produce', async () => {
    writeFileSync(path.join(copy, 'actions', 'migration-lint', 'dist', 'old-chunk.js'), '');
    const result = await checkDist();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'actions/migration-lint:\n    - old-chunk.js is not produced by the build',
    );
  });
});
