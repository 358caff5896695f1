// Runs the committed bundle (copied away from the repo, so no node_modules can help it) as the GitHub
// runner does, against real SQL files and a throwaway git repository for base-ref.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runActionLikeRunner } from '../../../scripts/run-action-like-runner.js';
import { readResultFile } from '../../pr-report/src/read-result-file.js';

const actionDir = fileURLToPath(new URL('..', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
let scratch: string;
let entry: string;

function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    [
      '-c',
      'user.name=Slipway Test',
      '-c',
      'user.email=test@example.invalid',
      '-c',
      'commit.gpgsign=false',
      ...args,
    ],
    { cwd, encoding: 'utf8', stdio: 'pipe' },
  );
}

/** A workspace with migrations/ holding the given files. */
function makeWorkspace(name: string, files: Record<string, string>): string {
  const workspace = path.join(scratch, name);
  mkdirSync(path.join(workspace, 'migrations'), { recursive: true });
  for (const [file, content] of Object.entries(files))
    writeFileSync(path.join(workspace, 'migrations', file), content);
  return workspace;
}

const initial = 'CREATE TABLE documents (id text PRIMARY KEY, title text);\n';

beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'slipway-migration-lint-'));
  cpSync(path.join(actionDir, 'dist'), path.join(scratch, 'action', 'dist'), { recursive: true });
  entry = path.join(scratch, 'action', 'dist', 'index.js');
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('migration-lint dist/index.js under the runner protocol', () => {
  it('fails on every unsafe fixture with one annotation per violation on its line', async () => {
    const files: Record<string, string> = { '0001_init.sql': initial };
    readdirSync(path.join(fixtures, 'unsafe')).forEach((name, index) => {
      files[`${String(index + 2).padStart(4, '0')}_${name}`] = readFileSync(
        path.join(fixtures, 'unsafe', name),
        'utf8',
      );
    });
    const workspace = makeWorkspace('unsafe', files);
    const result = await runActionLikeRunner({
      entry,
      cwd: workspace,
      inputs: { path: 'migrations', 'result-file': 'out/lint.json' },
    });
    expect(result.exitCode).toBe(1);
    // The result file follows pr-report's schema.
    const written = readResultFile(readFileSync(path.join(workspace, 'out/lint.json'), 'utf8'), 'lint.json');
    expect(written.invalid).toBeUndefined();
    expect(written.results[0]).toMatchObject({
      status: 'fail',
      summary: '9 file(s) checked, 8 violation(s)',
    });
    const violations = JSON.parse(result.outputs.violations ?? '[]') as {
      rule: string;
      file: string;
      line: number;
    }[];
    expect(violations.map((violation) => violation.rule).sort()).toEqual(
      [
        'add-column-not-null',
        'alter-column-type',
        'create-index-non-concurrent',
        'drop-column',
        'drop-table',
        'rename-column',
        'rename-table',
        'set-not-null',
      ].sort(),
    );
    expect(result.outputs.count).toBe('8');
    expect(result.stdout).toContain(
      '::error title=migration-lint%3A drop-table,file=migrations/0006_drop-table.sql,line=3::[drop-table] DROP TABLE query_audit',
    );
    expect(result.summary).toContain('### ❌ Migration lint');
  });

  it('passes safe and waived migrations (default path input)', async () => {
    const read = (name: string) => readFileSync(path.join(fixtures, 'safe', name), 'utf8');
    const workspace = makeWorkspace('safe', {
      '0001_init.sql':
        'CREATE TABLE documents (id text PRIMARY KEY, title text, source text, created_at timestamptz);\n',
      '0002_expand_only.sql': read('0002_expand_only.sql'),
      '0003_waived.sql': read('0003_waived.sql'),
    });
    const result = await runActionLikeRunner({ entry, cwd: workspace });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.outputs.violations ?? '')).toEqual([]);
    expect(JSON.parse(result.outputs.waived ?? '[]')).toHaveLength(2);
    expect(result.summary).toContain('### ✅ Migration lint');
  });

  it('fails when a migration on the base ref was edited, and checks only new files', async () => {
    const workspace = makeWorkspace('git', {
      '0001_init.sql': initial,
      '0002_index.sql': 'CREATE INDEX documents_title_idx ON documents (title);\n', // applied long ago
    });
    git(workspace, 'init', '-q', '-b', 'main');
    git(workspace, 'add', '.');
    git(workspace, 'commit', '-q', '-m', 'base');
    git(workspace, 'checkout', '-q', '-b', 'feature');
    writeFileSync(
      path.join(workspace, 'migrations', '0001_init.sql'),
      `${initial}ALTER TABLE documents ADD COLUMN x int;\n`,
    );
    writeFileSync(
      path.join(workspace, 'migrations', '0003_add.sql'),
      'ALTER TABLE documents ADD COLUMN lang text;\n',
    );

    const edited = await runActionLikeRunner({ entry, cwd: workspace, inputs: { 'base-ref': 'main' } });
    expect(edited.exitCode).toBe(1);
    expect(JSON.parse(edited.outputs.violations ?? '[]')).toEqual([
      expect.objectContaining({ file: 'migrations/0001_init.sql', line: 2, rule: 'edited-migration' }),
    ]);
    expect(edited.stdout).toContain('file=migrations/0001_init.sql,line=2');

    writeFileSync(path.join(workspace, 'migrations', '0001_init.sql'), initial);
    const clean = await runActionLikeRunner({ entry, cwd: workspace, inputs: { 'base-ref': 'main' } });
    expect(clean.exitCode).toBe(0);
    expect(clean.stdout).toContain('checked 1 of 3 migration(s)');
  });

  it('on a first push (base-ref is the all-zero SHA) checks every migration instead of failing', async () => {
    const workspace = makeWorkspace('first-push', {
      '0001_init.sql': initial,
      '0002_index.sql': 'CREATE INDEX documents_title_idx ON documents (title);\n',
    });
    git(workspace, 'init', '-q', '-b', 'main');
    git(workspace, 'add', '.');
    git(workspace, 'commit', '-q', '-m', 'first push');
    const zero = '0'.repeat(40);
    const result = await runActionLikeRunner({ entry, cwd: workspace, inputs: { 'base-ref': zero } });
    // Every file is linted as new: the non-concurrent index is found, not skipped as "on the base".
    expect(result.stdout).toContain('checked 2 of 2 migration(s)');
    expect(result.stdout).toContain('::notice::base-ref is the all-zero SHA');
    expect(JSON.parse(result.outputs.violations ?? '[]')).toEqual([
      expect.objectContaining({ file: 'migrations/0002_index.sql' }),
    ]);

    writeFileSync(
      path.join(workspace, 'migrations', '0002_index.sql'),
      'CREATE INDEX CONCURRENTLY documents_title_idx ON documents (title);\n',
    );
    const clean = await runActionLikeRunner({ entry, cwd: workspace, inputs: { 'base-ref': zero } });
    expect(clean.exitCode).toBe(0);
    expect(clean.stdout).not.toContain('is not a commit in this clone');
  });

  it('fails clearly when the base ref is not in the clone', async () => {
    const workspace = makeWorkspace('no-ref', { '0001_init.sql': initial });
    git(workspace, 'init', '-q', '-b', 'main');
    git(workspace, 'add', '.');
    git(workspace, 'commit', '-q', '-m', 'base');
    const result = await runActionLikeRunner({
      entry,
      cwd: workspace,
      inputs: { 'base-ref': 'origin/main' },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('base-ref "origin/main" is not a commit in this clone');
  });
});
