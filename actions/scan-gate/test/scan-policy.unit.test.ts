import { describe, expect, it } from '@jest/globals';
import { applyScanPolicy, parseSeverities } from '../src/apply-scan-policy.js';
import { isWaiverExpired, parseWaivers } from '../src/parse-waivers.js';
import type { Finding } from '../src/read-trivy-findings.js';
import { renderScanSummary, tableCell } from '../src/render-scan-summary.js';

function finding(overrides: Partial<Finding>): Finding {
  return {
    id: 'CVE-2024-0001',
    packageName: 'openssl',
    installedVersion: '3.0.15',
    fixedVersion: '3.0.16',
    severity: 'CRITICAL',
    title: '',
    url: 'https://avd.aquasec.com/nvd/cve-2024-0001',
    targets: ['image'],
    ...overrides,
  };
}

const basePolicy = {
  severities: parseSeverities('CRITICAL,HIGH'),
  ignoreUnfixed: true,
  waivers: [],
  today: '2026-06-15',
};

describe('parseSeverities', () => {
  it('normalises case and spacing and keeps severity order', () => {
    expect(parseSeverities(' high, critical ')).toEqual(['CRITICAL', 'HIGH']);
  });
  it('rejects unknown severities', () => {
    expect(() => parseSeverities('CRITICAL,SEVERE')).toThrow(/unknown severities: SEVERE/);
  });
});

describe('parseWaivers', () => {
  it('reads a list with optional package', () => {
    const { waivers, errors } = parseWaivers(
      '- id: CVE-1\n  package: openssl\n  reason: not reachable\n  expires: 2026-07-01\n' +
        '- id: CVE-2\n  reason: base image only\n  expires: "2026-08-01"\n',
    );
    expect(errors).toEqual([]);
    expect(waivers).toEqual([
      { id: 'CVE-1', package: 'openssl', reason: 'not reachable', expires: '2026-07-01' },
      { id: 'CVE-2', reason: 'base image only', expires: '2026-08-01' },
    ]);
  });

  it('accepts a top-level waivers: key and an empty file', () => {
    expect(parseWaivers('waivers:\n  - {id: X, reason: r, expires: 2026-01-01}\n').waivers).toHaveLength(1);
    expect(parseWaivers('')).toEqual({ waivers: [], errors: [] });
  });

  it('reports every invalid waiver with its position', () => {
    const { errors } = parseWaivers(
      '- id: CVE-1\n  expires: 2026-02-30\n- reason: r\n  expires: 2026-01-01\n- just a string\n',
      'waivers.yml',
    );
    expect(errors).toEqual([
      'waivers.yml: waiver #1 (CVE-1): "reason" is required; "expires" must be a date YYYY-MM-DD, got "2026-02-30"',
      'waivers.yml: waiver #2: "id" is required',
      'waivers.yml: waiver #3: expected a mapping with id, reason and expires',
    ]);
  });

  it('reports invalid YAML', () => {
    expect(parseWaivers('- id: [unclosed').errors[0]).toMatch(/invalid YAML/);
  });

  it('treats the expiry day itself as still valid', () => {
    const waiver = { id: 'X', reason: 'r', expires: '2026-06-15' };
    expect(isWaiverExpired(waiver, '2026-06-15')).toBe(false);
    expect(isWaiverExpired(waiver, '2026-06-16')).toBe(true);
  });
});

describe('applyScanPolicy', () => {
  it('blocks a fixable CRITICAL', () => {
    const verdict = applyScanPolicy([finding({})], basePolicy);
    expect(verdict).toMatchObject({ blocking: 1, total: 1, passed: false });
    expect(verdict.counts.CRITICAL).toBe(1);
  });

  it('lets a valid waiver cover the finding', () => {
    const verdict = applyScanPolicy([finding({})], {
      ...basePolicy,
      waivers: [{ id: 'CVE-2024-0001', reason: 'not reachable', expires: '2026-07-01' }],
    });
    expect(verdict).toMatchObject({ blocking: 0, passed: true });
    expect(verdict.findings[0]?.verdict).toBe('waived');
  });

  it('fails on an expired waiver, with a message naming it', () => {
    const verdict = applyScanPolicy([finding({})], {
      ...basePolicy,
      waivers: [{ id: 'CVE-2024-0001', reason: 'not reachable', expires: '2026-06-01' }],
    });
    expect(verdict.passed).toBe(false);
    expect(verdict.blocking).toBe(1);
    expect(verdict.findings[0]).toMatchObject({ verdict: 'blocking', waiverExpired: true });
    expect(verdict.failures.join('\n')).toMatch(/waiver for CVE-2024-0001 expired on 2026-06-01/);
  });

  it('fails on an expired waiver even when nothing matches it any more', () => {
    const verdict = applyScanPolicy([], {
      ...basePolicy,
      waivers: [{ id: 'CVE-OLD', reason: 'r', expires: '2026-01-01' }],
    });
    expect(verdict).toMatchObject({ blocking: 0, passed: false });
    expect(verdict.expiredWaivers).toHaveLength(1);
  });

  it('only applies a package-scoped waiver to that package', () => {
    const verdict = applyScanPolicy([finding({}), finding({ packageName: 'libssl3' })], {
      ...basePolicy,
      waivers: [{ id: 'CVE-2024-0001', package: 'openssl', reason: 'r', expires: '2026-07-01' }],
    });
    expect(verdict.blocking).toBe(1);
    expect(verdict.findings[0]?.packageName).toBe('libssl3');
  });

  it('ignores unfixed findings only when ignore-unfixed is on', () => {
    const unfixed = finding({ severity: 'HIGH', fixedVersion: '' });
    expect(applyScanPolicy([unfixed], basePolicy)).toMatchObject({ blocking: 0, passed: true });
    expect(applyScanPolicy([unfixed], { ...basePolicy, ignoreUnfixed: false })).toMatchObject({
      blocking: 1,
    });
  });

  it('ignores severities outside the policy', () => {
    const verdict = applyScanPolicy([finding({ severity: 'MEDIUM' })], basePolicy);
    expect(verdict).toMatchObject({ blocking: 0, total: 1, passed: true });
    expect(verdict.findings[0]?.verdict).toBe('below-threshold');
  });

  it('sorts blocking findings first, then by severity', () => {
    const verdict = applyScanPolicy(
      [
        finding({ id: 'A', severity: 'LOW' }),
        finding({ id: 'B', severity: 'HIGH', fixedVersion: '' }),
        finding({ id: 'C', severity: 'HIGH' }),
        finding({ id: 'D', severity: 'CRITICAL' }),
      ],
      basePolicy,
    );
    expect(verdict.findings.map((judged) => judged.id)).toEqual(['D', 'C', 'B', 'A']);
  });
});

describe('renderScanSummary', () => {
  it('renders a table with the blocking row first, fixed version and link', () => {
    const verdict = applyScanPolicy([finding({ id: 'CVE-LOW', severity: 'LOW' }), finding({})], basePolicy);
    const markdown = renderScanSummary(verdict);
    expect(markdown).toContain('### ❌ Vulnerability scan gate');
    const rows = markdown.split('\n').filter((line) => line.startsWith('| '));
    expect(rows[0]).toContain('| Status | Severity |');
    expect(rows[1]).toContain(
      '❌ blocking | CRITICAL | [CVE-2024-0001](https://avd.aquasec.com/nvd/cve-2024-0001)',
    );
    expect(rows[1]).toContain('| 3.0.16 |');
    expect(rows[2]).toContain('below threshold');
  });

  it('truncates long tables and escapes cell text', () => {
    const many = Array.from({ length: 5 }, (_, index) => finding({ id: `CVE-${index}` }));
    expect(renderScanSummary(applyScanPolicy(many, basePolicy), 2)).toContain('…and 3 more');
    expect(tableCell('a|b\nc')).toBe('a\\|b c');
  });

  it('says the gate passed when nothing blocks', () => {
    expect(renderScanSummary(applyScanPolicy([], basePolicy))).toContain('✅');
  });
});
