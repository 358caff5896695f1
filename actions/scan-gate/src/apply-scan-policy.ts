// Decides which findings block: severity in the policy, fixable (unless ignore-unfixed is off), and not
// covered by a waiver that is still valid. Expired waivers are failures in their own right.
import type { Finding, Severity } from './read-trivy-findings.js';
import { severityOrder } from './read-trivy-findings.js';
import type { Waiver } from './parse-waivers.js';
import { isWaiverExpired } from './parse-waivers.js';

export type Verdict = 'blocking' | 'waived' | 'unfixed' | 'below-threshold';

export interface JudgedFinding extends Finding {
  verdict: Verdict;
  /** The waiver that covers (or, if expired, no longer covers) the finding. */
  waiver?: Waiver;
  waiverExpired?: boolean;
}

export interface ScanPolicy {
  severities: readonly Severity[];
  ignoreUnfixed: boolean;
  waivers: readonly Waiver[];
  /** YYYY-MM-DD, UTC */
  today: string;
}

export interface ScanVerdict {
  findings: JudgedFinding[];
  blocking: number;
  total: number;
  counts: Record<Severity, number>;
  expiredWaivers: Waiver[];
  /** Human-readable reasons the gate fails; empty when it passes. */
  failures: string[];
  passed: boolean;
}

export function parseSeverities(input: string): Severity[] {
  const wanted = input
    .split(/[\s,]+/)
    .map((part) => part.trim().toUpperCase())
    .filter(Boolean);
  const unknown = wanted.filter((part) => !(severityOrder as readonly string[]).includes(part));
  if (unknown.length > 0) {
    throw new Error(`unknown severities: ${unknown.join(', ')} (expected ${severityOrder.join(', ')})`);
  }
  return severityOrder.filter((severity) => wanted.includes(severity));
}

function waiverMatches(waiver: Waiver, finding: Finding): boolean {
  return waiver.id === finding.id && (waiver.package === undefined || waiver.package === finding.packageName);
}

const verdictOrder: Verdict[] = ['blocking', 'waived', 'unfixed', 'below-threshold'];

export function applyScanPolicy(findings: readonly Finding[], policy: ScanPolicy): ScanVerdict {
  const counts = Object.fromEntries(severityOrder.map((severity) => [severity, 0])) as Record<
    Severity,
    number
  >;
  const judged: JudgedFinding[] = findings.map((finding) => {
    counts[finding.severity] += 1;
    if (!policy.severities.includes(finding.severity)) return { ...finding, verdict: 'below-threshold' };
    if (policy.ignoreUnfixed && !finding.fixedVersion) return { ...finding, verdict: 'unfixed' };
    const matching = policy.waivers.filter((waiver) => waiverMatches(waiver, finding));
    const valid = matching.find((waiver) => !isWaiverExpired(waiver, policy.today));
    if (valid) return { ...finding, verdict: 'waived', waiver: valid };
    const expired = matching[0];
    return expired
      ? { ...finding, verdict: 'blocking', waiver: expired, waiverExpired: true }
      : { ...finding, verdict: 'blocking' };
  });
  judged.sort(
    (a, b) =>
      verdictOrder.indexOf(a.verdict) - verdictOrder.indexOf(b.verdict) ||
      severityOrder.indexOf(a.severity) - severityOrder.indexOf(b.severity) ||
      a.id.localeCompare(b.id) ||
      a.packageName.localeCompare(b.packageName),
  );
  const blocking = judged.filter((finding) => finding.verdict === 'blocking').length;
  const expiredWaivers = policy.waivers.filter((waiver) => isWaiverExpired(waiver, policy.today));
  const failures: string[] = [];
  if (blocking > 0) {
    failures.push(
      `${blocking} blocking vulnerabilit${blocking === 1 ? 'y' : 'ies'} (${policy.severities.join('/')}` +
        `${policy.ignoreUnfixed ? ', fixable' : ''}, not waived)`,
    );
  }
  for (const waiver of expiredWaivers) {
    failures.push(
      `waiver for ${waiver.id}${waiver.package ? ` (${waiver.package})` : ''} expired on ${waiver.expires}: ` +
        `fix the vulnerability or renew the waiver with a new reason ("${waiver.reason}")`,
    );
  }
  return {
    findings: judged,
    blocking,
    total: judged.length,
    counts,
    expiredWaivers,
    failures,
    passed: failures.length === 0,
  };
}
