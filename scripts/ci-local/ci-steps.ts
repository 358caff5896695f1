// The PR-gate steps that run on a developer's machine as well as in ci.yml, in ci.yml's order.
// One list, read by `npm run ci:local` (to run them) and by test/workflows (to prove ci.yml has
// exactly these steps, in this order, under these names) — so the two cannot drift apart.

export interface CiStep {
  /** The step's `name:` in ci.yml. */
  readonly name: string;
  /** The ci.yml job that holds the step. */
  readonly job: string;
  /** What ci:local runs (argv, no shell). In ci.yml the step's `run:` is this argv joined by spaces… */
  readonly argv: readonly string[];
  /** …unless ci.yml runs a local action instead (`uses:`), whose local twin is `argv`. */
  readonly action?: string;
  /** When set, a local failure is reported but does not fail ci:local (CI still enforces it): the reason. */
  readonly advisoryLocally?: string;
}

/** Where gate jobs write their result files (the PR report reads them); git-ignored. */
export const RESULTS_DIR = '.tmp/results';
/** Where the RAG eval writes its raw report (not a PR-report result file). */
export const EVAL_DIR = '.tmp/eval';

export const CI_STEPS: readonly CiStep[] = [
  { job: 'checks', name: 'Lint', argv: ['npm', 'run', 'lint'] },
  { job: 'checks', name: 'Typecheck', argv: ['npm', 'run', 'typecheck'] },
  { job: 'checks', name: 'Check action bundles', argv: ['npm', 'run', 'check-dist'] },
  { job: 'checks', name: 'Workflow lint', argv: ['npm', 'run', 'lint:workflows'] },
  { job: 'checks', name: 'Secret scan', argv: ['npm', 'run', 'scan:secrets'] },
  {
    job: 'checks',
    name: 'Dependency audit',
    argv: ['npm', 'audit', '--omit=dev', '--audit-level=high'],
    advisoryLocally: "needs the registry's audit endpoint, which registry mirrors and proxies often refuse",
  },
  {
    job: 'migrations',
    name: 'Migration lint',
    argv: ['npm', 'run', 'lint:migrations'],
    action: './actions/migration-lint',
  },
  { job: 'test', name: 'Tests', argv: ['npm', 'test', '--', '--ci'] },
  {
    job: 'rag-eval',
    name: 'RAG quality gate',
    argv: ['npm', 'run', 'eval', '--', '--json', `${EVAL_DIR}/rag-eval.json`],
  },
];

/** The `run:` text ci.yml must carry for a step (undefined when ci.yml uses an action). */
export function ciRunText(step: CiStep): string | undefined {
  return step.action === undefined ? step.argv.join(' ') : undefined;
}
