// Renders all results as one markdown comment. The hidden marker lets later runs find and update it.
import type { InvalidResultFile, ReportResult, ResultStatus } from './read-result-file.js';

export const reportMarker = '<!-- slipway-pr-report -->';

/** GitHub rejects comment bodies over 65,536 characters. */
export const maxCommentLength = 65_000;

const statusIcon: Record<ResultStatus, string> = { pass: '✅', fail: '❌', info: 'ℹ️' };
const statusOrder: ResultStatus[] = ['fail', 'pass', 'info'];

export interface ReportContext {
  title: string;
  /** Commit the report describes. */
  sha?: string;
  runUrl?: string;
}

export function overallStatus(
  results: readonly ReportResult[],
  invalid: readonly InvalidResultFile[],
): ResultStatus {
  if (invalid.length > 0 || results.some((result) => result.status === 'fail')) return 'fail';
  return results.some((result) => result.status === 'pass') ? 'pass' : 'info';
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').trim();
}

function render(
  results: readonly ReportResult[],
  invalid: readonly InvalidResultFile[],
  context: ReportContext,
  detailLimit: number,
): string {
  const ordered = [...results].sort((a, b) => statusOrder.indexOf(a.status) - statusOrder.indexOf(b.status));
  const status = overallStatus(results, invalid);
  const lines = [reportMarker, `## ${statusIcon[status]} ${context.title}`, ''];
  if (ordered.length === 0 && invalid.length === 0) lines.push('_No results were reported._', '');
  if (ordered.length > 0) {
    lines.push('| | Check | Result |', '|---|---|---|');
    for (const result of ordered) {
      const title = result.url ? `[${cell(result.title)}](${result.url})` : cell(result.title);
      lines.push(
        `| ${statusIcon[result.status]} | ${title} <sub>${result.kind}</sub> | ${cell(result.summary)} |`,
      );
    }
    lines.push('');
  }
  if (invalid.length > 0) {
    lines.push('**⚠️ Invalid result files** (see the pr-report README for the schema):', '');
    for (const file of invalid) lines.push(`- \`${file.source}\`: ${file.errors.map(cell).join('; ')}`);
    lines.push('');
  }
  for (const result of ordered) {
    if (!result.details || detailLimit <= 0) continue;
    const details =
      result.details.length > detailLimit
        ? `${result.details.slice(0, detailLimit)}\n\n…(truncated)`
        : result.details;
    lines.push(
      `<details><summary>${statusIcon[result.status]} ${cell(result.title)}</summary>`,
      '',
      details.trim(),
      '',
      '</details>',
      '',
    );
  }
  const footer = [
    context.sha ? `commit ${context.sha.slice(0, 7)}` : '',
    context.runUrl ? `[workflow run](${context.runUrl})` : '',
  ].filter(Boolean);
  if (footer.length > 0) lines.push(`<sub>Updated for ${footer.join(' · ')}</sub>`, '');
  return lines.join('\n');
}

/** The comment body, kept under GitHub's size limit by shortening (then dropping) details. */
export function renderPrReport(
  results: readonly ReportResult[],
  invalid: readonly InvalidResultFile[],
  context: ReportContext,
): string {
  for (const limit of [20_000, 5_000, 1_000, 0]) {
    const body = render(results, invalid, context, limit);
    if (body.length <= maxCommentLength) return body;
  }
  return `${render(results, invalid, context, 0).slice(0, maxCommentLength - 40)}\n\n…(report truncated)\n`;
}
