// The pre-deployment checks as data (pure): which checks run, with which argv, and why a check is
// skipped. scripts/preflight/main.ts gathers the facts, runs the plan and prints renderReport().

export type CheckId =
  | 'env-example'
  | 'env-file'
  | 'secrets'
  | 'shell-scripts'
  | 'alert-rules'
  | 'tests'
  | 'audit'
  | 'image'
  | 'scan';

export const allCheckIds: readonly CheckId[] = [
  'env-example',
  'env-file',
  'secrets',
  'shell-scripts',
  'alert-rules',
  'tests',
  'audit',
  'image',
  'scan',
];

export type CheckAction =
  | { kind: 'command'; argv: string[]; cwd?: string }
  /** Runs in-process (main.ts implements it). */
  | { kind: 'builtin'; name: 'env-example' | 'env-file'; envFile?: string };

export interface PlannedCheck {
  id: CheckId;
  title: string;
  action?: CheckAction;
  /** Set when the check cannot run here; the report shows it as skipped with this reason. */
  skipReason?: string;
  /** Later checks that need this one to pass (scan needs the image). */
  requires?: CheckId;
}

export interface PreflightFacts {
  /** A Docker-compatible engine answers (docker info). */
  containerEngine: boolean;
  /** Paths of optional tools, when found on PATH. */
  tools: { shellcheck?: string; promtool?: string; trivy?: string; docker?: string };
  /** Shell scripts of the repository (relative paths). */
  shellScripts: string[];
}

export interface PreflightOptions {
  only?: CheckId[];
  skip?: CheckId[];
  envFile?: string;
  imageTag: string;
}

export function parseCheckList(text: string): CheckId[] {
  const ids = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = ids.filter((id) => !allCheckIds.includes(id as CheckId));
  if (unknown.length > 0)
    throw new Error(`unknown check(s): ${unknown.join(', ')} (known: ${allCheckIds.join(', ')})`);
  return ids as CheckId[];
}

export function planChecks(facts: PreflightFacts, options: PreflightOptions): PlannedCheck[] {
  const checks: PlannedCheck[] = [
    {
      id: 'env-example',
      title: '.env.example matches the config schema',
      action: { kind: 'builtin', name: 'env-example' },
    },
    options.envFile
      ? {
          id: 'env-file',
          title: `${options.envFile} passes the production config validation`,
          action: { kind: 'builtin', name: 'env-file', envFile: options.envFile },
        }
      : {
          id: 'env-file',
          title: 'environment file is complete',
          skipReason: 'no --env-file given (pass the host env file, e.g. /srv/slipway/production/env)',
        },
    {
      id: 'secrets',
      title: 'no secrets in git (secretlint)',
      action: { kind: 'command', argv: ['npm', 'run', '--silent', 'scan:secrets'] },
    },
    facts.tools.shellcheck
      ? {
          id: 'shell-scripts',
          title: 'shell scripts pass shellcheck',
          action: { kind: 'command', argv: [facts.tools.shellcheck, ...facts.shellScripts] },
        }
      : {
          id: 'shell-scripts',
          title: 'shell scripts pass shellcheck',
          skipReason: 'shellcheck not installed',
        },
    facts.tools.promtool
      ? {
          id: 'alert-rules',
          title: 'alert rules: promtool check + unit tests',
          action: {
            kind: 'command',
            argv: [facts.tools.promtool, 'test', 'rules', 'alerts.test.yml'],
            cwd: 'ops/prometheus',
          },
        }
      : {
          id: 'alert-rules',
          title: 'alert rules: promtool check + unit tests',
          skipReason: 'promtool not installed (apt: prometheus)',
        },
    {
      id: 'tests',
      title: 'test suite (npm test)',
      action: { kind: 'command', argv: ['npm', 'test', '--silent'] },
    },
    {
      id: 'audit',
      title: 'npm audit: no high/critical in production dependencies',
      action: { kind: 'command', argv: ['npm', 'audit', '--omit=dev', '--audit-level=high'] },
    },
    facts.containerEngine && facts.tools.docker
      ? {
          id: 'image',
          title: `image builds (${options.imageTag})`,
          action: {
            kind: 'command',
            argv: [facts.tools.docker, 'build', '-f', 'service/Dockerfile', '-t', options.imageTag, '.'],
          },
        }
      : {
          id: 'image',
          title: 'image builds',
          skipReason: 'no container engine reachable (docker info failed)',
        },
    !facts.tools.trivy
      ? {
          id: 'scan',
          title: 'image scan clean (trivy)',
          skipReason: 'trivy not installed (the CI workflow scans every image)',
        }
      : !(facts.containerEngine && facts.tools.docker)
        ? {
            id: 'scan',
            title: 'image scan clean (trivy)',
            skipReason: 'no image: no container engine reachable',
          }
        : {
            id: 'scan',
            title: 'image scan clean (trivy: fixable HIGH/CRITICAL)',
            requires: 'image',
            action: {
              kind: 'command',
              argv: [
                facts.tools.trivy,
                'image',
                '--exit-code',
                '1',
                '--ignore-unfixed',
                '--severity',
                'HIGH,CRITICAL',
                options.imageTag,
              ],
            },
          },
  ];
  return checks.map((check) => {
    if (options.only && !options.only.includes(check.id))
      return { ...check, action: undefined, skipReason: 'not selected (--only)' };
    if (options.skip?.includes(check.id))
      return { ...check, action: undefined, skipReason: 'skipped by --skip' };
    return check;
  });
}

export type Outcome = 'pass' | 'fail' | 'skipped';

export interface CheckResult {
  id: CheckId;
  title: string;
  outcome: Outcome;
  seconds: number;
  /** One line: why it failed or was skipped. */
  detail: string;
}

/** The report table (fixed-width columns) and a summary line. */
export function renderReport(results: readonly CheckResult[]): string {
  const header = ['check', 'result', 'time', 'what'];
  const rows = results.map((r) => [
    r.id,
    r.outcome === 'pass' ? 'PASS' : r.outcome === 'fail' ? 'FAIL' : 'skipped',
    r.outcome === 'skipped' ? '-' : `${r.seconds.toFixed(1)}s`,
    r.detail ? `${r.title} — ${r.detail}` : r.title,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const count = (o: Outcome) => results.filter((r) => r.outcome === o).length;
  return [
    line(header),
    line(widths.map((w, i) => '-'.repeat(i === widths.length - 1 ? Math.min(w, 40) : w))),
    ...rows.map(line),
    '',
    `preflight: ${count('pass')} passed, ${count('fail')} failed, ${count('skipped')} skipped`,
  ].join('\n');
}

/** npm's words for an audit it could not ask (no network, proxy, a registry without the audit endpoint). */
const AUDIT_UNREACHABLE =
  /audit endpoint returned an error|E(?:NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|TIMEDOUT|NETUNREACH|HOSTUNREACH)|network request to .* failed/;

/**
 * Pure: the outcome of a finished command check. An audit that could not reach its endpoint found nothing
 * either way, so it is skipped (with the reason), not failed.
 */
export function commandOutcome(
  id: CheckId,
  exitCode: number | null,
  output: string,
): { outcome: Outcome; detail: string } {
  if (exitCode === 0) return { outcome: 'pass', detail: '' };
  if (id === 'audit' && AUDIT_UNREACHABLE.test(output))
    return { outcome: 'skipped', detail: 'skipped: audit endpoint unreachable' };
  return { outcome: 'fail', detail: `exit ${exitCode}` };
}

/** Pure: the progress line printed while a long check runs. */
export function progressLine(id: CheckId, seconds: number, lastOutputLine: string): string {
  const elapsed =
    seconds >= 60
      ? `${Math.floor(seconds / 60)}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`
      : `${Math.floor(seconds)}s`;
  const last = lastOutputLine.trim().slice(0, 100);
  return `preflight: ${id} running ${elapsed}${last ? ` — ${last}` : ''}`;
}

export function exitCodeFor(results: readonly CheckResult[]): number {
  return results.some((r) => r.outcome === 'fail') ? 1 : 0;
}

/** KEY=VALUE lines of an env file (comments, blanks and `export ` prefixes allowed; quotes stripped). */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match?.[1]) continue;
    let value = match[2] ?? '';
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    env[match[1]] = value;
  }
  return env;
}

/**
 * Names an env file sets that the service does not know (typos): neither a setting nor a secret's NAME_FILE,
 * nor an `OTEL_*` variable (read by the OpenTelemetry SDK itself, docs/operations.md#tracing).
 */
export function unknownSettings(
  env: Record<string, string>,
  known: readonly string[],
  secrets: readonly string[],
): string[] {
  const allowed = new Set([...known, ...secrets.map((s) => `${s}_FILE`)]);
  return Object.keys(env).filter((name) => !allowed.has(name) && !name.startsWith('OTEL_'));
}
