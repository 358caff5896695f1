import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { dedupeFindings, readTrivyFindings } from '../src/read-trivy-findings.js';

const imageReport: unknown = JSON.parse(
  readFileSync(new URL('./fixtures/image-report.json', import.meta.url), 'utf8'),
);

describe('readTrivyFindings', () => {
  it('reads every vulnerability of every result, tolerating results without Vulnerabilities', () => {
    const findings = readTrivyFindings(imageReport, 'image.json');
    expect(findings).toHaveLength(5);
    expect(findings.map((finding) => finding.id)).toContain('GHSA-xxxx-yyyy-zzzz');
    expect(findings.find((finding) => finding.id === 'CVE-2024-0002')).toMatchObject({
      packageName: 'zlib1g',
      fixedVersion: '',
      severity: 'HIGH',
    });
  });

  it('accepts a report where Trivy omitted Results entirely (clean image)', () => {
    expect(readTrivyFindings({ SchemaVersion: 2, ArtifactName: 'clean' })).toEqual([]);
  });

  it('rejects documents that are not Trivy reports', () => {
    expect(() => readTrivyFindings([1, 2], 'x.json')).toThrow(/x.json is not a Trivy JSON report/);
    expect(() => readTrivyFindings({ hello: 'world' })).toThrow(/not a Trivy JSON report/);
  });

  it('maps unknown severities to UNKNOWN', () => {
    const [finding] = readTrivyFindings({
      Results: [{ Target: 't', Vulnerabilities: [{ VulnerabilityID: 'X', Severity: 'weird' }] }],
    });
    expect(finding?.severity).toBe('UNKNOWN');
  });
});

describe('dedupeFindings', () => {
  it('merges the same vulnerability in the same package version across layers and targets', () => {
    const first = readTrivyFindings(imageReport, 'a.json');
    const second = readTrivyFindings(
      {
        Results: [
          {
            Target: 'other-target',
            Vulnerabilities: [
              { VulnerabilityID: 'CVE-2024-0001', PkgName: 'openssl', InstalledVersion: '3.0.15-1~deb12u1' },
            ],
          },
        ],
      },
      'b.json',
    );
    const findings = dedupeFindings([...first, ...second]);
    expect(findings).toHaveLength(4);
    const openssl = findings.find((finding) => finding.id === 'CVE-2024-0001');
    expect(openssl?.targets).toEqual(['ghcr.io/example/slipway:abc123 (debian 12.8)', 'other-target']);
    expect(openssl?.fixedVersion).toBe('3.0.16-1~deb12u1');
  });

  it('keeps different installed versions apart', () => {
    const base = {
      id: 'CVE-1',
      packageName: 'p',
      fixedVersion: '',
      severity: 'HIGH' as const,
      title: '',
      url: '',
    };
    const findings = dedupeFindings([
      { ...base, installedVersion: '1', targets: ['a'] },
      { ...base, installedVersion: '2', targets: ['a'] },
    ]);
    expect(findings).toHaveLength(2);
  });
});
