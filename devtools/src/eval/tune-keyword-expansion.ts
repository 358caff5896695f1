/**
 * RM3 on the keyword side (ADR 0014), judged with a held-out half: a small grid of global parameters is
 * scored on Cranfield in one eval run (each point as a keyword variant and as a hybrid variant), the point
 * with the best hybrid nDCG@10 on the tuning half of the questions is chosen, and it is reported against
 * control on the other half and on all questions.
 *
 *   npx tsx devtools/src/eval/tune-keyword-expansion.ts [--tune odd|even] [--data DIR] [--database-url URL]
 *     [--json PATH]
 *
 * The grid bypasses RETRIEVAL_VARIANTS' limit of 8 variants (a config rule for metric labels, not for the
 * eval); everything else is `evaluateRetrieval` with `querySplit`, as `npm run eval -- --variants --split`.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { providePostgres } from '@slipway/harness';
import type { KeywordExpansion } from '@slipway/service/ranking/keyword-expansion';
import {
  CONTROL_PARAMETERS,
  type RetrievalParameters,
} from '@slipway/service/retrieval/retrieval-experiment';
import {
  evaluateRetrieval,
  formatVariantTable,
  queryHalf,
  type QueryHalf,
  type VariantResult,
} from './evaluate-retrieval.js';
import { createEvalDatabase, type EvalDatabase } from './postgres-keyword-index.js';

export const EXPANSION_GRID: readonly KeywordExpansion[] = [5, 10].flatMap((fbDocs) =>
  [10, 20, 30].flatMap((fbTerms) =>
    [0.5, 0.7].map((originalQueryWeight) => ({ fbDocs, fbTerms, originalQueryWeight })),
  ),
);

const nameOf = (mode: 'keyword' | 'hybrid', e: KeywordExpansion) =>
  `${mode === 'keyword' ? 'kw' : 'hy'}-rm3-${e.fbDocs}-${e.fbTerms}-${Math.round(e.originalQueryWeight * 10)}`;

/**
 * Control without RM3 (plain BM25 keyword list, as the service's control is), plain keyword, and every grid
 * point as a keyword and as a hybrid variant.
 */
export function gridVariants(grid: readonly KeywordExpansion[] = EXPANSION_GRID): RetrievalParameters[] {
  const { keywordExpansion: _shipped, ...plain } = CONTROL_PARAMETERS;
  const control: RetrievalParameters = { ...plain, variant: 'control' };
  const keyword: RetrievalParameters = { ...plain, variant: 'keyword', mode: 'keyword' };
  return [
    control,
    keyword,
    ...grid.flatMap((keywordExpansion) => [
      { ...keyword, variant: nameOf('keyword', keywordExpansion), keywordExpansion },
      { ...control, variant: nameOf('hybrid', keywordExpansion), keywordExpansion },
    ]),
  ];
}

export interface ExpansionChoice {
  tunedOn: QueryHalf;
  heldOut: QueryHalf;
  chosen: KeywordExpansion;
  /**
   * nDCG@10 of control / RM3 on the held-out half and on all questions, keyword and hybrid; questions RM3
   * ranks better / worse; p of a two-sided paired randomisation test (sign flips, fixed seed).
   */
  rows: {
    side: 'keyword' | 'hybrid';
    set: string;
    control: number;
    rm3: number;
    better: number;
    worse: number;
    p: number;
  }[];
  /**
   * The Cranfield rule for RM3 on by default: hybrid better on the held-out half and not worse than control
   * on all. (ADR 0014 kept it off anyway: the answer-quality sets on docs/ disagree.)
   */
  keepOn: boolean;
}

/** Per-question differences of two variants on the questions `keep` selects: wins, losses, paired p. */
function paired(control: VariantResult, rm3: VariantResult, keep: (queryId: string) => boolean) {
  const differences = Object.entries(rm3.perQueryNdcg!)
    .filter(([id]) => keep(id))
    .map(([id, ndcg]) => ndcg - control.perQueryNdcg![id]!);
  const observed = Math.abs(differences.reduce((s, d) => s + d, 0));
  let seed = 12345;
  const coin = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) & 1024) !== 0;
  const trials = 20_000;
  let asExtreme = 0;
  for (let t = 0; t < trials; t++) {
    let sum = 0;
    for (const d of differences) sum += coin() ? d : -d;
    if (Math.abs(sum) >= observed - 1e-12) asExtreme++;
  }
  return {
    better: differences.filter((d) => d > 1e-9).length,
    worse: differences.filter((d) => d < -1e-9).length,
    p: (asExtreme + 1) / (trials + 1),
  };
}

/** Chooses the grid point by hybrid nDCG@10 on `tunedOn` (first in grid order on a tie) and reports it. */
export function chooseExpansion(variants: readonly VariantResult[], tunedOn: QueryHalf): ExpansionChoice {
  const heldOut: QueryHalf = tunedOn === 'odd' ? 'even' : 'odd';
  const byName = new Map(variants.map((v) => [v.variant, v]));
  const hybrids = variants.filter((v) => v.mode === 'hybrid' && v.keywordExpansion);
  const best = hybrids.reduce((a, b) => (b.halves![tunedOn].ndcg > a.halves![tunedOn].ndcg ? b : a));
  const chosen = best.keywordExpansion!;
  const row = (side: 'keyword' | 'hybrid', control: VariantResult, rm3: VariantResult) => [
    {
      side,
      set: `${heldOut} (held out)`,
      control: control.halves![heldOut].ndcg,
      rm3: rm3.halves![heldOut].ndcg,
      ...paired(control, rm3, (id) => queryHalf(id) === heldOut),
    },
    { side, set: 'all', control: control.ndcg, rm3: rm3.ndcg, ...paired(control, rm3, () => true) },
  ];
  const rows = [
    ...row('keyword', byName.get('keyword')!, byName.get(nameOf('keyword', chosen))!),
    ...row('hybrid', byName.get('control')!, best),
  ];
  const hybridRows = rows.filter((r) => r.side === 'hybrid');
  const keepOn = hybridRows[0]!.rm3 > hybridRows[0]!.control && hybridRows[1]!.rm3 >= hybridRows[1]!.control;
  return { tunedOn, heldOut, chosen, rows, keepOn };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tune: { type: 'string', default: 'odd' },
      data: { type: 'string' },
      'database-url': { type: 'string' },
      json: { type: 'string' },
    },
  });
  if (values.tune !== 'odd' && values.tune !== 'even') throw new Error('--tune is odd or even');
  const serverUrl = values['database-url'] ?? process.env.EVAL_DATABASE_URL;
  const database: EvalDatabase = serverUrl ? await createEvalDatabase(serverUrl) : await providePostgres();
  let report;
  try {
    report = await evaluateRetrieval({
      databaseUrl: database.url,
      compareCoverDensity: false,
      variants: gridVariants(),
      querySplit: true,
      ...(values.data ? { dataDir: values.data } : {}),
    });
  } finally {
    await database.stop();
  }
  console.log(formatVariantTable(report));
  const choice = chooseExpansion(report.variants, values.tune);
  const { fbDocs, fbTerms, originalQueryWeight } = choice.chosen;
  console.log(
    `\nchosen on the ${choice.tunedOn}-numbered questions (best hybrid nDCG@${report.k}): ` +
      `fbDocs ${fbDocs}, fbTerms ${fbTerms}, originalQueryWeight ${originalQueryWeight}`,
  );
  for (const r of choice.rows) {
    const delta = r.rm3 - r.control;
    console.log(
      `${r.side.padEnd(7)}  ${r.set.padEnd(15)}  control ${r.control.toFixed(4)}  RM3 ${r.rm3.toFixed(4)}  ` +
        `${delta >= 0 ? '+' : ''}${delta.toFixed(4)}  questions better/worse ${r.better}/${r.worse}  ` +
        `paired p ${r.p < 0.001 ? '< 0.001' : r.p.toFixed(3)}`,
    );
  }
  console.log(
    choice.keepOn
      ? 'Cranfield rule met: hybrid better on the held-out half and not worse on all (see ADR 0014 for the default)'
      : 'Cranfield rule not met: hybrid must improve on the held-out half and not drop on all',
  );
  if (values.json) {
    await writeFile(values.json, `${JSON.stringify({ choice, report }, null, 2)}\n`);
    console.log(`wrote ${values.json}`);
  }
}

await main();
