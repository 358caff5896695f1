// The gate's verdict as a pr-report result file (schema: actions/pr-report/README.md).
import type { ScanVerdict } from './apply-scan-policy.js';
import { severityOrder } from './read-trivy-findings.js';

export function scanReportResult(verdict: ScanVerdict, summaryMarkdown: string) {
  const counts = severityOrder
    .filter((severity) => verdict.counts[severity] > 0)
    .map((severity) => `${severity} ${verdict.counts[severity]}`);
  const expired = verdict.expiredWaivers.length;
  return {
    kind: 'scan' as const,
    title: 'Vulnerability scan gate',
    status: verdict.passed ? ('pass' as const) : ('fail' as const),
    summary:
      `${verdict.blocking} blocking of ${verdict.total} unique finding(s)` +
      (counts.length > 0 ? ` (${counts.join(', ')})` : '') +
      (expired > 0 ? `, ${expired} expired waiver(s)` : ''),
    details: summaryMarkdown,
  };
}
