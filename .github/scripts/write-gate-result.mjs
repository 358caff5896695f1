// Writes one gate's result as JSON for the PR report (actions/pr-report reads `results/*.json`).
// Inputs come from the environment only (workflow policy: no ${{ }} inside run: scripts):
//   GATE_NAME     the gate's display name
//   GATE_OUTCOMES JSON object {"Step name": "success" | "failure" | "skipped" | "cancelled", ...}
//   GATE_SUMMARY  optional markdown (e.g. the scan gate's summary output)
//   GATE_FILE     output path
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const name = process.env.GATE_NAME ?? 'unnamed gate';
const outcomes = JSON.parse(process.env.GATE_OUTCOMES ?? '{}');
const steps = Object.entries(outcomes).map(([step, outcome]) => ({
  name: step,
  outcome: outcome || 'skipped',
}));
const conclusion = steps.some((step) => step.outcome === 'failure' || step.outcome === 'cancelled')
  ? 'failure'
  : steps.every((step) => step.outcome === 'skipped')
    ? 'skipped'
    : 'success';
const file = process.env.GATE_FILE ?? `.tmp/results/${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.json`;
mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(
  file,
  `${JSON.stringify({ name, conclusion, steps, summary: process.env.GATE_SUMMARY ?? '' }, null, 2)}\n`,
);
console.log(`${name}: ${conclusion} -> ${file}`);
