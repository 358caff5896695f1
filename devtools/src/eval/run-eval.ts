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

const usage = `npm run eval [-- options]
  Retrieval quality on Cranfield: keyword (Postgres), vector (hashing), hybrid (RRF), hybrid+MMR and a BM25
  baseline, in one run; fails when hybrid nDCG@10 drops below the committed baseline or below BM25.
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
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}

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
} else if (!values['no-gate']) {
  const gate = checkAgainstBaseline(report, await readBaseline(baselinePath));
  for (const failure of gate.failures) console.error(`FAIL: ${failure}`);
  if (gate.ok) console.log(`gate: ok (baseline ${baselinePath})`);
  process.exitCode = gate.ok ? 0 : 1;
}
