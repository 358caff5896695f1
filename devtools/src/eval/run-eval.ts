import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { providePostgres } from '@slipway/harness';
import { ConfigError, parseSettings } from '@slipway/service/config/load-config';
import { retrievalVariantsSetting } from '@slipway/service/config/retrieval-variant-settings';
import { resolveVariants, type RetrievalParameters } from '@slipway/service/retrieval/retrieval-experiment';
import {
  baselineFromReport,
  checkAgainstBaseline,
  DEFAULT_BASELINE_PATH,
  readBaseline,
} from './compare-with-baseline.js';
import { evaluateRetrieval, formatReportTable, formatVariantTable } from './evaluate-retrieval.js';
import { createEvalDatabase, type EvalDatabase } from './postgres-keyword-index.js';
import {
  evaluateAnswers,
  formatAnswerReport,
  QUESTION_SETS,
  readQuestionSet,
} from '../answer-quality/evaluate-answers.js';
import { answerGateFailures } from '../answer-quality/score-answers.js';

const usage = `npm run eval [-- options]
  Retrieval quality on Cranfield: keyword (Postgres), vector (hashing), hybrid (RRF), hybrid+MMR and a BM25
  baseline, in one run; fails when hybrid nDCG@10 drops below the committed baseline or below BM25.
  Answer quality on the shipped docs/ (devtools/answer-quality/*.json, asked through the service's answerer
  on real Postgres and Chroma): how often the first citation comes from a section that answers the question,
  and how many quotes are cut off mid-sentence or are headings; fails below the gate in score-answers.ts.
  --answers-only         only the answer-quality part
  --retrieval-only       only the Cranfield part
  --json PATH            write the full report as JSON
  --data DIR             Cranfield files (default: the copy in devtools/test/eval/fixtures/cranfield)
  --database-url URL     Postgres server to create a throwaway database on (or EVAL_DATABASE_URL);
                         default: the test harness (TEST_DATABASE_URL, Testcontainers, or a local server)
  --baseline PATH        baseline file (default devtools/eval-baseline.json)
  --write-baseline       write this run's numbers as the new baseline instead of checking
  --no-gate              print only; do not fail on the gate
  --variants             instead: score each retrieval experiment variant (control first, then those of
                         RETRIEVAL_VARIANTS, as the service reads it) on Cranfield, one row per variant
  --variants-file PATH   with --variants: read the variants from this JSON file (RETRIEVAL_VARIANTS' form)
  --split                with --variants: also nDCG@10 on the odd- and on the even-numbered questions
                         (tuning on one half, judging on the other: devtools/src/eval/tune-keyword-expansion.ts)`;

const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    data: { type: 'string' },
    'database-url': { type: 'string' },
    baseline: { type: 'string' },
    'write-baseline': { type: 'boolean', default: false },
    'no-gate': { type: 'boolean', default: false },
    'answers-only': { type: 'boolean', default: false },
    'retrieval-only': { type: 'boolean', default: false },
    variants: { type: 'boolean', default: false },
    'variants-file': { type: 'string' },
    split: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}

/** Opens a throwaway eval database: on --database-url / EVAL_DATABASE_URL, else from the test harness. */
async function evalDatabase(): Promise<EvalDatabase> {
  const serverUrl = values['database-url'] ?? process.env.EVAL_DATABASE_URL;
  return serverUrl ? createEvalDatabase(serverUrl) : providePostgres();
}

/** The variants to score: --variants-file, else RETRIEVAL_VARIANTS from the environment (validated alike). */
async function configuredVariants(): Promise<RetrievalParameters[]> {
  const file = values['variants-file'];
  if (file) {
    const parsed = retrievalVariantsSetting.safeParse(await readFile(file, 'utf8'));
    if (!parsed.success) {
      throw new ConfigError(
        parsed.error.issues.map((i) => [file, i.path.join('.'), i.message].filter(Boolean).join(': ')),
      );
    }
    return resolveVariants(parsed.data);
  }
  return resolveVariants(parseSettings(process.env, ['RETRIEVAL_VARIANTS']).RETRIEVAL_VARIANTS);
}

/** Every retrieval experiment variant scored on Cranfield in one run (no gate: a comparison). */
async function variantsPart(): Promise<boolean> {
  let variants: RetrievalParameters[];
  try {
    variants = await configuredVariants();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return false;
  }
  const database = await evalDatabase();
  let report;
  try {
    report = await evaluateRetrieval({
      databaseUrl: database.url,
      compareCoverDensity: false,
      variants,
      querySplit: values.split,
      ...(values.data ? { dataDir: values.data } : {}),
    });
  } finally {
    await database.stop();
  }
  console.log(formatVariantTable(report));
  if (values.json) {
    await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`wrote ${values.json}`);
  }
  return true;
}

/** The Cranfield retrieval evaluation and its gate against the committed baseline; true when it passes. */
async function retrievalPart(): Promise<boolean> {
  const database = await evalDatabase();
  let report;
  try {
    report = await evaluateRetrieval({
      databaseUrl: database.url,
      ...(values.data ? { dataDir: values.data } : {}),
    });
  } finally {
    await database.stop();
  }
  console.log(formatReportTable(report));
  if (values.json) {
    await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`wrote ${values.json}`);
  }
  const baselinePath = values.baseline ?? DEFAULT_BASELINE_PATH;
  if (values['write-baseline']) {
    await writeFile(baselinePath, `${JSON.stringify(baselineFromReport(report), null, 2)}\n`);
    console.log(`wrote baseline ${baselinePath}`);
    return true;
  }
  if (values['no-gate']) return true;
  const gate = checkAgainstBaseline(report, await readBaseline(baselinePath));
  for (const failure of gate.failures) console.error(`FAIL: ${failure}`);
  if (gate.ok) console.log(`gate: ok (baseline ${baselinePath})`);
  return gate.ok;
}

/** The answer-quality evaluation on docs/ and its gate; true when it passes. */
async function answersPart(): Promise<boolean> {
  const report = await evaluateAnswers({
    tuning: await readQuestionSet(QUESTION_SETS.tuning),
    heldOut: await readQuestionSet(QUESTION_SETS.heldOut),
  });
  console.log(`\nAnswer quality on docs/\n${formatAnswerReport(report)}`);
  if (values['no-gate']) return true;
  const failures = answerGateFailures(report.sets);
  for (const failure of failures) console.error(`FAIL: ${failure}`);
  if (failures.length === 0) console.log('answer gate: ok');
  return failures.length === 0;
}

let ok = true;
if (values.variants || values['variants-file'] !== undefined) ok = await variantsPart();
else {
  if (!values['answers-only']) ok = (await retrievalPart()) && ok;
  if (!values['retrieval-only']) ok = (await answersPart()) && ok;
}
process.exitCode = ok ? 0 : 1;
