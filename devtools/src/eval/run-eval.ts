import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { providePostgres } from '@slipway/harness';
import {
  baselineFromReport,
  checkAgainstBaseline,
  DEFAULT_BASELINE_PATH,
  readBaseline,
} from './compare-with-baseline.js';
import { evaluateRetrieval, formatReportTable } from './evaluate-retrieval.js';
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
  --no-gate              print only; do not fail on the gate`;

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
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}

/** The Cranfield retrieval evaluation and its gate against the committed baseline; true when it passes. */
async function retrievalPart(): Promise<boolean> {
  const serverUrl = values['database-url'] ?? process.env.EVAL_DATABASE_URL;
  const database: EvalDatabase = serverUrl ? await createEvalDatabase(serverUrl) : await providePostgres();
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
if (!values['answers-only']) ok = (await retrievalPart()) && ok;
if (!values['retrieval-only']) ok = (await answersPart()) && ok;
process.exitCode = ok ? 0 : 1;
