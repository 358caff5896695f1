// `npm run ci:local`: runs the PR-gate steps of ci.yml that work on a developer machine, in ci.yml's
// order, and prints a timing table. Image build, Trivy, SARIF upload, GHCR push and the PR comment
// need GitHub and a Docker engine: they run in CI only.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { CI_STEPS, EVAL_DIR, RESULTS_DIR } from './ci-steps.js';
import type { CiStep } from './ci-steps.js';
import { parseCiLocalArgs, selectSteps } from './select-steps.js';

interface StepOutcome {
  readonly step: CiStep;
  readonly exitCode: number;
  readonly seconds: number;
}

function runStep(step: CiStep): Promise<StepOutcome> {
  const started = performance.now();
  const [command, ...args] = step.argv;
  return new Promise((resolve) => {
    const child = spawn(command ?? 'false', args, {
      stdio: 'inherit',
      env: { ...process.env, CI_LOCAL: '1' },
    });
    const finish = (exitCode: number) =>
      resolve({ step, exitCode, seconds: Math.round((performance.now() - started) / 100) / 10 });
    child.on('error', () => finish(127));
    child.on('close', (code) => finish(code ?? 1));
  });
}

async function main(): Promise<number> {
  const options = parseCiLocalArgs(process.argv.slice(2));
  const steps = selectSteps(CI_STEPS, options);
  if (options.list) {
    for (const step of steps)
      console.log(`${step.job.padEnd(12)} ${step.name.padEnd(22)} ${step.argv.join(' ')}`);
    return 0;
  }
  for (const dir of [RESULTS_DIR, EVAL_DIR]) mkdirSync(dir, { recursive: true });
  const outcomes: StepOutcome[] = [];
  for (const step of steps) {
    console.log(`\n::group::ci:local ${step.name} — ${step.argv.join(' ')}`);
    const outcome = await runStep(step);
    console.log('::endgroup::');
    outcomes.push(outcome);
    if (outcome.exitCode !== 0 && !step.advisoryLocally && !options.keepGoing) break;
  }
  console.log('\nci:local summary');
  for (const { step, exitCode, seconds } of outcomes) {
    const verdict = exitCode === 0 ? 'pass' : step.advisoryLocally ? 'warn' : 'FAIL';
    const note =
      exitCode !== 0 && step.advisoryLocally ? `  (not blocking locally: ${step.advisoryLocally})` : '';
    console.log(`  ${verdict}  ${step.name.padEnd(22)} ${String(seconds).padStart(7)} s${note}`);
  }
  const notRun = steps.slice(outcomes.length);
  for (const step of notRun)
    console.log(`  skip  ${step.name} (an earlier step failed; --keep-going runs all)`);
  const blocking = outcomes.filter((outcome) => outcome.exitCode !== 0 && !outcome.step.advisoryLocally);
  return blocking.length === 0 && notRun.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
