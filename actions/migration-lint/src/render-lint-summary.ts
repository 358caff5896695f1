// Markdown for the job summary: one row per violation, waived ones after.
import type { LintResult, Violation } from './lint-migrations.js';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function row(violation: Violation): string {
  const status = violation.waiver ? `⚪ waived: ${cell(violation.waiver.reason)}` : '❌';
  return `| ${status} | \`${violation.rule}\` | ${cell(violation.file)}:${violation.line} | ${cell(violation.message)} |`;
}

export function renderLintSummary(result: LintResult): string {
  const passed = result.violations.length === 0;
  const lines = [
    `### ${passed ? '✅' : '❌'} Migration lint`,
    '',
    `${result.filesChecked} migration file(s) checked: **${result.violations.length}** violation(s), ` +
      `${result.waived.length} waived.`,
    '',
  ];
  if (result.violations.length + result.waived.length > 0) {
    lines.push('| Status | Rule | Where | What |', '|---|---|---|---|');
    for (const violation of [...result.violations, ...result.waived]) lines.push(row(violation));
    lines.push('');
  }
  if (!passed) {
    lines.push(
      'Migrations run while the previous release still serves. Split the change into expand/contract steps, ' +
        'or waive one statement with `-- migration-lint: allow <rule> reason="…"` directly above it.',
      '',
    );
  }
  return lines.join('\n');
}
