import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { ingestCommand } from '@slipway/service/cli/ingest';
import { keysCommand } from '@slipway/service/cli/keys';
import { reconcileCommand } from '@slipway/service/cli/reconcile';
import { launchDevStart, launcherDataDir } from './support/launch-dev-start.js';

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
  const dataDir = launcherDataDir('slipway-devstart-');
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('becomes ready, prints URL and key, and stops every child on SIGTERM', async () => {
    const launched = await launchDevStart(dataDir);
    const { child, port, exited } = launched;

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
    await launched.printed('Dev admin key', Math.max(0, 60_000 - (Date.now() - started)));
    expect(ready!.checks.postgres!.ok).toBe(true);
    expect(ready!.checks.chroma!.ok).toBe(true);
    expect(ready!.checks.redis!.ok).toBe('skipped');
    expect(launched.output()).toContain(`http://127.0.0.1:${port}`);
    const key = /Dev admin key:\s+(\S+)/.exec(launched.output())?.[1];
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

/** Starts the launcher on a data dir and a docs folder; resolves once the banner is printed. */
async function startLauncher(dataDir: string, docsDir: string) {
  const launched = await launchDevStart(dataDir, { SEED_DOCS_DIR: docsDir });
  const { child, port, exited } = launched;
  await launched.printed('Dev admin key', 60_000);
  const key = /Dev admin key:\s+(\S+)/.exec(launched.output())?.[1] as string;
  const api = async (path: string) =>
    (await fetch(`http://127.0.0.1:${port}${path}`, { headers: { Authorization: `Bearer ${key}` } })).json();
  const stop = async () => {
    child.kill('SIGTERM');
    return exited;
  };
  return {
    ...launched,
    key,
    api,
    stop,
    get log() {
      return launched.output();
    },
  };
}

describe('npm start keeps the docs collection in step with docs/, and its stores are open to the CLIs', () => {
  const dataDir = launcherDataDir('slipway-docsync-');
  const docsDir = join(dataDir, 'seed', 'docs');
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('edits, additions and deletions between two starts are synced; one bad file is reported; CLIs work', async () => {
    mkdirSync(join(docsDir, 'runbooks'), { recursive: true });
    writeFileSync(join(docsDir, 'a.md'), '# Alpha\n\nThe alpha runbook says to restart the alpha service.\n');
    writeFileSync(join(docsDir, 'runbooks', 'b.md'), '# Beta\n\nBeta explains the backups.\n');
    writeFileSync(join(docsDir, 'c.md'), '# Gamma\n\nGamma will be deleted.\n');
    const ids = async (svc: Awaited<ReturnType<typeof startLauncher>>) =>
      ((await svc.api('/v1/collections/docs/documents')) as { documents: { id: string }[] }).documents.map(
        (d) => d.id,
      );

    const first = await startLauncher(dataDir, docsDir);
    expect(first.log).toContain(`Stores file:     ${dataDir}/stores.json`);
    expect(first.log).toMatch(/Answers:\s+extractive .*set LLM_URL/);
    expect(await ids(first)).toEqual(['docs-a.md', 'docs-c.md', 'docs-runbooks-b.md']);

    // the CLIs, with no store URLs set, use the running npm start's stores and say so
    const lines: string[] = [];
    const out = {
      log: (s: string) => lines.push(s),
      error: (s: string) => lines.push(s),
    } as unknown as Console;
    const cliEnv = { SLIPWAY_DATA_DIR: dataDir, LOG_LEVEL: 'silent', PATH: process.env.PATH };
    const notes = join(dataDir, 'notes');
    mkdirSync(notes);
    writeFileSync(join(notes, 'hello.txt'), 'Hello from the ingest CLI.');
    expect(await ingestCommand(['--collection', 'notes', notes], cliEnv, out)).toBe(0);
    expect(lines).toContain(
      `using the stores of the running \`npm start\` (${dataDir}/stores.json); set DATABASE_URL to choose others`,
    );
    expect(lines.at(-1)).toBe('1 stored, 0 duplicate, into "notes"');
    expect(
      ((await first.api('/v1/collections/notes/documents')) as { documents: { id: string }[] }).documents,
    ).toEqual([expect.objectContaining({ id: 'hello.txt' })]);
    expect(await keysCommand(['create', '--name', 'cli-made', '--scopes', 'read'], cliEnv, out)).toBe(0);
    const made = /\n\n {2}(\S+)\n\n/.exec(lines.at(-1) as string)?.[1];
    const withCliKey = await fetch(`http://127.0.0.1:${first.port}/v1/collections`, {
      headers: { Authorization: `Bearer ${made}` },
    });
    expect(withCliKey.status).toBe(200); // same database, same pepper
    expect(await reconcileCommand(['--json'], cliEnv, out)).toBe(0);
    expect(JSON.parse(lines.at(-1) as string)).toMatchObject({ drift: 0 });

    expect(await first.stop()).toBe(0);
    expect(existsSync(join(dataDir, 'stores.json'))).toBe(false); // no stale URLs once it stopped

    appendFileSync(join(docsDir, 'a.md'), '\nAn appended line about the alpha database.\n');
    writeFileSync(join(docsDir, 'runbooks', 'd.md'), '# Delta\n\nDelta is new.\n');
    rmSync(join(docsDir, 'c.md'));
    writeFileSync(join(docsDir, 'e.md'), '# Beta\n\nBeta explains the backups.\n'); // b's content again: 409

    const second = await startLauncher(dataDir, docsDir);
    expect(await ids(second)).toEqual(['docs-a.md', 'docs-runbooks-b.md', 'docs-runbooks-d.md']);
    const alpha = (await second.api('/v1/collections/docs/documents/docs-a.md')) as { text: string };
    expect(alpha.text).toContain('An appended line about the alpha database.');
    expect(second.log).toMatch(/could not sync a file of the docs collection/);
    expect(second.log).toContain('docs-e.md');
    expect(second.log).toContain('already stored as');
    // documents the sync does not own (another collection, made by the CLI) are left alone
    expect(
      ((await second.api('/v1/collections/notes/documents')) as { documents: unknown[] }).documents,
    ).toHaveLength(1);
    expect(await second.stop()).toBe(0);
  }, 180_000);
});
