// Pure: counts and the job summary of one run.
import type { DocumentResult, Outcome } from './send-documents.js';

export type Counts = Record<Outcome, number> & { total: number };

export function countOutcomes(results: readonly DocumentResult[]): Counts {
  const counts: Counts = { added: 0, updated: 0, duplicate: 0, failed: 0, skipped: 0, total: results.length };
  for (const result of results) counts[result.outcome] += 1;
  return counts;
}

/** Rows listed in the summary per table; the log has all of them. */
export const MAX_LISTED = 50;

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function listing(title: string, results: readonly DocumentResult[]): string[] {
  if (results.length === 0) return [];
  const rows = results.slice(0, MAX_LISTED).map((r) => `| ${cell(r.source)} | ${cell(r.reason ?? '')} |`);
  const more =
    results.length > MAX_LISTED ? [``, `…and ${results.length - MAX_LISTED} more (see the log).`] : [];
  return ['', `#### ${title}`, '', '| Source | Reason |', '| --- | --- |', ...rows, ...more];
}

export interface ReportContext {
  collection: string;
  /** The service's origin (no path, no key). */
  service: string;
  sources: string[];
  /** Set when the run stopped before sending everything. */
  stopped?: string;
}

export function renderSummary(results: readonly DocumentResult[], context: ReportContext): string {
  const counts = countOutcomes(results);
  const icon = context.stopped || counts.failed > 0 ? '❌' : '✅';
  const lines = [
    `### ${icon} Ingest into \`${cell(context.collection)}\``,
    '',
    `Service ${context.service}; from ${context.sources.map((s) => `\`${cell(s)}\``).join(', ')}.`,
    ...(context.stopped ? ['', `**Stopped:** ${cell(context.stopped)}`] : []),
    '',
    '| Added | Updated | Duplicates | Failed | Skipped | Total |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${counts.added} | ${counts.updated} | ${counts.duplicate} | ${counts.failed} | ${counts.skipped} | ${counts.total} |`,
    ...listing(
      'Failed',
      results.filter((r) => r.outcome === 'failed'),
    ),
    ...listing(
      'Skipped',
      results.filter((r) => r.outcome === 'skipped'),
    ),
  ];
  return `${lines.join('\n')}\n`;
}
