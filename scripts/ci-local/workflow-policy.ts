// Policy over GitHub workflow files, as pure functions of the file text and its parsed YAML.
// Used by `npm run lint:workflows` (CI and ci:local) and by test/workflows.

export interface PolicyFinding {
  readonly file: string;
  readonly rule: string;
  readonly message: string;
}

type Mapping = Record<string, unknown>;

export interface WorkflowFile {
  readonly file: string;
  readonly text: string;
  /** The file parsed as plain YAML (`yaml`'s `parse`). */
  readonly doc: Mapping;
}

const FULL_SHA_PIN = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(\/[A-Za-z0-9_./-]+)?@[0-9a-f]{40}$/;
const VERSION_COMMENT = /^v?\d+\.\d+\.\d+$/;
/** Expression contexts an outside contributor can control (title, body, branch names, commit text…). */
const UNTRUSTED_CONTEXT = /\$\{\{[^}]*\b(github\.event\b|github\.head_ref\b)/;

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function jobsOf(doc: Mapping): [string, Mapping][] {
  const jobs = isMapping(doc.jobs) ? doc.jobs : {};
  return Object.entries(jobs).filter((entry): entry is [string, Mapping] => isMapping(entry[1]));
}

export function stepsOf(job: Mapping): Mapping[] {
  return Array.isArray(job.steps) ? job.steps.filter(isMapping) : [];
}

/** Event names under `on:` (string, list or mapping form). */
export function eventsOf(doc: Mapping): string[] {
  const on = doc.on ?? doc['true'];
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.map(String);
  return isMapping(on) ? Object.keys(on) : [];
}

/** Every `uses:` line (steps and reusable-workflow jobs) with its trailing comment, from the raw text. */
export function usesLines(text: string): { line: number; ref: string; comment: string | undefined }[] {
  const found: { line: number; ref: string; comment: string | undefined }[] = [];
  text.split('\n').forEach((raw, index) => {
    const match = /^\s*(?:-\s+)?uses:\s*['"]?([^'"\s#]+)['"]?\s*(?:#\s*(\S+).*)?$/.exec(raw);
    if (match?.[1]) found.push({ line: index + 1, ref: match[1], comment: match[2] });
  });
  return found;
}

/** Every non-local `uses:` is pinned to a full 40-hex commit SHA with a `# vX.Y.Z` comment. */
export function checkPinnedActions({ file, text }: WorkflowFile): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  for (const { line, ref, comment } of usesLines(text)) {
    if (ref.startsWith('./')) continue;
    if (ref.startsWith('docker://')) {
      if (!/@sha256:[0-9a-f]{64}$/.test(ref))
        findings.push({ file, rule: 'pinned-uses', message: `line ${line}: ${ref} is not pinned by digest` });
      continue;
    }
    if (!FULL_SHA_PIN.test(ref)) {
      findings.push({
        file,
        rule: 'pinned-uses',
        message: `line ${line}: ${ref} is not pinned to a full commit SHA`,
      });
    } else if (comment === undefined || !VERSION_COMMENT.test(comment)) {
      findings.push({
        file,
        rule: 'pinned-uses',
        message: `line ${line}: ${ref} needs a "# vX.Y.Z" comment naming the release the SHA belongs to`,
      });
    }
  }
  return findings;
}

/**
 * The first major of well-known actions that runs on node24 (`runs.using` of action.yml at that tag, or of
 * the action a composite wraps), read from each action's repository. A pin below it runs on node20, which
 * GitHub is retiring. Add a row when a workflow starts using another action with a node24 major.
 */
export const KNOWN_NODE24_MAJORS: Readonly<Record<string, number>> = {
  'actions/checkout': 5,
  'actions/setup-node': 5,
  'actions/cache': 5,
  'actions/upload-artifact': 6,
  'actions/download-artifact': 7,
  'actions/github-script': 8,
  'actions/attest': 3,
  'actions/attest-build-provenance': 3,
  'actions/attest-sbom': 3,
  'docker/setup-buildx-action': 4,
  'docker/login-action': 4,
  'docker/metadata-action': 6,
  'docker/build-push-action': 7,
  'github/codeql-action': 4,
};

/** A pinned action whose release comment names a major below its first node24 major. */
export function checkNode24Majors({ file, text }: WorkflowFile): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  for (const { line, ref, comment } of usesLines(text)) {
    const [owner = '', repo = ''] = ref.split('@')[0]?.split('/') ?? [];
    const minimum = KNOWN_NODE24_MAJORS[`${owner}/${repo}`];
    const major = /^v?(\d+)\./.exec(comment ?? '')?.[1];
    if (minimum === undefined || major === undefined || Number(major) >= minimum) continue;
    findings.push({
      file,
      rule: 'node24-major',
      message: `line ${line}: ${owner}/${repo} ${comment} runs on node20; v${minimum} and later run on node24`,
    });
  }
  return findings;
}

function grantsWrite(permissions: unknown): boolean {
  if (permissions === 'write-all') return true;
  return isMapping(permissions) && Object.values(permissions).some((level) => level === 'write');
}

/** Top-level `permissions` is present and read-only; write scopes are granted per job, never `write-all`/`read-all`. */
export function checkPermissions({ file, doc }: WorkflowFile): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  if (doc.permissions === undefined) {
    findings.push({ file, rule: 'permissions', message: 'top-level permissions are not set' });
  } else if (grantsWrite(doc.permissions) || doc.permissions === 'read-all') {
    findings.push({
      file,
      rule: 'permissions',
      message: 'top-level permissions must be read-only and explicit',
    });
  }
  for (const [id, job] of jobsOf(doc)) {
    if (job.permissions === 'write-all' || job.permissions === 'read-all') {
      findings.push({
        file,
        rule: 'permissions',
        message: `job ${id}: use explicit scopes, not ${job.permissions}`,
      });
    }
  }
  return findings;
}

/** Job permissions as "scope:level" strings (the top-level set when the job declares none). */
export function effectivePermissions(doc: Mapping, job: Mapping): string[] {
  const permissions = job.permissions ?? doc.permissions;
  if (!isMapping(permissions)) return [];
  return Object.entries(permissions)
    .map(([scope, level]) => `${scope}:${String(level)}`)
    .sort();
}

/** Jobs that deploy have an environment and a concurrency group that never cancels a running deploy. */
export function checkDeployJobs({ file, doc }: WorkflowFile): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  for (const [id, job] of jobsOf(doc)) {
    const deploys = stepsOf(job).some((step) => String(step.uses ?? '').startsWith('./actions/deploy'));
    if (deploys && job.environment === undefined) {
      findings.push({
        file,
        rule: 'deploy-environment',
        message: `job ${id} deploys without an environment`,
      });
    }
    if (deploys || job.environment !== undefined) {
      const concurrency = job.concurrency;
      if (!isMapping(concurrency) || concurrency['cancel-in-progress'] !== false) {
        findings.push({
          file,
          rule: 'deploy-concurrency',
          message: `job ${id} needs concurrency: {group: …, cancel-in-progress: false}`,
        });
      }
    }
  }
  return findings;
}

/**
 * One GitHub Deployment per deploy: a job with an environment (and `deployment` not false) is already
 * recorded by GitHub, so the deploy action in it gets no github-token (which would record a second one).
 */
export function checkOneDeploymentRecord({ file, doc }: WorkflowFile): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  for (const [id, job] of jobsOf(doc)) {
    const environment = job.environment;
    const recorded =
      environment !== undefined && !(isMapping(environment) && environment.deployment === false);
    if (!recorded) continue;
    for (const step of stepsOf(job)) {
      const deploys = String(step.uses ?? '').startsWith('./actions/deploy');
      if (deploys && isMapping(step.with) && step.with['github-token'] !== undefined) {
        findings.push({
          file,
          rule: 'one-deployment-record',
          message: `job ${id}: its environment already records a GitHub Deployment; do not give ./actions/deploy a github-token`,
        });
      }
    }
  }
  return findings;
}

/** pull_request_target runs with secrets; it must never check out the pull request's code. */
export function checkPullRequestTarget({ file, doc }: WorkflowFile): PolicyFinding[] {
  if (!eventsOf(doc).includes('pull_request_target')) return [];
  const findings: PolicyFinding[] = [];
  for (const [id, job] of jobsOf(doc)) {
    for (const step of stepsOf(job)) {
      const uses = String(step.uses ?? '');
      const ref = isMapping(step.with)
        ? String(step.with.ref ?? '') + String(step.with.repository ?? '')
        : '';
      if (
        uses.startsWith('actions/checkout@') &&
        /github\.event\.pull_request\.head|github\.head_ref/.test(ref)
      ) {
        findings.push({
          file,
          rule: 'pull-request-target',
          message: `job ${id} checks out PR code under pull_request_target`,
        });
      }
    }
  }
  return findings;
}

/**
 * `run:` scripts contain no `${{ }}` at all (values reach scripts through `env:`), which in particular
 * keeps untrusted event fields (titles, bodies, branch names) out of shells.
 */
export function checkRunScripts({ file, doc }: WorkflowFile): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  for (const [id, job] of jobsOf(doc)) {
    for (const step of stepsOf(job)) {
      if (typeof step.run !== 'string') continue;
      const name = String(step.name ?? step.id ?? 'unnamed step');
      if (UNTRUSTED_CONTEXT.test(step.run)) {
        findings.push({
          file,
          rule: 'untrusted-input',
          message: `job ${id}, "${name}": event data interpolated into run:`,
        });
      } else if (step.run.includes('${{')) {
        findings.push({
          file,
          rule: 'run-expression',
          message: `job ${id}, "${name}": pass expressions via env:, not inline`,
        });
      }
    }
  }
  return findings;
}

/** Every job that runs steps has timeout-minutes (reusable-workflow callers are bounded by the callee's jobs). */
export function checkTimeouts({ file, doc }: WorkflowFile): PolicyFinding[] {
  return jobsOf(doc)
    .filter(([, job]) => job.uses === undefined && typeof job['timeout-minutes'] !== 'number')
    .map(([id]) => ({ file, rule: 'timeout', message: `job ${id} has no timeout-minutes` }));
}

/** Every actions/checkout step sets persist-credentials: false (no token left in .git/config). */
export function checkCheckoutCredentials({ file, doc }: WorkflowFile): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  for (const [id, job] of jobsOf(doc)) {
    for (const step of stepsOf(job)) {
      if (!String(step.uses ?? '').startsWith('actions/checkout@')) continue;
      if (!isMapping(step.with) || step.with['persist-credentials'] !== false) {
        findings.push({
          file,
          rule: 'persist-credentials',
          message: `job ${id}: checkout without persist-credentials: false`,
        });
      }
    }
  }
  return findings;
}

/**
 * Steps that need a platform feature a repository may not have: code scanning (GitHub Advanced Security
 * on private repositories) and artifact attestations (GitHub Enterprise Cloud on private repositories).
 */
const OPTIONAL_FEATURE_ACTIONS = [
  'github/codeql-action/upload-sarif',
  'actions/attest-build-provenance',
  'actions/attest-sbom',
  'actions/attest',
];

function optionalFeatureAction(uses: string): string | undefined {
  const name = uses.split('@')[0] ?? '';
  return OPTIONAL_FEATURE_ACTIONS.find((action) => name === action);
}

/**
 * An optional-feature step has an id and `continue-on-error` (true, or on private repositories), and a
 * later step of its job runs when it failed and writes the reason to the job summary — so a repository
 * without the feature stays green and says why.
 */
export function checkOptionalFeatureGuards({ file, doc }: WorkflowFile): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  for (const [id, job] of jobsOf(doc)) {
    const steps = stepsOf(job);
    steps.forEach((step, index) => {
      const action = optionalFeatureAction(String(step.uses ?? ''));
      if (!action) return;
      const guard = step['continue-on-error'];
      const guarded =
        guard === true || (typeof guard === 'string' && /github\.event\.repository\.private/.test(guard));
      if (!guarded || typeof step.id !== 'string') {
        findings.push({
          file,
          rule: 'optional-feature-guard',
          message: `job ${id}: ${action} needs an id and continue-on-error (true or \${{ github.event.repository.private }})`,
        });
        return;
      }
      const failed = new RegExp(`steps\\.${step.id}\\.outcome\\s*==\\s*'failure'`);
      const explained = steps
        .slice(index + 1)
        .some(
          (later) =>
            failed.test(String(later.if ?? '')) &&
            typeof later.run === 'string' &&
            later.run.includes('GITHUB_STEP_SUMMARY'),
        );
      if (!explained) {
        findings.push({
          file,
          rule: 'optional-feature-guard',
          message: `job ${id}: no later step writes to the job summary why ${action} (${step.id}) failed`,
        });
      }
    });
  }
  return findings;
}

/**
 * Images are built once, scanned, and that image is pushed: no step builds and pushes in one go
 * (docker/build-push-action with push: true), which would publish an image nobody scanned.
 */
export function checkNoUnscannedPush({ file, doc }: WorkflowFile): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  for (const [id, job] of jobsOf(doc)) {
    for (const step of stepsOf(job)) {
      const push = isMapping(step.with) ? step.with.push : undefined;
      if (
        String(step.uses ?? '').startsWith('docker/build-push-action@') &&
        push !== false &&
        push !== 'false' &&
        push !== undefined
      ) {
        findings.push({
          file,
          rule: 'push-scanned-image',
          message: `job ${id}: docker/build-push-action pushes what it just built; push the image the scan job scanned instead`,
        });
      }
    }
  }
  return findings;
}

export const WORKFLOW_POLICIES = [
  checkPinnedActions,
  checkNode24Majors,
  checkPermissions,
  checkDeployJobs,
  checkOneDeploymentRecord,
  checkPullRequestTarget,
  checkRunScripts,
  checkTimeouts,
  checkCheckoutCredentials,
  checkOptionalFeatureGuards,
  checkNoUnscannedPush,
] as const;

export function checkWorkflowPolicy(workflow: WorkflowFile): PolicyFinding[] {
  return WORKFLOW_POLICIES.flatMap((policy) => policy(workflow));
}
