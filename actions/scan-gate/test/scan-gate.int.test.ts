// Runs the committed bundle (copied away from the repo, so no node_modules can help it) the way the
// GitHub runner does, and checks exit code, outputs and job summary.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runActionLikeRunner } from '../../../scripts/run-action-like-runner.js';
import { readResultFile } from '../../pr-report/src/read-result-file.js';

const actionDir = fileURLToPath(new URL('..', import.meta.url));
let workspace: string;
let entry: string;

function isoDate(offsetDays: number): string {
  return new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

function vulnerability(id: string, severity: string, fixedVersion?: string) {
  return {
    VulnerabilityID: id,
    PkgName: 'openssl',
    InstalledVersion: '3.0.15',
    ...(fixedVersion ? { FixedVersion: fixedVersion } : {}),
    PrimaryURL: `https://avd.aquasec.com/nvd/${id.toLowerCase()}`,
    Severity: severity,
  };
}

function writeReport(name: string, vulnerabilities: object[]): string {
  const file = path.join(workspace, name);
  writeFileSync(
    file,
    JSON.stringify({
      SchemaVersion: 2,
      ArtifactName: 'ghcr.io/example/slipway:test',
      Results: [
        { Target: 'image (debian 12)', Vulnerabilities: vulnerabilities },
        { Target: 'package-lock.json' },
      ],
    }),
  );
  return name;
}

function runGate(inputs: Record<string, string>) {
  return runActionLikeRunner({ entry, cwd: workspace, inputs });
}

beforeAll(() => {
  workspace = mkdtempSync(path.join(os.tmpdir(), 'slipway-scan-gate-'));
  cpSync(path.join(actionDir, 'dist'), path.join(workspace, 'action', 'dist'), { recursive: true });
  cpSync(path.join(actionDir, 'action.yml'), path.join(workspace, 'action', 'action.yml'));
  entry = path.join(workspace, 'action', 'dist', 'index.js');
});

afterAll(() => rmSync(workspace, { recursive: true, force: true }));

describe('scan-gate dist/index.js under the runner protocol', () => {
  it('fails on a fixable CRITICAL and lists it first in the summary', async () => {
    const report = writeReport('critical.json', [
      vulnerability('CVE-2024-1000', 'LOW', '3.0.16'),
      vulnerability('CVE-2024-0001', 'CRITICAL', '3.0.16'),
    ]);
    const result = await runGate({ report });
    expect(result.exitCode).toBe(1);
    expect(result.outputs.blocking).toBe('1');
    expect(result.outputs.total).toBe('2');
    expect(JSON.parse(result.outputs.counts ?? '{}')).toMatchObject({ CRITICAL: 1, LOW: 1, HIGH: 0 });
    expect(result.stdout).toContain('::error::scan gate failed');
    const rows = result.summary.split('\n').filter((line) => line.startsWith('| '));
    expect(rows[1]).toMatch(
      /❌ blocking \| CRITICAL \| \[CVE-2024-0001\]\(https:\/\/avd\.aquasec\.com\/nvd\/cve-2024-0001\) \| openssl \| 3\.0\.15 \| 3\.0\.16 \|/,
    );
    expect(result.outputs.summary).toBe(result.summary.trimEnd() + '\n');
  });

  it('passes the same report with a valid waiver', async () => {
    const report = writeReport('waived.json', [vulnerability('CVE-2024-0001', 'CRITICAL', '3.0.16')]);
    writeFileSync(
      path.join(workspace, 'valid-waivers.yml'),
      `- id: CVE-2024-0001\n  package: openssl\n  reason: "TLS code path not used"\n  expires: ${isoDate(30)}\n`,
    );
    const result = await runGate({
      report,
      waivers: 'valid-waivers.yml',
      'result-file': 'pr-report/scan.json',
    });
    expect(result.exitCode).toBe(0);
    // The result file follows pr-report's schema.
    const written = readResultFile(
      readFileSync(path.join(workspace, 'pr-report/scan.json'), 'utf8'),
      'scan.json',
    );
    expect(written.invalid).toBeUndefined();
    expect(written.results[0]).toMatchObject({
      kind: 'scan',
      status: 'pass',
      summary: '0 blocking of 1 unique finding(s) (CRITICAL 1)',
    });
    expect(result.outputs.blocking).toBe('0');
    expect(result.summary).toContain('⚪ waived');
    expect(result.summary).toContain('TLS code path not used');
  });

  it('fails the same report with an expired waiver, saying so', async () => {
    const report = writeReport('expired.json', [vulnerability('CVE-2024-0001', 'CRITICAL', '3.0.16')]);
    const expired = isoDate(-2);
    writeFileSync(
      path.join(workspace, 'expired-waivers.yml'),
      `- id: CVE-2024-0001\n  reason: "waiting for upstream"\n  expires: ${expired}\n`,
    );
    const result = await runGate({ report, waivers: 'expired-waivers.yml' });
    expect(result.exitCode).toBe(1);
    expect(result.outputs['expired-waivers']).toBe('1');
    expect(result.stdout).toContain(`waiver for CVE-2024-0001 expired on ${expired}`);
  });

  it('passes an unfixed HIGH when ignore-unfixed is true, blocks it when false', async () => {
    const report = writeReport('unfixed.json', [vulnerability('CVE-2024-0002', 'HIGH')]);
    const ignored = await runGate({ report, 'ignore-unfixed': 'true' });
    expect(ignored.exitCode).toBe(0);
    expect(ignored.outputs).toMatchObject({ blocking: '0', total: '1' });
    const strict = await runGate({ report, 'ignore-unfixed': 'false' });
    expect(strict.exitCode).toBe(1);
    expect(strict.outputs.blocking).toBe('1');
    const invalid = await runGate({ report, 'ignore-unfixed': 'maybe' });
    expect(invalid.exitCode).toBe(1);
    expect(invalid.stdout).toContain('ignore-unfixed');
  });

  it('reads several reports by glob and counts a finding seen in both once', async () => {
    writeReport('multi-a.json', [vulnerability('CVE-2024-0003', 'MEDIUM', '3.0.16')]);
    writeReport('multi-b.json', [vulnerability('CVE-2024-0003', 'MEDIUM', '3.0.16')]);
    const result = await runGate({ report: 'multi-*.json' });
    expect(result.exitCode).toBe(0);
    expect(result.outputs.total).toBe('1');
  });

  it('fails clearly when no report matches or the waiver file is invalid', async () => {
    const missing = await runGate({ report: 'nothing-*.json' });
    expect(missing.exitCode).toBe(1);
    expect(missing.stdout).toContain('no Trivy report matched');
    const report = writeReport('invalid-waivers.json', []);
    writeFileSync(path.join(workspace, 'bad-waivers.yml'), '- id: CVE-1\n  expires: 2030-01-01\n');
    const invalid = await runGate({ report, waivers: 'bad-waivers.yml' });
    expect(invalid.exitCode).toBe(1);
    expect(invalid.stdout).toContain('"reason" is required');
  });
});
