import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** Starts the real entry point, as the image runs it, in production mode with these settings. */
const startInProduction = (env: Record<string, string>) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'service/src/server.ts'], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 20_000,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      CHROMA_URL: 'http://127.0.0.1:9',
      CORS_ORIGINS: '*',
      ...env,
    },
  });

describe('production start-up', () => {
  it('exits 78 when a secret file cannot be read', () => {
    const result = startInProduction({ API_KEY_PEPPER_FILE: '/nonexistent/pepper' });
    expect(result.status).toBe(78);
    const lines = result.stderr.split('\n').filter((l) => l.startsWith('  - '));
    expect(lines).toEqual([expect.stringMatching(/API_KEY_PEPPER_FILE: cannot read/)]);
  });

  it('exits 78 and lists every insecure setting, without a stack trace', () => {
    const result = startInProduction({ API_KEY_PEPPER: 'short' });
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('REDIS_URL is required in production');
    expect(result.stderr).toContain('API_KEY_PEPPER is shorter than 32 characters');
    expect(result.stderr).toContain('CORS_ORIGINS contains "*"');
    expect(result.stderr).toContain('DATABASE_URL has no password');
    expect(result.stderr).not.toMatch(/\bat .+:\d+:\d+/);
  });

  it('exits 78 on an invalid retrieval experiment, listed with the insecure settings', () => {
    const result = startInProduction({
      API_KEY_PEPPER: 'short',
      RETRIEVAL_VARIANTS: '{"keyword-heavy": {"keywordWeight": 2}}',
      RETRIEVAL_VARIANT_ALLOCATION: 'control=90,keyword-hevy=10',
    });
    expect(result.status).toBe(78);
    const lines = result.stderr.split('\n').filter((l) => l.startsWith('  - '));
    expect(lines).toEqual(
      expect.arrayContaining([
        '  - RETRIEVAL_VARIANT_ALLOCATION names "keyword-hevy", which RETRIEVAL_VARIANTS does not define ' +
          '(defined: control, keyword-heavy)',
        '  - API_KEY_PEPPER is shorter than 32 characters',
      ]),
    );
  });
});
