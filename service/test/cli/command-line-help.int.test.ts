import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** Every command-line tool of the repository, as its npm script runs it. */
const tools: [name: string, file: string, usage: RegExp][] = [
  ['ingest', 'service/src/cli/ingest.ts', /^Usage: npm run ingest/],
  ['keys', 'service/src/cli/keys.ts', /^Usage:\n {2}npm run keys -- create/],
  ['reconcile', 'service/src/cli/reconcile.ts', /^Usage: npm run reconcile/],
  ['migrate', 'service/src/cli/migrate.ts', /^Usage: npm run migrate/],
  ['check-config', 'service/src/cli/check-config.ts', /^Usage: node service\/dist\/cli\/check-config.js/],
  ['doctor', 'scripts/doctor/main.ts', /^Usage: npm run doctor/],
  ['preflight', 'scripts/preflight/main.ts', /^Usage: npm run preflight/],
  ['eval', 'devtools/src/eval/run-eval.ts', /^npm run eval/],
];

const run = (file: string, args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, SLIPWAY_DATA_DIR: '/nonexistent-slipway-data' },
    timeout: 60_000,
  });

describe('every CLI', () => {
  it.each(tools)('%s --help prints its usage and exits 0, touching nothing', (_name, file, usage) => {
    const result = run(file, ['--help']);
    expect(result.stdout.trim()).toMatch(usage);
    expect(result.status).toBe(0);
    expect(result.stderr).not.toMatch(/\bat .+\.(ts|js):\d+/);
  });

  it.each(tools.filter(([name]) => !['doctor', 'eval'].includes(name)))(
    '%s with an unknown option prints the reason and the usage, exit 2, no stack trace',
    (_name, file) => {
      const result = run(file, ['--no-such-option']);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/--no-such-option/);
      expect(result.stderr).toMatch(/Usage/);
      expect(result.stderr).not.toMatch(/\bat .+\.(ts|js):\d+|ERR_PARSE_ARGS/);
    },
  );

  it('keys without arguments prints its usage, not a configuration error', () => {
    const result = run('service/src/cli/keys.ts', []);
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toMatch(/^Usage:/);
  });
});
