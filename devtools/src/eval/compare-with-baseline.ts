import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { resultFor, type EvalMode, type EvalReport } from './evaluate-retrieval.js';

/** The committed quality baseline (devtools/eval-baseline.json). */
export interface EvalBaseline {
  dataset: 'cranfield';
  k: number;
  /** How far hybrid nDCG@k may fall below `hybridNdcg` before the gate fails. */
  tolerance: number;
  hybridNdcg: number;
  /**
   * The Postgres majors the baseline was measured on (same numbers on each). The keyword modes run in
   * Postgres (tsvector, BM25 SQL), so a run on another major is not compared with these numbers until
   * someone measured it there.
   */
  postgresMajors?: number[];
  /** The full numbers of the run that set the baseline, for reference. */
  results?: Partial<Record<EvalMode, { ndcg: number; mrr: number; recall: number }>>;
}

export const DEFAULT_BASELINE_PATH = fileURLToPath(new URL('../../eval-baseline.json', import.meta.url));

export async function readBaseline(path: string = DEFAULT_BASELINE_PATH): Promise<EvalBaseline> {
  return JSON.parse(await readFile(path, 'utf8')) as EvalBaseline;
}

/**
 * The quality gate: hybrid nDCG@k must not drop below the baseline minus its tolerance, and must be at least
 * the BM25 baseline's from the same run.
 */
export function checkAgainstBaseline(
  report: EvalReport,
  baseline: EvalBaseline,
): { ok: boolean; failures: string[] } {
  const failures: string[] = [];
  const hybrid = resultFor(report, 'hybrid');
  const bm25 = resultFor(report, 'bm25');
  if (baseline.k !== report.k) failures.push(`baseline is for k=${baseline.k}, the run used k=${report.k}`);
  const majors = baseline.postgresMajors ?? [];
  if (!majors.includes(report.postgres.major)) {
    failures.push(
      `this run used Postgres ${report.postgres.version}, but the baseline was measured on ` +
        `${majors.length > 0 ? `Postgres ${majors.join(', ')}` : 'an unrecorded Postgres version'}: run ` +
        '`npm run eval -- --database-url <a Postgres ' +
        `${report.postgres.major} server>\` and, if the numbers match, add ${report.postgres.major} to ` +
        'postgresMajors in devtools/eval-baseline.json',
    );
  }
  const floor = baseline.hybridNdcg - baseline.tolerance;
  if (hybrid.ndcg < floor) {
    failures.push(
      `hybrid nDCG@${report.k} ${hybrid.ndcg.toFixed(4)} is below the baseline ${baseline.hybridNdcg.toFixed(4)} ` +
        `minus tolerance ${baseline.tolerance} (${floor.toFixed(4)})`,
    );
  }
  if (hybrid.ndcg < bm25.ndcg) {
    failures.push(
      `hybrid nDCG@${report.k} ${hybrid.ndcg.toFixed(4)} is below BM25's ${bm25.ndcg.toFixed(4)} in the same run`,
    );
  }
  return { ok: failures.length === 0, failures };
}

/** A baseline file's content from a report. */
export function baselineFromReport(report: EvalReport, tolerance = 0.01): EvalBaseline {
  const round = (x: number): number => Math.round(x * 10_000) / 10_000;
  return {
    dataset: 'cranfield',
    k: report.k,
    tolerance,
    hybridNdcg: round(resultFor(report, 'hybrid').ndcg),
    postgresMajors: [report.postgres.major],
    results: Object.fromEntries(
      report.results.map((r) => [
        r.mode,
        { ndcg: round(r.ndcg), mrr: round(r.mrr), recall: round(r.recall) },
      ]),
    ),
  };
}
