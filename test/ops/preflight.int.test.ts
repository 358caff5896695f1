import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from './run-command.js';

// `npm run preflight`'s cheap checks, run as an operator runs them (tsx scripts/preflight/main.ts).
// secrets, tests, audit, image and scan are left out here: the suite itself runs the tests, the secret
// scan has its own CI step, audit needs the registry, and image/scan need an engine and trivy.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');
const main = path.join(root, 'scripts/preflight/main.ts');
let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'slipway-ops-preflight-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function row(output: string, id: string): string {
  return output.split('\n').find((line) => line.startsWith(`${id} `)) ?? '';
}

describe('npm run preflight (cheap checks)', () => {
  it('passes a complete production env file and shellcheck; checks .env.example against the schema', async () => {
    const envFile = path.join(work, 'production.env');
    await writeFile(
      envFile,
      [
        '# production',
        'DATABASE_URL=postgres://slipway:pw@postgres:5432/slipway',
        'CHROMA_URL=http://chroma:8000',
        'REDIS_URL=redis://:a-long-redis-password@redis:6379',
        `API_KEY_PEPPER=${'p'.repeat(16)}${'q'.repeat(24)}`,
        'LISTEN_SOCKET=/run/slipway/app.sock',
        '',
      ].join('\n'),
    );
    const result = await runCommand(
      [tsx, main, '--only', 'env-example,env-file,shell-scripts', '--env-file', envFile],
      {
        cwd: root,
        timeoutMs: 60_000,
      },
    );
    expect(row(result.stdout, 'env-file')).toMatch(/PASS/);
    expect(row(result.stdout, 'shell-scripts')).toMatch(/PASS/);
    expect(row(result.stdout, 'tests')).toMatch(/skipped .*not selected/);
    // In a shared working tree the schema may be mid-edit: either fresh, or stale with the fix named.
    expect(row(result.stdout, 'env-example')).toMatch(/PASS|FAIL .*stale: run `npm run config:docs`/);
    const envExampleFresh = /PASS/.test(row(result.stdout, 'env-example'));
    expect(result.stdout).toContain(
      `preflight: ${envExampleFresh ? 3 : 2} passed, ${envExampleFresh ? 0 : 1} failed, 6 skipped`,
    );
    expect(result.code).toBe(envExampleFresh ? 0 : 1);
  });

  it('fails an env file with a typo and insecure production settings, listing every problem', async () => {
    const envFile = path.join(work, 'bad.env');
    await writeFile(
      envFile,
      'DATABASE_URL=postgres://u:p@db/slipway\nCHROMA_URL=http://chroma:8000\nREDIS_URL=redis://redis:6379\nDATABSE_POOL_MAX=4\n',
    );
    const result = await runCommand([tsx, main, '--only', 'env-file', '--env-file', envFile], {
      cwd: root,
      timeoutMs: 60_000,
    });
    expect(result.code).toBe(1);
    expect(row(result.stdout, 'env-file')).toMatch(/FAIL .*problem\(s\)/);
    expect(result.stdout).toContain('DATABSE_POOL_MAX is not a setting of the service');
    expect(result.stdout).toContain('API_KEY_PEPPER');
    expect(result.stdout).toContain('REDIS_URL has no password');
  });

  it('rejects an unknown check name', async () => {
    const result = await runCommand([tsx, main, '--only', 'lint'], { cwd: root });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown check(s): lint');
  });
});
