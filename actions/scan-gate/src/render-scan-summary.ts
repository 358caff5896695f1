// Renders the gate's verdict as GitHub-flavoured markdown: blocking findings first.
import type { ScanVerdict, Verdict } from './apply-scan-policy.js';
import { severityOrder } from './read-trivy-findings.js';

const verdictLabel: Record<Verdict, string> = {
  blocking: '❌ blocking',
  waived: '⚪ waived',
  unfixed: '➖ no fix yet',
  'below-threshold': '➖ below threshold',
};

/** Escapes text for a markdown table cell. */
export function tableCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').trim();
}

export function renderScanSummary(verdict: ScanVerdict, maxRows = 200): string {
  const lines: string[] = [];
  lines.push(`### ${verdict.passed ? '✅' : '❌'} Vulnerability scan gate`);
  lines.push('');
  const counts = severityOrder
    .filter((severity) => verdict.counts[severity] > 0)
    .map((severity) => `${severity} ${verdict.counts[severity]}`);
  lines.push(
    `**${verdict.blocking}** blocking of **${verdict.total}** unique finding${verdict.total === 1 ? '' : 's'}` +
      (counts.length > 0 ? ` (${counts.join(', ')})` : '') +
      '.',
  );
  for (const failure of verdict.failures) lines.push(`- ${failure}`);
  lines.push('');
  if (verdict.findings.length > 0) {
    lines.push('| Status | Severity | Vulnerability | Package | Installed | Fixed in | Target |');
    lines.push('|---|---|---|---|---|---|---|');
    for (const finding of verdict.findings.slice(0, maxRows)) {
      const id = finding.url ? `[${tableCell(finding.id)}](${finding.url})` : tableCell(finding.id);
      let status = verdictLabel[finding.verdict];
      if (finding.waiver && finding.waiverExpired) status += ` (waiver expired ${finding.waiver.expires})`;
      else if (finding.waiver)
        status += ` until ${finding.waiver.expires}: ${tableCell(finding.waiver.reason)}`;
      lines.push(
        `| ${status} | ${finding.severity} | ${id} | ${tableCell(finding.packageName)} | ` +
          `${tableCell(finding.installedVersion)} | ${tableCell(finding.fixedVersion) || '—'} | ` +
          `${tableCell(finding.targets.join(', '))} |`,
      );
    }
    if (verdict.findings.length > maxRows) {
      lines.push('');
      lines.push(`…and ${verdict.findings.length - maxRows} more (see the report artifact).`);
    }
  }
  return `${lines.join('\n')}\n`;
}
