// The action's run(): lints the migrations directory and annotates offending lines.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as core from '@actions/core';
import { chooseBaseRef } from './choose-base-ref.js';
import { formatViolation, lintMigrations } from './lint-migrations.js';
import { lintReportResult } from './lint-report-result.js';
import { readBaseMigrationFiles, readMigrationFiles } from './read-migration-files.js';
import { renderLintSummary } from './render-lint-summary.js';

export async function run(): Promise<void> {
  try {
    const dir = core.getInput('path') || 'migrations';
    const base = chooseBaseRef(core.getInput('base-ref'));
    if (base.kind === 'all' && base.reason) core.notice(base.reason);
    const baseRef = base.kind === 'ref' ? base.ref : '';
    const resultFile = core.getInput('result-file');
    const files = readMigrationFiles(dir);
    const baseFiles = baseRef ? readBaseMigrationFiles(dir, baseRef) : undefined;
    const result = await lintMigrations(files, baseFiles ? { baseFiles } : {});

    core.info(
      `checked ${result.filesChecked} of ${files.length} migration(s)` +
        (baseRef ? ` (files new since ${baseRef}; the others must be unchanged)` : ''),
    );
    for (const note of result.notes) core.warning(note.message, { file: note.file, startLine: note.line });
    for (const waived of result.waived) core.info(`waived: ${formatViolation(waived)}`);
    for (const violation of result.violations) {
      core.error(`[${violation.rule}] ${violation.message}`, {
        title: `migration-lint: ${violation.rule}`,
        file: violation.file,
        startLine: violation.line,
      });
    }
    core.setOutput('violations', JSON.stringify(result.violations));
    core.setOutput('waived', JSON.stringify(result.waived));
    core.setOutput('count', result.violations.length);
    const summary = renderLintSummary(result);
    await core.summary.addRaw(summary).write();
    if (resultFile) {
      await mkdir(path.dirname(path.resolve(resultFile)), { recursive: true });
      await writeFile(resultFile, `${JSON.stringify(lintReportResult(result, summary), null, 2)}\n`);
    }
    if (result.violations.length > 0) {
      core.setFailed(
        `${result.violations.length} unsafe migration change(s); see the annotations. ` +
          'Split into expand/contract steps, or waive with -- migration-lint: allow <rule> reason="…"',
      );
    }
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
