import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { providePostgres, type ProvidedPostgres } from '@slipway/harness';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterDeploy, emptyState } from '../../actions/deploy/src/deploy-state.js';
import { runMigrations } from '@slipway/service/migrations';
import { createLogger } from '@slipway/service/observability/logger';
import { runCommand } from './run-command.js';

// Runbook commands that can run on this machine, run as written in docs/runbooks/rotate-secrets.md.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let postgres: ProvidedPostgres;

beforeAll(async () => {
  postgres = await providePostgres();
  await runMigrations(postgres.url, createLogger('silent'));
}, 60_000);

afterAll(async () => {
  await postgres?.stop();
});

describe('rotate-secrets runbook', () => {
  it('npm run keys -- create | list | revoke rotates an API key', async () => {
    const env = {
      ...process.env,
      DATABASE_URL: postgres.url,
      API_KEY_PEPPER: 'x'.repeat(40),
      LOG_LEVEL: 'silent',
    };
    const keys = (...args: string[]) =>
      runCommand(['npm', 'run', '--silent', 'keys', '--', ...args], { cwd: root, env });

    const created = await keys('create', '--name', 'ci-reader', '--scopes', 'read');
    expect(created.code).toBe(0);
    const id = /created key (\S+) \(read\)/.exec(created.stdout)?.[1];
    expect(id).toBeDefined();
    expect(created.stdout).toContain('Store it now');

    const replacement = await keys('create', '--name', 'ci-reader-2', '--scopes', 'read');
    expect(replacement.code).toBe(0);

    const revoked = await keys('revoke', id as string);
    expect(revoked.stdout).toContain('revoked 1 key(s)');
    const after = await keys('list');
    expect(after.stdout).toMatch(new RegExp(`^${id}\\s.*revoked`, 'm'));
    expect(after.stdout).toMatch(/ci-reader-2\s.*active$/m);
  }, 60_000);

  it("jq -r '.colors[.active].image' state.json names the active colour's image", () => {
    const state = afterDeploy(
      emptyState('production'),
      'green',
      {
        image: 'ghcr.io/acme/slipway@sha256:' + 'a'.repeat(64),
        imageId: 'sha256:' + 'b'.repeat(64),
        identity: null,
        deployedAt: '2026-01-01T00:00:00Z',
      },
      null,
      new Date('2026-01-01T00:00:00Z'),
    );
    const image = execFileSync('jq', ['-r', '.colors[.active].image'], {
      input: JSON.stringify(state),
      encoding: 'utf8',
    });
    expect(image.trim()).toBe('ghcr.io/acme/slipway@sha256:' + 'a'.repeat(64));
  });
});
