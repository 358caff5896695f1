import { describe, expect, it } from '@jest/globals';
import {
  allCheckIds,
  commandOutcome,
  progressLine,
  exitCodeFor,
  parseCheckList,
  parseEnvFile,
  planChecks,
  renderReport,
  unknownSettings,
  type CheckResult,
  type PreflightFacts,
} from '../preflight-plan.js';

const bare: PreflightFacts = { containerEngine: false, tools: {}, shellScripts: ['scripts/backup'] };
const full: PreflightFacts = {
  containerEngine: true,
  tools: {
    shellcheck: '/usr/bin/shellcheck',
    promtool: '/usr/bin/promtool',
    trivy: '/usr/bin/trivy',
    docker: '/usr/bin/docker',
  },
  shellScripts: ['scripts/backup', 'scripts/restore'],
};

describe('planChecks', () => {
  it('plans every check, in order, with argv arrays', () => {
    const plan = planChecks(full, { imageTag: 'slipway:pf', envFile: '/srv/slipway/production/env' });
    expect(plan.map((c) => c.id)).toEqual(allCheckIds);
    expect(plan.every((c) => c.action && !c.skipReason)).toBe(true);
    const byId = Object.fromEntries(plan.map((c) => [c.id, c]));
    expect(byId.image?.action).toEqual({
      kind: 'command',
      argv: ['/usr/bin/docker', 'build', '-f', 'service/Dockerfile', '-t', 'slipway:pf', '.'],
    });
    expect(byId.scan?.requires).toBe('image');
    expect(byId.scan?.action).toMatchObject({
      argv: expect.arrayContaining(['--ignore-unfixed', 'HIGH,CRITICAL', 'slipway:pf']),
    });
    expect(byId['shell-scripts']?.action).toMatchObject({
      argv: ['/usr/bin/shellcheck', 'scripts/backup', 'scripts/restore'],
    });
    expect(byId.audit?.action).toMatchObject({ argv: ['npm', 'audit', '--omit=dev', '--audit-level=high'] });
  });

  it('skips with a reason what this machine cannot run', () => {
    const reasons = Object.fromEntries(planChecks(bare, { imageTag: 't' }).map((c) => [c.id, c.skipReason]));
    expect(reasons['env-file']).toMatch(/no --env-file/);
    expect(reasons.image).toMatch(/no container engine/);
    expect(reasons.scan).toMatch(/trivy not installed/);
    expect(reasons['shell-scripts']).toMatch(/shellcheck not installed/);
    expect(reasons['alert-rules']).toMatch(/promtool not installed/);
    expect(reasons.tests).toBeUndefined();
    expect(reasons.secrets).toBeUndefined();
  });

  it('honours --only and --skip', () => {
    const plan = planChecks(full, { imageTag: 't', only: ['secrets', 'tests'], skip: ['tests'] });
    const running = plan.filter((c) => c.action).map((c) => c.id);
    expect(running).toEqual(['secrets']);
    expect(plan.find((c) => c.id === 'tests')?.skipReason).toBe('skipped by --skip');
    expect(plan.find((c) => c.id === 'audit')?.skipReason).toBe('not selected (--only)');
  });

  it('rejects unknown check names', () => {
    expect(parseCheckList('tests, audit')).toEqual(['tests', 'audit']);
    expect(() => parseCheckList('tests,lint')).toThrow(/unknown check\(s\): lint/);
  });
});

describe('renderReport', () => {
  const results: CheckResult[] = [
    { id: 'env-example', title: '.env.example matches', outcome: 'pass', seconds: 0.04, detail: '' },
    { id: 'audit', title: 'npm audit', outcome: 'fail', seconds: 2.25, detail: 'exit 1: npm audit' },
    { id: 'scan', title: 'trivy', outcome: 'skipped', seconds: 0, detail: 'trivy not installed' },
  ];

  it('prints one aligned row per check and a summary', () => {
    expect(renderReport(results)).toBe(
      [
        'check        result   time  what',
        '-----------  -------  ----  -----------------------------',
        'env-example  PASS     0.0s  .env.example matches',
        'audit        FAIL     2.3s  npm audit — exit 1: npm audit',
        'scan         skipped  -     trivy — trivy not installed',
        '',
        'preflight: 1 passed, 1 failed, 1 skipped',
      ].join('\n'),
    );
  });

  it('fails only when a check failed', () => {
    expect(exitCodeFor(results)).toBe(1);
    expect(exitCodeFor(results.filter((r) => r.outcome !== 'fail'))).toBe(0);
  });
});

describe('commandOutcome', () => {
  it('skips an audit whose endpoint could not be reached, instead of failing it', () => {
    const output =
      'npm warn audit 405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk\n' +
      'npm error audit endpoint returned an error\n';
    expect(commandOutcome('audit', 1, output)).toEqual({
      outcome: 'skipped',
      detail: 'skipped: audit endpoint unreachable',
    });
    expect(commandOutcome('audit', 1, 'npm error code ENOTFOUND\n').outcome).toBe('skipped');
  });

  it('fails an audit that found vulnerabilities, and any other failed command', () => {
    expect(commandOutcome('audit', 1, '3 high severity vulnerabilities\n')).toEqual({
      outcome: 'fail',
      detail: 'exit 1',
    });
    expect(commandOutcome('tests', 1, 'npm error audit endpoint returned an error').outcome).toBe('fail');
    expect(commandOutcome('tests', 0, '').outcome).toBe('pass');
  });

  it('prints progress with the elapsed time and the last line of output', () => {
    expect(progressLine('tests', 95.4, '  PASS unit service/test/a.unit.test.ts ')).toBe(
      'preflight: tests running 1m35s — PASS unit service/test/a.unit.test.ts',
    );
    expect(progressLine('audit', 15, '')).toBe('preflight: audit running 15s');
  });
});

describe('env files', () => {
  it('parses KEY=VALUE lines with comments, export and quotes', () => {
    expect(parseEnvFile('# c\n\nexport A=1\nB="two words"\nC=\'x\'\nD=a=b\nnot a line\n')).toEqual({
      A: '1',
      B: 'two words',
      C: 'x',
      D: 'a=b',
    });
  });

  it('reports names that are neither settings nor secret _FILE variants', () => {
    expect(
      unknownSettings(
        {
          PORT: '1',
          API_KEY_PEPPER_FILE: '/run/s',
          PROT: '2',
          PORT_FILE: 'x',
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
          OTEL_SERVICE_NAME: 'slipway',
        },
        ['PORT', 'API_KEY_PEPPER'],
        ['API_KEY_PEPPER'],
      ),
    ).toEqual(['PROT', 'PORT_FILE']);
  });
});
