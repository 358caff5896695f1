// Writes one gate's result file for the PR report (actions/pr-report; schema in its README):
//   { kind, title, status: pass | fail | info, summary, details?, url? }
// Inputs come from the environment only (workflow policy: no ${{ }} inside run: scripts):
//   GATE_TITLE     the gate's title in the report
//   GATE_KIND      jest | coverage | scan | eval | image | generic (default generic)
//   GATE_OUTCOMES  JSON object {"Step name": "success" | "failure" | "skipped" | "cancelled" | ""}
//   GATE_SUMMARY   optional one-line summary (default: the step outcomes)
//   GATE_DETAILS   optional markdown shown folded (e.g. the scan gate's summary)
//   GATE_FILE      where to write the file
// The link points at the workflow run (GitHub's default GITHUB_SERVER_URL/REPOSITORY/RUN_ID variables).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const env = process.env;
const title = env.GATE_TITLE || 'Unnamed gate';
const outcomes = Object.entries(JSON.parse(env.GATE_OUTCOMES || '{}')).map(([step, outcome]) => [
  step,
  outcome || 'skipped',
]);
const failed = outcomes.some(([, outcome]) => outcome === 'failure' || outcome === 'cancelled');
const ran = outcomes.some(([, outcome]) => outcome === 'success');
const status = failed ? 'fail' : ran ? 'pass' : 'info';
const summary =
  env.GATE_SUMMARY?.split('\n')[0]?.trim() ||
  outcomes.map(([step, outcome]) => `${step}: ${outcome}`).join(' · ');
const result = { kind: env.GATE_KIND || 'generic', title, status, summary: summary || status };
if (env.GATE_DETAILS?.trim()) result.details = env.GATE_DETAILS;
if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) {
  result.url = `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
}
const file = env.GATE_FILE || `.tmp/results/${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.json`;
mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
console.log(`${title}: ${status} -> ${file}`);
