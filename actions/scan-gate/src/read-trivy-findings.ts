// Reads Trivy's JSON report format (SchemaVersion 2) into flat findings. Trivy omits empty arrays
// (`Results`, `Vulnerabilities`) and reports one Result per target (OS packages, each lockfile, ...);
// an image scan can report the same package vulnerability once per layer.

export type Severity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'UNKNOWN';

export const severityOrder: readonly Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'];

export interface Finding {
  id: string;
  packageName: string;
  installedVersion: string;
  fixedVersion: string;
  severity: Severity;
  title: string;
  url: string;
  /** Every target (and report file) the finding was seen in, de-duplicated. */
  targets: string[];
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function asString(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function normaliseSeverity(value: unknown): Severity {
  const upper = asString(value).toUpperCase();
  return (severityOrder as readonly string[]).includes(upper) ? (upper as Severity) : 'UNKNOWN';
}

/** Findings of one parsed Trivy report. Throws when the document is not a Trivy JSON report. */
export function readTrivyFindings(report: unknown, source = 'report'): Finding[] {
  const root = asRecord(report);
  if (!root || !('SchemaVersion' in root || 'Results' in root || 'ArtifactName' in root)) {
    throw new Error(`${source} is not a Trivy JSON report (expected an object with SchemaVersion/Results)`);
  }
  const results = Array.isArray(root.Results) ? root.Results : [];
  const findings: Finding[] = [];
  for (const resultValue of results) {
    const result = asRecord(resultValue);
    if (!result) continue;
    const target = asString(result.Target) || asString(root.ArtifactName) || source;
    const vulnerabilities = Array.isArray(result.Vulnerabilities) ? result.Vulnerabilities : [];
    for (const vulnerabilityValue of vulnerabilities) {
      const vulnerability = asRecord(vulnerabilityValue);
      const id = asString(vulnerability?.VulnerabilityID);
      if (!vulnerability || !id) continue;
      findings.push({
        id,
        packageName: asString(vulnerability.PkgName),
        installedVersion: asString(vulnerability.InstalledVersion),
        fixedVersion: asString(vulnerability.FixedVersion),
        severity: normaliseSeverity(vulnerability.Severity),
        title: asString(vulnerability.Title),
        url: asString(vulnerability.PrimaryURL),
        targets: [target],
      });
    }
  }
  return findings;
}

/**
 * Merges findings that are the same vulnerability in the same installed package version
 * (key: id, package, installed version), keeping every target and the most informative fields.
 */
export function dedupeFindings(findings: readonly Finding[]): Finding[] {
  const byKey = new Map<string, Finding>();
  for (const finding of findings) {
    const key = JSON.stringify([finding.id, finding.packageName, finding.installedVersion]);
    const existing = byKey.get(key);
    if (!existing) {
      byKey.set(key, { ...finding, targets: [...new Set(finding.targets)] });
      continue;
    }
    existing.targets = [...new Set([...existing.targets, ...finding.targets])];
    existing.fixedVersion ||= finding.fixedVersion;
    existing.title ||= finding.title;
    existing.url ||= finding.url;
    if (severityOrder.indexOf(finding.severity) < severityOrder.indexOf(existing.severity)) {
      existing.severity = finding.severity;
    }
  }
  return [...byKey.values()];
}
