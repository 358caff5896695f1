import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import type { MigrationFile } from '../src/lint-migrations.js';
import { formatViolation, lintMigrations } from '../src/lint-migrations.js';
import { ruleIds } from '../src/migration-rules.js';
import { readMigrationFiles } from '../src/read-migration-files.js';
import { renderLintSummary } from '../src/render-lint-summary.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

function fixture(dir: string, name: string): MigrationFile {
  return { path: `migrations/${name}`, content: readFileSync(`${fixtures}${dir}/${name}`, 'utf8') };
}

function sql(content: string, path = 'migrations/0002_change.sql'): MigrationFile {
  return { path, content };
}

describe('each rule flags its statement at the statement line', () => {
  const unsafe = readdirSync(`${fixtures}unsafe`).sort();

  it('has one fixture per statement rule', () => {
    expect(unsafe.map((name) => name.replace(/\.sql$/, ''))).toEqual(
      ruleIds.filter((rule) => rule !== 'edited-migration').sort(),
    );
  });

  it.each(unsafe)('%s', async (name) => {
    const result = await lintMigrations([fixture('unsafe', name)]);
    expect(result.violations).toHaveLength(1);
    expect(result.violations[0]).toMatchObject({
      file: `migrations/${name}`,
      line: 3,
      rule: name.replace(/\.sql$/, ''),
    });
  });
});

describe('lintMigrations', () => {
  it('accepts expand-only changes, new tables and string literals that look like SQL', async () => {
    const result = await lintMigrations([fixture('safe', '0002_expand_only.sql')]);
    expect(result.violations).toEqual([]);
    expect(result.waived).toEqual([]);
    expect(result.notes).toEqual([]);
  });

  it('honours waivers with a reason, on the statement below them, in -- and /* */ comments', async () => {
    const result = await lintMigrations([fixture('safe', '0003_waived.sql')]);
    expect(result.violations).toEqual([]);
    expect(
      result.waived.map((violation) => [violation.rule, violation.line, violation.waiver?.reason]),
    ).toEqual([
      ['drop-column', 3, 'title unused since v1.3 (expand/contract step 2)'],
      ['create-index-non-concurrent', 6, 'documents is tiny in every deployment'],
    ]);
  });

  it('does not accept a waiver without a reason, and says why', async () => {
    const result = await lintMigrations([
      sql('-- migration-lint: allow drop-table\nDROP TABLE query_audit;\n'),
    ]);
    expect(result.violations.map((violation) => violation.rule)).toEqual(['drop-table']);
    expect(result.notes[0]?.message).toMatch(/has no reason/);
  });

  it('scopes a waiver to the next statement only', async () => {
    const result = await lintMigrations([
      sql(
        '-- migration-lint: allow drop-column reason="step 2"\n' +
          'ALTER TABLE documents DROP COLUMN title;\n' +
          'ALTER TABLE documents DROP COLUMN source;\n',
      ),
    ]);
    expect(result.waived.map((violation) => violation.line)).toEqual([2]);
    expect(result.violations.map((violation) => [violation.rule, violation.line])).toEqual([
      ['drop-column', 3],
    ]);
  });

  it('does not let a waiver for one rule cover another, and reports unused or unknown annotations', async () => {
    const result = await lintMigrations([
      sql(
        '-- migration-lint: allow drop-column reason="wrong rule"\n' +
          'DROP TABLE query_audit;\n' +
          '-- migration-lint: allow drop-everything reason="nope"\n' +
          'SELECT 1;\n',
      ),
    ]);
    expect(result.violations.map((violation) => violation.rule)).toEqual(['drop-table']);
    expect(result.notes.map((note) => [note.line, note.message])).toEqual([
      [3, expect.stringMatching(/unknown rule\(s\): drop-everything/)],
      [1, expect.stringMatching(/waives nothing/)],
    ]);
  });

  it('reports every unsafe command of one ALTER TABLE and each dropped table', async () => {
    const result = await lintMigrations([
      sql(
        'ALTER TABLE documents\n  DROP COLUMN title,\n  ALTER COLUMN source SET NOT NULL,\n' +
          '  ADD COLUMN lang text NOT NULL,\n  ALTER COLUMN chunk_count TYPE bigint;\nDROP TABLE a, public.b;\n',
      ),
    ]);
    expect(result.violations.map((violation) => `${violation.rule}@${violation.line}`)).toEqual([
      'drop-column@1',
      'set-not-null@1',
      'add-column-not-null@1',
      'alter-column-type@1',
      'drop-table@6',
      'drop-table@6',
    ]);
    expect(result.violations[5]?.message).toMatch(/^DROP TABLE b:/);
  });

  it('counts lines correctly after multi-byte characters and block comments', async () => {
    const result = await lintMigrations([
      sql(
        "/* Größe — ünïcode\n   spans lines */\nCOMMENT ON TABLE documents IS 'Dokumente ✓';\n\nDROP TABLE documents;\n",
      ),
    ]);
    expect(result.violations[0]).toMatchObject({ rule: 'drop-table', line: 5 });
  });

  it('reports SQL that does not parse, with its line', async () => {
    const result = await lintMigrations([sql('SELECT 1;\n\nALTER TABLE documents DROP COLUMN;\n')]);
    expect(result.violations[0]).toMatchObject({ rule: 'parse-error', line: 3 });
  });

  it('treats a renamed new table as new', async () => {
    const result = await lintMigrations([
      sql('CREATE TABLE t (id int);\nALTER TABLE t RENAME TO u;\nCREATE INDEX u_idx ON u (id);\n'),
    ]);
    expect(result.violations).toEqual([]);
  });

  describe('with a base ref (forward-only)', () => {
    const applied = sql('CREATE TABLE t (id int);\n', 'migrations/0001_init.sql');

    it('flags an edited applied migration at the first changed line, and a deleted one', async () => {
      const result = await lintMigrations([sql('CREATE TABLE t (id bigint);\n', applied.path)], {
        baseFiles: new Map([
          [applied.path, applied.content],
          ['migrations/0000_gone.sql', 'SELECT 1;\n'],
        ]),
      });
      expect(result.violations.map((violation) => [violation.file, violation.rule, violation.line])).toEqual([
        ['migrations/0000_gone.sql', 'edited-migration', 1],
        ['migrations/0001_init.sql', 'edited-migration', 1],
      ]);
    });

    it('does not re-lint unchanged applied migrations, and treats tables from new migrations as new', async () => {
      const result = await lintMigrations(
        [
          sql('CREATE TABLE t (id int);\nDROP TABLE old_thing;\n', applied.path),
          sql('CREATE TABLE n (id int);\n', 'migrations/0002_new.sql'),
          sql('CREATE INDEX n_idx ON n (id);\nCREATE INDEX t_idx ON t (id);\n', 'migrations/0003_index.sql'),
        ],
        { baseFiles: new Map([[applied.path, 'CREATE TABLE t (id int);\nDROP TABLE old_thing;\n']]) },
      );
      expect(result.filesChecked).toBe(2);
      expect(result.violations.map((violation) => formatViolation(violation))).toEqual([
        expect.stringMatching(
          /^migrations\/0003_index\.sql:2 \[create-index-non-concurrent\] CREATE INDEX t_idx ON t/,
        ),
      ]);
    });

    it('accepts an edited applied migration only with an edited-migration waiver', async () => {
      const content =
        '-- migration-lint: allow edited-migration reason="comment typo only"\nCREATE TABLE t (id int);\n';
      const result = await lintMigrations([sql(content, applied.path)], {
        baseFiles: new Map([[applied.path, applied.content]]),
      });
      expect(result.violations).toEqual([]);
      expect(result.waived[0]?.rule).toBe('edited-migration');
    });
  });

  it('renders a summary with unwaived violations first', async () => {
    const result = await lintMigrations([
      fixture('safe', '0003_waived.sql'),
      fixture('unsafe', 'drop-table.sql'),
    ]);
    const markdown = renderLintSummary(result);
    expect(markdown).toContain('### ❌ Migration lint');
    const rows = markdown.split('\n').filter((line) => line.startsWith('| '));
    expect(rows[0]).toContain('| Status | Rule |');
    expect(rows[1]).toContain('`drop-table`');
    expect(rows[2]).toContain('⚪ waived');
  });
});

describe("the project's own migrations", () => {
  it('pass migration-lint', async () => {
    const files = readMigrationFiles('migrations', repoRoot);
    expect(files.length).toBeGreaterThan(0);
    const result = await lintMigrations(files);
    expect(result.violations.map(formatViolation)).toEqual([]);
  });
});
