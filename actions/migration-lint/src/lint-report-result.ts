// The lint result as a pr-report result file (schema: actions/pr-report/README.md).
import type { LintResult } from './lint-migrations.js';

export function lintReportResult(result: LintResult, summaryMarkdown: string) {
  return {
    kind: 'generic' as const,
    title: 'Migration lint',
    status: result.violations.length > 0 ? ('fail' as const) : ('pass' as const),
    summary:
      `${result.filesChecked} file(s) checked, ${result.violations.length} violation(s)` +
      (result.waived.length > 0 ? `, ${result.waived.length} waived` : ''),
    details: summaryMarkdown,
  };
}
