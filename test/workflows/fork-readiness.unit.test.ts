// The fork experience stays consistent: what the workflows read (vars.*, secrets.*, environments) is
// exactly what `npm run doctor` checks, and docs/getting-started.md documents every one of those names.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { listWorkflowFiles } from '../../scripts/ci-local/validate-workflow-files.js';
import { BRANCH_PROTECTION, REQUIRED_CHECK } from '../../scripts/doctor/branch-protection.js';
import { ENVIRONMENTS, SETTINGS } from '../../scripts/doctor/requirements.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const workflowText = listWorkflowFiles(root).map(read).join('\n');
const gettingStarted = read('docs/getting-started.md');
const branchProtection = read('docs/branch-protection.md');

/** Names the workflows read from a context, e.g. `vars.DEPLOY_HOST`. */
function namesIn(context: 'vars' | 'secrets'): string[] {
  const names = [...workflowText.matchAll(new RegExp(`\\b${context}\\.([A-Z0-9_]+)`, 'g'))].map(
    (m) => m[1] ?? '',
  );
  return [...new Set(names)].sort();
}

describe('doctor ↔ workflows', () => {
  it('every variable a workflow reads is one the doctor checks, and vice versa', () => {
    const checked = SETTINGS.filter((setting) => setting.kind === 'variable').map((setting) => setting.name);
    expect(namesIn('vars')).toEqual([...checked].sort());
  });

  it('every secret a workflow reads is one the doctor checks (GITHUB_TOKEN is provided by GitHub), and vice versa', () => {
    const checked = SETTINGS.filter((setting) => setting.kind === 'secret').map((setting) => setting.name);
    expect(namesIn('secrets').filter((name) => name !== 'GITHUB_TOKEN')).toEqual([...checked].sort());
  });

  it('the environments the deploys use are the ones the doctor checks', () => {
    const [deployed, ops] = [
      ENVIRONMENTS.filter((environment) => !environment.name.endsWith('-ops')),
      ENVIRONMENTS.filter((environment) => environment.name.endsWith('-ops')),
    ];
    for (const environment of deployed) expect(workflowText).toContain(`environment: ${environment.name}`);
    // status and unlock run in `<environment>-ops`, for each deployed environment.
    expect(workflowText).toContain('name: ${{ inputs.environment }}-ops');
    expect(ops.map((environment) => environment.name)).toEqual(
      deployed.map((environment) => `${environment.name}-ops`),
    );
    expect(ENVIRONMENTS.find((environment) => environment.name === 'production')?.requiredReviewers).toBe(
      true,
    );
  });

  it('the required check is the name of ci.yml’s final job', () => {
    const ci = parse(read('.github/workflows/ci.yml')) as { jobs: Record<string, { name?: string }> };
    expect(ci.jobs[REQUIRED_CHECK]?.name).toBe(REQUIRED_CHECK);
  });
});

describe('docs/getting-started.md matches what doctor checks', () => {
  it.each(ENVIRONMENTS.map((environment) => environment.name))('documents the %s environment', (name) => {
    expect(gettingStarted).toContain(`\`${name}\``);
  });

  it.each(SETTINGS.map((setting) => [setting.name, setting.kind] as const))(
    'documents %s (%s)',
    (name, kind) => {
      const row = gettingStarted.split('\n').find((line) => line.startsWith(`| \`${name}\``));
      expect(row).toBeDefined();
      expect(row).toContain(kind);
      const setting = SETTINGS.find((candidate) => candidate.name === name);
      expect(row).toMatch(setting?.required ? /\|\s*yes\s*\|/ : /\|\s*no\s*\|/);
    },
  );

  it.each(ENVIRONMENTS.map((environment) => [environment.name, environment] as const))(
    'documents which branches and tags may use %s',
    (name, environment) => {
      const row = gettingStarted.split('\n').find((line) => line.startsWith(`| \`${name}\``));
      expect(row).toBeDefined();
      for (const ref of environment.allowedRefs) expect(row).toContain(`${ref.type} \`${ref.name}\``);
    },
  );

  it('documents the required reviewers caveat and the required check', () => {
    expect(gettingStarted).toContain('Required reviewers');
    expect(gettingStarted).toContain('GitHub Enterprise');
    expect(gettingStarted).toContain(`\`${REQUIRED_CHECK}\``);
  });

  it('takes a fork to production in at most three steps', () => {
    const steps = gettingStarted.split('\n').filter((line) => /^## \d+\./.test(line));
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.length).toBeLessThanOrEqual(3);
  });

  it('names every pinned third-party action and its commit', () => {
    const pins = [...workflowText.matchAll(/uses:\s*([\w.-]+\/[\w./-]+)@([0-9a-f]{40})/g)];
    for (const [, action, sha] of pins) {
      expect(gettingStarted).toContain(action ?? '');
      expect(gettingStarted).toContain(sha ?? '');
    }
  });
});

describe('docs/branch-protection.md', () => {
  it('shows exactly the protection body the doctor applies', () => {
    const block = /<<'JSON'\n([\s\S]*?)\nJSON/.exec(branchProtection)?.[1];
    expect(JSON.parse(block ?? 'null')).toEqual(BRANCH_PROTECTION);
  });
});

describe('compose/compose.dev.yml', () => {
  const compose = parse(read('compose/compose.dev.yml'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string>; depends_on?: Record<string, unknown> }>;
  };

  it('runs Postgres, Redis, Chroma and the service (after migrations)', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['postgres', 'redis', 'chroma', 'migrate', 'service']),
    );
    expect(compose.services.service?.depends_on).toEqual(
      expect.objectContaining({ migrate: { condition: 'service_completed_successfully' } }),
    );
  });

  it('sets only configuration the service knows', () => {
    const schema = read('service/src/config/config-schema.ts');
    for (const name of Object.keys(compose.services.service?.environment ?? {})) {
      expect([name, schema.includes(`${name}:`)]).toEqual([name, true]);
    }
  });
});
