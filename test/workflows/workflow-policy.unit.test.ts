// Policy over the parsed workflows: pins, permissions, deploy safety, untrusted input, timeouts,
// checkout credentials. Each rule is also shown to fire on a violating workflow, so a rule that
// silently matches nothing cannot pass.
import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { listWorkflowFiles, readWorkflow } from '../../scripts/ci-local/validate-workflow-files.js';
import {
  checkCheckoutCredentials,
  checkDeployJobs,
  checkNode24Majors,
  checkNoUnscannedPush,
  checkOneDeploymentRecord,
  checkOptionalFeatureGuards,
  checkPermissions,
  checkPinnedActions,
  checkPullRequestTarget,
  checkRunScripts,
  checkTimeouts,
  checkWorkflowPolicy,
  effectivePermissions,
  eventsOf,
  jobsOf,
  stepsOf,
  usesLines,
} from '../../scripts/ci-local/workflow-policy.js';
import type { WorkflowFile } from '../../scripts/ci-local/workflow-policy.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const workflows = listWorkflowFiles(root).map((file) => readWorkflow(root, file));
const byName = (name: string): WorkflowFile => {
  const workflow = workflows.find((candidate) => candidate.file === `.github/workflows/${name}`);
  if (!workflow) throw new Error(`missing workflow ${name}`);
  return workflow;
};
const fixture = (text: string): WorkflowFile => ({ file: 'fixture.yml', text, doc: parse(text) });
const job = (workflow: WorkflowFile, id: string) => {
  const found = jobsOf(workflow.doc).find(([jobId]) => jobId === id);
  if (!found) throw new Error(`${workflow.file} has no job ${id}`);
  return found[1];
};

describe.each(workflows.map((workflow) => [workflow.file, workflow] as const))('%s', (_file, workflow) => {
  it('passes every workflow policy', () => {
    expect(checkWorkflowPolicy(workflow)).toEqual([]);
  });
});

describe('pinned actions', () => {
  it('every third-party uses: in every workflow is a full SHA with a version comment', () => {
    const thirdParty = workflows.flatMap((workflow) =>
      usesLines(workflow.text).filter((line) => !line.ref.startsWith('./')),
    );
    expect(thirdParty.length).toBeGreaterThan(10);
    for (const { ref, comment } of thirdParty) {
      expect(ref).toMatch(/@[0-9a-f]{40}$/);
      expect(comment).toMatch(/^v\d+\.\d+\.\d+$/);
    }
  });

  it('one SHA per action across all workflows (no two versions of the same action)', () => {
    const shas = new Map<string, Set<string>>();
    for (const workflow of workflows) {
      for (const { ref } of usesLines(workflow.text).filter((line) => !line.ref.startsWith('./'))) {
        const [action = '', sha = ''] = ref.split('@');
        shas.set(action, (shas.get(action) ?? new Set()).add(sha));
      }
    }
    for (const [action, versions] of shas) expect([action, versions.size]).toEqual([action, 1]);
  });

  it('trivy-action is pinned to the v0.35.0 commit that survived the March 2026 tag rewrite', () => {
    const trivy = usesLines(byName('ci.yml').text).filter((line) => line.ref.startsWith('aquasecurity/'));
    expect(trivy.length).toBeGreaterThan(0);
    for (const line of trivy) {
      expect(line.ref).toBe('aquasecurity/trivy-action@57a97c7e7821a5776cebc9bb87c984fa69cba8f1');
    }
    // …and the Trivy binary is pinned to v0.69.3 (v0.69.4 was the malicious release).
    const trivySteps = stepsOf(job(byName('ci.yml'), 'image')).filter((step) =>
      String(step.uses).startsWith('aquasecurity/trivy-action@'),
    );
    expect(trivySteps.map((step) => (step.with as Record<string, unknown>).version)).toEqual([
      'v0.69.3',
      'v0.69.3',
      'v0.69.3',
    ]);
  });

  it('flags tags, short SHAs and missing version comments', () => {
    const findings = checkPinnedActions(
      fixture(
        [
          'jobs:',
          '  a:',
          '    steps:',
          '      - uses: actions/checkout@v4',
          '      - uses: actions/checkout@11bd719',
          '      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683',
          '      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2',
          '      - uses: ./actions/deploy',
        ].join('\n'),
      ),
    );
    expect(findings.map((finding) => finding.message)).toEqual([
      expect.stringContaining('line 4'),
      expect.stringContaining('line 5'),
      expect.stringContaining('line 6: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 needs'),
    ]);
  });
});

describe('node24 majors', () => {
  it('every pinned action with a known node24 major is on it', () => {
    for (const workflow of workflows) expect(checkNode24Majors(workflow)).toEqual([]);
  });

  it('flags a node20 major of a known action, and nothing else', () => {
    const findings = checkNode24Majors(
      fixture(
        [
          'jobs:',
          '  a:',
          '    steps:',
          '      - uses: actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02 # v4.6.2',
          '      - uses: docker/build-push-action@263435318d21b8e681c14492fe198d362a7d2c83 # v6.18.0',
          '      - uses: github/codeql-action/upload-sarif@5d4e8d1aca955e8d8589aabd499c5cae939e33c7 # v3.29.0',
          '      - uses: actions/checkout@1af3b93b6815bc44a9784bd300feb67ff0d1eeb3 # v6.0.0',
          '      - uses: someone/unknown-action@1af3b93b6815bc44a9784bd300feb67ff0d1eeb3 # v1.0.0',
          '      - uses: ./actions/deploy',
        ].join('\n'),
      ),
    );
    expect(findings.map((finding) => finding.message)).toEqual([
      'line 4: actions/upload-artifact v4.6.2 runs on node20; v6 and later run on node24',
      'line 5: docker/build-push-action v6.18.0 runs on node20; v7 and later run on node24',
      'line 6: github/codeql-action v3.29.0 runs on node20; v4 and later run on node24',
    ]);
  });
});

describe('permissions', () => {
  // Exactly what each job may do. A change here is a security review, on purpose.
  const expected: Record<string, Record<string, string[]>> = {
    'ci.yml': {
      checks: ['contents:read'],
      migrations: ['contents:read'],
      test: ['contents:read'],
      'rag-eval': ['contents:read'],
      image: ['actions:read', 'contents:read', 'security-events:write'],
      publish: ['attestations:write', 'contents:read', 'id-token:write', 'packages:write'],
      'pr-report': ['contents:read', 'pull-requests:write'],
      'all-green': [],
    },
    'deploy.yml': {
      resolve: ['actions:read', 'contents:read'],
      staging: ['contents:read'],
      production: ['contents:read'],
      'ingest-staging': ['contents:read'],
      'ingest-production': ['contents:read'],
      rollback: ['contents:read'],
    },
    // Ingestion talks to the service with its own key: the token only reads the repository.
    'ingest.yml': { ingest: ['contents:read'] },
    // GitHub records the environment's Deployment itself: no job needs deployments:write.
    'deploy-environment.yml': { deploy: ['contents:read'], operate: ['contents:read'] },
    'release.yml': {
      'promote-image': ['contents:read', 'packages:write'],
      'release-notes': ['contents:write'],
      staging: ['contents:read'],
      production: ['contents:read'],
    },
  };

  it.each(Object.keys(expected))(
    '%s: top level is contents:read and each job has exactly its scopes',
    (name) => {
      const workflow = byName(name);
      expect(workflow.doc.permissions).toEqual({ contents: 'read' });
      const actual = Object.fromEntries(
        jobsOf(workflow.doc).map(([id, body]) => [id, effectivePermissions(workflow.doc, body)]),
      );
      expect(actual).toEqual(expected[name]);
      for (const [, body] of jobsOf(workflow.doc)) expect(body.permissions).toBeDefined();
    },
  );

  it('every workflow is covered by the table above', () => {
    expect(workflows.map((workflow) => path.basename(workflow.file)).sort()).toEqual(
      Object.keys(expected).sort(),
    );
  });

  it('flags missing top-level permissions and write-all', () => {
    const findings = checkPermissions(
      fixture(
        'on: push\njobs:\n  a:\n    permissions: write-all\n    runs-on: ubuntu-24.04\n    steps: []\n',
      ),
    );
    expect(findings.map((finding) => finding.message)).toEqual([
      'top-level permissions are not set',
      'job a: use explicit scopes, not write-all',
    ]);
  });
});

describe('deploy jobs', () => {
  it('the deploy job has an environment and a non-cancelling per-environment concurrency group', () => {
    const deploy = job(byName('deploy-environment.yml'), 'deploy');
    expect(deploy.environment).toEqual(expect.objectContaining({ name: '${{ inputs.environment }}' }));
    expect(deploy.concurrency).toEqual({
      group: 'deploy-${{ inputs.environment }}',
      'cancel-in-progress': false,
    });
    expect(stepsOf(deploy).some((step) => step.uses === './actions/deploy')).toBe(true);
  });

  it('one GitHub Deployment per deploy: the environment records it, the action gets no token', () => {
    const workflow = byName('deploy-environment.yml');
    const deploy = job(workflow, 'deploy');
    expect(deploy.environment).toEqual({
      name: '${{ inputs.environment }}',
      url: '${{ vars.PUBLIC_URL }}',
    });
    const actionSteps = stepsOf(deploy).filter((step) => step.uses === './actions/deploy');
    expect(actionSteps).toHaveLength(2); // the deploy and the rollback after a failed smoke check
    for (const step of actionSteps) expect(step.with).not.toHaveProperty('github-token');
    for (const candidate of workflows) expect(checkOneDeploymentRecord(candidate)).toEqual([]);
  });

  it('status and unlock never wait for a production approval or behind a pending deploy', () => {
    const workflow = byName('deploy-environment.yml');
    const deploy = job(workflow, 'deploy');
    const operate = job(workflow, 'operate');
    expect(deploy.if).toBe("${{ inputs.command == 'deploy' || inputs.command == 'rollback' }}");
    expect(operate.if).toBe("${{ inputs.command == 'status' || inputs.command == 'unlock' }}");
    // The un-gated ops environment (host secrets, no reviewers), recording no Deployment.
    expect(operate.environment).toEqual({ name: '${{ inputs.environment }}-ops', deployment: false });
    expect(operate.concurrency).toEqual({
      group: 'deploy-ops-${{ inputs.environment }}',
      'cancel-in-progress': false,
    });
    expect((deploy.concurrency as Record<string, unknown>).group).not.toBe(
      (operate.concurrency as Record<string, unknown>).group,
    );
    const commands = stepsOf(operate)
      .filter((step) => step.uses === './actions/deploy')
      .map((step) => (step.with as Record<string, unknown>).command);
    expect(commands).toEqual(['${{ inputs.command }}']);
  });

  it('flags a deploy action given a token inside a job its environment already records', () => {
    const findings = checkOneDeploymentRecord(
      fixture(
        [
          'jobs:',
          '  a:',
          '    environment: production',
          '    steps:',
          '      - uses: ./actions/deploy',
          '        with: { github-token: "${{ github.token }}" }',
          '  b:',
          '    environment: { name: production-ops, deployment: false }',
          '    steps:',
          '      - uses: ./actions/deploy',
          '        with: { github-token: "${{ github.token }}" }',
        ].join('\n'),
      ),
    );
    expect(findings.map((finding) => finding.message)).toEqual([expect.stringContaining('job a:')]);
  });

  it.each(['deploy.yml', 'release.yml'])('%s deploys staging first, production only after it', (name) => {
    const workflow = byName(name);
    const staging = job(workflow, 'staging');
    const production = job(workflow, 'production');
    expect(staging.uses).toBe('./.github/workflows/deploy-environment.yml');
    expect(production.uses).toBe('./.github/workflows/deploy-environment.yml');
    expect((staging.with as Record<string, unknown>).environment).toBe('staging');
    expect((production.with as Record<string, unknown>).environment).toBe('production');
    expect(production.needs).toEqual(expect.arrayContaining(['staging']));
  });

  it('deploy.yml deploys only successful pushes to this repository main, by digest', () => {
    const workflow = byName('deploy.yml');
    expect(eventsOf(workflow.doc)).toEqual(['workflow_run', 'workflow_dispatch']);
    const condition = String(job(workflow, 'resolve').if);
    for (const guard of [
      "github.event.workflow_run.conclusion == 'success'",
      "github.event.workflow_run.event == 'push'",
      'github.event.workflow_run.head_repository.full_name == github.repository',
    ]) {
      expect(condition).toContain(guard);
    }
    expect(workflow.text).toContain('@sha256:[0-9a-f]{64}$');
  });

  it('a manual rollback / status / unlock dispatch exists', () => {
    const workflow = byName('deploy.yml');
    const on = workflow.doc.on as { workflow_dispatch: { inputs: { command: { options: string[] } } } };
    expect(on.workflow_dispatch.inputs.command.options).toEqual(['deploy', 'rollback', 'status', 'unlock']);
    expect((job(workflow, 'rollback').with as Record<string, unknown>).command).toBe(
      '${{ needs.resolve.outputs.command }}',
    );
  });

  it('flags a deploy without environment and a cancelling concurrency group', () => {
    const findings = checkDeployJobs(
      fixture(
        [
          'jobs:',
          '  a:',
          '    steps:',
          '      - uses: ./actions/deploy',
          '  b:',
          '    environment: production',
          '    concurrency: { group: prod, cancel-in-progress: true }',
          '    steps: []',
        ].join('\n'),
      ),
    );
    expect(findings.map((finding) => finding.rule)).toEqual([
      'deploy-environment',
      'deploy-concurrency',
      'deploy-concurrency',
    ]);
  });
});

describe('ingestion', () => {
  const workflow = byName('ingest.yml');
  const ingest = job(workflow, 'ingest');

  it('runs after a deploy (workflow_call), by hand and on a schedule', () => {
    expect(eventsOf(workflow.doc)).toEqual(['workflow_call', 'workflow_dispatch', 'schedule']);
    const on = workflow.doc.on as Record<string, { inputs?: Record<string, unknown> } | unknown[]>;
    const inputs = ['environment', 'folder', 'url-file', 'collection'];
    expect(Object.keys((on.workflow_call as { inputs: object }).inputs)).toEqual(inputs);
    expect(Object.keys((on.workflow_dispatch as { inputs: object }).inputs)).toEqual(inputs);
    expect(on.schedule).toEqual([{ cron: expect.stringMatching(/^\S+ \S+ \* \* \*$/) }]);
  });

  it('uses the un-gated -ops environment, no Deployment record, one non-cancelling group per environment', () => {
    expect(ingest.environment).toEqual({ name: '${{ matrix.environment }}-ops', deployment: false });
    expect(ingest.concurrency).toEqual({
      group: 'ingest-${{ matrix.environment }}',
      'cancel-in-progress': false,
    });
    expect(String((ingest.strategy as { matrix: { environment: string } }).matrix.environment)).toContain(
      '["staging", "production"]',
    );
  });

  it('passes the ingest key only to the ingest action, from the environment secret', () => {
    const steps = stepsOf(ingest);
    const action = steps.find((step) => step.uses === './actions/ingest');
    expect(action?.with).toMatchObject({
      url: '${{ vars.SLIPWAY_URL }}',
      'api-key': '${{ secrets.SLIPWAY_INGEST_KEY }}',
      'replace-changed': true,
    });
    expect(String(action?.if)).toContain("steps.setup.outputs.ready == 'true'");
    const keyUses = workflow.text.match(/secrets\.SLIPWAY_INGEST_KEY/g) ?? [];
    // the action's input, and the set-up check that only learns whether the secret is set
    expect(keyUses).toHaveLength(2);
    expect(workflow.text).toContain("HAS_KEY: ${{ secrets.SLIPWAY_INGEST_KEY != '' }}");
  });

  it('deploy.yml ingests each environment after its deploy, without holding production back', () => {
    const deploy = byName('deploy.yml');
    for (const environment of ['staging', 'production']) {
      const caller = job(deploy, `ingest-${environment}`);
      expect(caller.uses).toBe('./.github/workflows/ingest.yml');
      expect(caller.needs).toBe(environment);
      expect(caller.with).toEqual({ environment });
    }
    expect(job(deploy, 'production').needs).toEqual(['resolve', 'staging']);
  });
});

describe('untrusted input and triggers', () => {
  it('no workflow uses pull_request_target', () => {
    for (const workflow of workflows) expect(eventsOf(workflow.doc)).not.toContain('pull_request_target');
  });

  it('flags pull_request_target checking out the PR head', () => {
    const findings = checkPullRequestTarget(
      fixture(
        [
          'on: pull_request_target',
          'jobs:',
          '  a:',
          '    steps:',
          '      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2',
          '        with:',
          '          ref: ${{ github.event.pull_request.head.sha }}',
        ].join('\n'),
      ),
    );
    expect(findings).toHaveLength(1);
  });

  it('no run: script in any workflow interpolates an expression (event data reaches scripts via env only)', () => {
    for (const workflow of workflows) {
      for (const [, body] of jobsOf(workflow.doc)) {
        for (const step of stepsOf(body)) {
          if (typeof step.run === 'string') expect(step.run).not.toContain('${{');
        }
      }
    }
  });

  it('flags event fields and other expressions inside run:', () => {
    const findings = checkRunScripts(
      fixture(
        [
          'jobs:',
          '  a:',
          '    steps:',
          '      - name: title',
          '        run: echo "${{ github.event.pull_request.title }}"',
          '      - name: branch',
          '        run: echo ${{ github.head_ref }}',
          '      - name: other',
          '        run: echo ${{ steps.x.outputs.y }}',
          '      - name: fine',
          '        env: { TITLE: "${{ github.event.pull_request.title }}" }',
          '        run: echo "$TITLE"',
        ].join('\n'),
      ),
    );
    expect(findings.map((finding) => finding.rule)).toEqual([
      'untrusted-input',
      'untrusted-input',
      'run-expression',
    ]);
  });
});

describe('timeouts and checkout credentials', () => {
  it('flags a job without timeout-minutes but not a reusable-workflow caller', () => {
    const findings = checkTimeouts(
      fixture(
        'jobs:\n  a:\n    steps: []\n  b:\n    uses: ./.github/workflows/x.yml\n  c:\n    timeout-minutes: 3\n',
      ),
    );
    expect(findings.map((finding) => finding.message)).toEqual(['job a has no timeout-minutes']);
  });

  it('flags a checkout that keeps credentials', () => {
    const findings = checkCheckoutCredentials(
      fixture(
        'jobs:\n  a:\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n',
      ),
    );
    expect(findings).toHaveLength(1);
  });
});

describe('ci.yml stages', () => {
  const ci = byName('ci.yml');

  it('runs on pull requests and pushes to main, cancelling superseded PR runs only', () => {
    expect(eventsOf(ci.doc)).toEqual(['pull_request', 'push']);
    expect(ci.doc.concurrency).toEqual({
      group: 'ci-${{ github.event.pull_request.number || github.ref }}',
      'cancel-in-progress': "${{ github.event_name == 'pull_request' }}",
    });
  });

  it('all-green needs every gate and always runs', () => {
    const allGreen = job(ci, 'all-green');
    expect(allGreen.if).toBe('${{ always() }}');
    expect(allGreen.needs).toEqual(['checks', 'migrations', 'test', 'rag-eval', 'image', 'publish']);
  });

  it('the image job builds, scans with Trivy, gates, and uploads SARIF even when the gate fails', () => {
    const steps = stepsOf(job(ci, 'image'));
    const uses = steps.map((step) => String(step.uses ?? '').split('@')[0]);
    expect(uses).toEqual(
      expect.arrayContaining([
        'docker/setup-buildx-action',
        'docker/build-push-action',
        'aquasecurity/trivy-action',
        './actions/scan-gate',
        'github/codeql-action/upload-sarif',
      ]),
    );
    const upload = steps.find((step) => String(step.uses).startsWith('github/codeql-action/upload-sarif'));
    expect(String(upload?.if)).toContain('always()');
  });

  it('publish pushes the image the image job scanned: loaded by image id, never rebuilt', () => {
    const image = job(ci, 'image');
    const publish = job(ci, 'publish');
    expect(String(publish.if)).toContain("github.ref == 'refs/heads/main'");
    expect(publish.needs).toEqual(expect.arrayContaining(['image']));
    // One build, in the image job; the scanned image is saved and its id is the job's output.
    const imageSteps = stepsOf(image);
    const builds = workflows.flatMap((workflow) =>
      jobsOf(workflow.doc).flatMap(([id, body]) =>
        stepsOf(body)
          .filter((step) => String(step.uses).startsWith('docker/build-push-action@'))
          .map(() => `${workflow.file}:${id}`),
      ),
    );
    expect(builds).toEqual(['.github/workflows/ci.yml:image']);
    const save = imageSteps.find((step) => step.id === 'save');
    expect(String(save?.run)).toContain('docker save slipway:ci');
    expect(image.outputs).toEqual({ 'image-id': '${{ steps.save.outputs.image-id }}' });
    // publish: download -> load -> compare ids -> push those bytes; attest the pushed digest.
    const steps = stepsOf(publish);
    const order = (predicate: (step: Record<string, unknown>) => boolean) => steps.findIndex(predicate);
    const download = order((step) => String(step.uses).startsWith('actions/download-artifact@'));
    const load = order((step) => String(step.run ?? '').includes('docker load'));
    const push = order((step) => step.id === 'push');
    expect(download).toBeGreaterThanOrEqual(0);
    expect(load).toBeGreaterThan(download);
    expect(push).toBeGreaterThan(load);
    expect(steps[load]?.env).toEqual({ SCANNED_IMAGE_ID: '${{ needs.image.outputs.image-id }}' });
    expect(String(steps[load]?.run)).toContain('"$loaded" != "$SCANNED_IMAGE_ID"');
    expect(String(steps[push]?.run)).toContain('docker push');
    for (const name of ['actions/attest-build-provenance@', 'actions/attest-sbom@']) {
      const attest = steps.find((step) => String(step.uses).startsWith(name));
      expect((attest?.with as Record<string, unknown>)['subject-digest']).toBe(
        '${{ steps.push.outputs.digest }}',
      );
    }
  });

  it('SARIF upload and attestations cannot turn all-green red on a private repository, and say why', () => {
    for (const [jobId, stepId] of [
      ['image', 'upload-sarif'],
      ['publish', 'attest-provenance'],
      ['publish', 'attest-sbom'],
    ] as const) {
      const step = stepsOf(job(ci, jobId)).find((candidate) => candidate.id === stepId);
      expect(step?.['continue-on-error']).toBe('${{ github.event.repository.private }}');
    }
    expect(checkOptionalFeatureGuards(ci)).toEqual([]);
  });
});

describe('image supply chain rules', () => {
  const attest = 'actions/attest-build-provenance@a2bbfa25375fe432b6a289bc6b6cd05ecd0c4c32 # v4.1.0';
  it('flags an unguarded attestation, and a guarded one whose failure nobody explains', () => {
    const findings = checkOptionalFeatureGuards(
      fixture(
        [
          'jobs:',
          '  a:',
          '    steps:',
          `      - uses: ${attest}`,
          '  b:',
          '    steps:',
          '      - id: attest',
          '        continue-on-error: ${{ github.event.repository.private }}',
          `        uses: ${attest}`,
          '  c:',
          '    steps:',
          '      - id: attest',
          '        continue-on-error: true',
          `        uses: ${attest}`,
          "      - if: ${{ steps.attest.outcome == 'failure' }}",
          '        run: echo "no attestations on this plan" >> "$GITHUB_STEP_SUMMARY"',
        ].join('\n'),
      ),
    );
    expect(findings.map((finding) => finding.message)).toEqual([
      expect.stringContaining('job a: actions/attest-build-provenance needs an id and continue-on-error'),
      expect.stringContaining('job b: no later step writes to the job summary'),
    ]);
  });

  it('flags a build that pushes in the same step', () => {
    const build = 'docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a # v7.3.0';
    const findings = checkNoUnscannedPush(
      fixture(
        [
          'jobs:',
          '  a:',
          '    steps:',
          `      - uses: ${build}`,
          '        with: { push: true }',
          `      - uses: ${build}`,
          '        with: { push: false, load: true }',
        ].join('\n'),
      ),
    );
    expect(findings.map((finding) => finding.rule)).toEqual(['push-scanned-image']);
  });
});
