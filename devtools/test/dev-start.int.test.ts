import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { freePort } from '@slipway/harness';

const repo = fileURLToPath(new URL('../../', import.meta.url));

const processesUsing = (dir: string): string[] => {
  try {
    return execFileSync('pgrep', ['-af', dir], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.trim() && !l.includes('pgrep'));
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
};

/**
 * `npm start` on embedded defaults, as a new user runs it: ready within 30 s with postgres and chroma ok and
 * redis skipped; SIGTERM leaves no Postgres or Chroma process behind. (The npm script runs this same file
 * with tsx; the test starts it directly so the signal reaches the launcher rather than an npm wrapper.)
 */
describe('npm start (embedded defaults)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-devstart-'));
  chmodSync(dataDir, 0o755); // as root, embedded Postgres runs as the postgres OS user, which must enter it
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('becomes ready, prints URL and key, and stops every child on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'devtools/src/dev-start.ts'], {
      cwd: repo,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: String(port),
        SLIPWAY_DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    const started = Date.now();
    let ready: { status: string; checks: Record<string, { ok: unknown }> } | undefined;
    while (Date.now() - started < 30_000) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
        if (res.status === 200) {
          ready = (await res.json()) as typeof ready;
          break;
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(ready).toBeDefined();
    // the banner comes once the docs/ seeding is done
    while (!output.includes('Dev admin key') && Date.now() - started < 60_000)
      await new Promise((r) => setTimeout(r, 250));
    expect(ready!.checks.postgres!.ok).toBe(true);
    expect(ready!.checks.chroma!.ok).toBe(true);
    expect(ready!.checks.redis!.ok).toBe('skipped');
    expect(output).toContain(`http://127.0.0.1:${port}`);
    const key = /Dev admin key:\s+(\S+)/.exec(output)?.[1];
    expect(key).toMatch(/^slw_/);
    const authed = await fetch(`http://127.0.0.1:${port}/v1/collections`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    expect(authed.status).toBe(200);
    expect(processesUsing(dataDir).length).toBeGreaterThanOrEqual(2); // postgres + chroma

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(processesUsing(dataDir)).toEqual([]);
  }, 90_000);
});
