// `npm run ci:local` and ci.yml read the same step list (scripts/ci-local/ci-steps.ts): this proves
// ci.yml's locally runnable steps are exactly those, in the same order, under the same names.
// (Running ci:local itself here would recurse into `npm test`; it is run standalone.)
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CI_STEPS, ciRunText } from '../../scripts/ci-local/ci-steps.js';
import { parseCiLocalArgs, selectSteps } from '../../scripts/ci-local/select-steps.js';
import { readWorkflow } from '../../scripts/ci-local/validate-workflow-files.js';
import { jobsOf, stepsOf } from '../../scripts/ci-local/workflow-policy.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ci = readWorkflow(root, '.github/workflows/ci.yml');
const localActions = new Set(CI_STEPS.flatMap((step) => (step.action ? [step.action] : [])));

/** ci.yml steps, in file order, that run a gate command (`npm run|test|audit`) or a gate action with a local twin. */
function ciGateSteps() {
  return jobsOf(ci.doc).flatMap(([job, body]) =>
    stepsOf(body)
      .filter(
        (step) =>
          (typeof step.run === 'string' && /^npm (run|test|audit)\b/.test(step.run)) ||
          (typeof step.uses === 'string' && localActions.has(step.uses)),
      )
      .map((step) => ({
        job,
        name: step.name,
        run: typeof step.run === 'string' ? step.run.trim() : undefined,
        uses: step.uses,
      })),
  );
}

describe('ci:local twin of ci.yml', () => {
  it("has exactly ci.yml's locally runnable gate steps, in ci.yml's order", () => {
    expect(ciGateSteps()).toEqual(
      CI_STEPS.map((step) => ({ job: step.job, name: step.name, run: ciRunText(step), uses: step.action })),
    );
  });

  it('covers the gates the issue names', () => {
    expect(CI_STEPS.map((step) => step.name)).toEqual([
      'Lint',
      'Typecheck',
      'Check action bundles',
      'Workflow lint',
      'Secret scan',
      'Dependency audit',
      'Migration lint',
      'Tests',
      'RAG quality gate',
    ]);
  });

  it('every npm script a step runs exists in the root package.json', () => {
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const missing = CI_STEPS.filter(
      (step) => step.argv[1] === 'run' && !manifest.scripts[step.argv[2] ?? ''],
    );
    expect(missing.map((step) => step.argv.join(' '))).toEqual([]);
  });

  it('selects steps with --only / --skip and rejects unknown names', () => {
    expect(
      selectSteps(CI_STEPS, parseCiLocalArgs(['--only', 'lint,typecheck'])).map((step) => step.name),
    ).toEqual(['Lint', 'Typecheck']);
    expect(
      selectSteps(CI_STEPS, parseCiLocalArgs(['--skip', 'Tests'])).map((step) => step.name),
    ).not.toContain('Tests');
    expect(() => selectSteps(CI_STEPS, parseCiLocalArgs(['--only', 'lnt']))).toThrow(/unknown step "lnt"/);
    expect(() => parseCiLocalArgs(['--bogus'])).toThrow(/unknown argument/);
  });
});
