// Pure: what the doctor found → one line per check, each missing item with the exact command that fixes it.
import { REQUIRED_CHECK, applyProtectionCommand } from './branch-protection.js';
import { ENVIRONMENTS, SETTINGS } from './requirements.js';
import type { EnvironmentRequirement, RefPolicy, SettingRequirement } from './requirements.js';

export type CheckStatus = 'ok' | 'missing' | 'warn';

export interface Check {
  readonly status: CheckStatus;
  readonly what: string;
  /** How to fix it (empty when ok). */
  readonly fix: string;
}

/** Names only — the GitHub API never returns secret values, and the doctor never asks for them. */
export interface ObservedRepository {
  readonly repository: string;
  readonly defaultBranch: string;
  /** Required checks on the default branch; null = not protected; undefined = could not read. */
  readonly protection: { readonly requiredChecks: readonly string[] } | null | undefined;
  readonly secrets: readonly string[];
  readonly variables: readonly string[];
  readonly environments: readonly ObservedEnvironment[];
}

/**
 * Which refs may use an environment (GitHub's deployment branch policy): null = any branch;
 * `protected` = protected branches only (no tags); otherwise the custom branch and tag policies.
 */
export type ObservedBranchPolicy = null | 'protected' | readonly RefPolicy[];

export interface ObservedEnvironment {
  readonly name: string;
  readonly requiredReviewers: boolean;
  readonly secrets: readonly string[];
  readonly variables: readonly string[];
  readonly branchPolicy: ObservedBranchPolicy;
}

export interface Requirements {
  readonly environments: readonly EnvironmentRequirement[];
  readonly settings: readonly SettingRequirement[];
}

export const DEFAULT_REQUIREMENTS: Requirements = { environments: ENVIRONMENTS, settings: SETTINGS };

function setCommand(setting: SettingRequirement, environment: string, repository: string): string {
  // An ops environment reaches the same host as the environment it operates on.
  const example = setting.example.replaceAll('{environment}', environment.replace(/-ops$/, ''));
  return `gh ${setting.kind} set ${setting.name} --repo ${repository} --env ${environment} ${example}`;
}

const describeRef = (ref: RefPolicy) => `${ref.type} ${ref.name}`;

function branchPolicyFix(repository: string, required: EnvironmentRequirement): string {
  const create = required.allowedRefs.map(
    (ref) =>
      `gh api -X POST repos/${repository}/environments/${required.name}/deployment-branch-policies ` +
      `-f name='${ref.name}' -f type=${ref.type}`,
  );
  return (
    `Settings → Environments → ${required.name} → Deployment branches and tags → Selected branches and ` +
    `tags, then: ${create.join(' && ')}`
  );
}

/** The environment may be used from exactly its allowed refs: fewer breaks deploys, more leaks secrets. */
export function evaluateBranchPolicy(
  repository: string,
  required: EnvironmentRequirement,
  policy: ObservedBranchPolicy,
): Check {
  const allowed = required.allowedRefs.map(describeRef).join(', ');
  const fix = branchPolicyFix(repository, required);
  if (policy === null) {
    return {
      status: 'missing',
      what: `environment ${required.name} can be used from any branch (its secrets too); allow only ${allowed}`,
      fix,
    };
  }
  const observed = policy === 'protected' ? [] : policy;
  const has = (ref: RefPolicy) =>
    observed.some((candidate) => candidate.type === ref.type && candidate.name === ref.name) ||
    (policy === 'protected' && ref.type === 'branch');
  const absent = required.allowedRefs.filter((ref) => !has(ref));
  if (absent.length > 0) {
    return {
      status: 'missing',
      what: `environment ${required.name} does not allow ${absent.map(describeRef).join(', ')}: those deploys would be refused`,
      fix,
    };
  }
  const extra = observed.filter(
    (ref) =>
      !required.allowedRefs.some(
        (allowedRef) => allowedRef.type === ref.type && allowedRef.name === ref.name,
      ),
  );
  if (extra.length > 0) {
    return {
      status: 'warn',
      what: `environment ${required.name} also allows ${extra.map(describeRef).join(', ')} (only ${allowed} deploy)`,
      fix: `Settings → Environments → ${required.name} → Deployment branches and tags: remove them`,
    };
  }
  return { status: 'ok', what: `environment ${required.name} deploys only from ${allowed}`, fix: '' };
}

export function evaluateRepository(
  observed: ObservedRepository,
  requirements = DEFAULT_REQUIREMENTS,
): Check[] {
  const checks: Check[] = [];
  const { repository } = observed;
  for (const required of requirements.environments) {
    const environment = observed.environments.find((candidate) => candidate.name === required.name);
    if (!environment) {
      checks.push({
        status: 'missing',
        what: `environment ${required.name} (${required.purpose})`,
        fix:
          `gh api -X PUT repos/${repository}/environments/${required.name}` +
          (required.requiredReviewers
            ? ` — then Settings → Environments → ${required.name} → Required reviewers: your release managers`
            : ''),
      });
    } else if (required.requiredReviewers && !environment.requiredReviewers) {
      checks.push({
        status: 'warn',
        what: `environment ${required.name} has no required reviewers: production deploys would not wait for approval`,
        fix:
          `Settings → Environments → ${required.name} → Required reviewers (private repositories need GitHub ` +
          'Enterprise for this; see docs/getting-started.md for the alternative)',
      });
    } else {
      checks.push({ status: 'ok', what: `environment ${required.name}`, fix: '' });
    }
    if (environment) checks.push(evaluateBranchPolicy(repository, required, environment.branchPolicy));
  }
  for (const setting of requirements.settings) {
    const atRepository = (setting.kind === 'secret' ? observed.secrets : observed.variables).includes(
      setting.name,
    );
    for (const name of setting.environments) {
      const environment = observed.environments.find((candidate) => candidate.name === name);
      if (setting.orchestratorTarget && !targetChosen(observed, name)) continue;
      const atEnvironment =
        environment !== undefined &&
        (setting.kind === 'secret' ? environment.secrets : environment.variables).includes(setting.name);
      const what = `${setting.kind} ${setting.name} for ${name} (${setting.purpose})`;
      if (atEnvironment || atRepository) checks.push({ status: 'ok', what, fix: '' });
      else {
        checks.push({
          status: setting.required ? 'missing' : 'warn',
          what: setting.required ? what : `optional ${what}`,
          fix: setCommand(setting, name, repository),
        });
      }
    }
  }
  const branch = observed.defaultBranch;
  const fix = applyProtectionCommand(repository, branch);
  if (observed.protection === null) {
    checks.push({
      status: 'warn',
      what: `branch protection on ${branch} (PRs could merge with failing gates)`,
      fix,
    });
  } else if (observed.protection === undefined) {
    checks.push({ status: 'warn', what: `branch protection on ${branch} could not be read`, fix });
  } else if (!observed.protection.requiredChecks.includes(REQUIRED_CHECK)) {
    checks.push({ status: 'warn', what: `${branch} does not require the ${REQUIRED_CHECK} check`, fix });
  } else {
    checks.push({ status: 'ok', what: `${branch} requires ${REQUIRED_CHECK}`, fix: '' });
  }
  return checks;
}

export interface ContainerEngineFacts {
  readonly cli: string;
  readonly daemonAnswers: boolean;
  /** First line of what `info` printed when it failed. */
  readonly error?: string;
}

function containerEngineCheck(engine: ContainerEngineFacts | undefined): Check {
  if (!engine)
    return {
      status: 'warn',
      what: 'no docker/podman: compose/compose.dev.yml needs one (npm start and npm test do not)',
      fix: 'install Docker or Podman if you want containers locally',
    };
  if (engine.daemonAnswers)
    return {
      status: 'ok',
      what: `container engine: ${engine.cli} (the daemon answers \`${engine.cli} info\`)`,
      fix: '',
    };
  return {
    status: 'warn',
    what: `${engine.cli} is installed but no daemon answers \`${engine.cli} info\`${engine.error ? ` (${engine.error})` : ''}`,
    fix: `start the ${engine.cli} daemon, or point DOCKER_HOST at a running one`,
  };
}

export interface LocalFacts {
  readonly nodeVersion: string;
  readonly npmVersion: string | undefined;
  readonly gitVersion: string | undefined;
  /** The container CLI found (docker, else podman), and whether its daemon answered `info`. */
  readonly containerEngine: ContainerEngineFacts | undefined;
  readonly ghVersion: string | undefined;
}

function atLeast(version: string, major: number, minor: number): boolean {
  const [maj = 0, min = 0] = version.replace(/^v/, '').split('.').map(Number);
  return maj > major || (maj === major && min >= minor);
}

export function evaluateLocal(facts: LocalFacts): Check[] {
  return [
    atLeast(facts.nodeVersion, 20, 19)
      ? { status: 'ok', what: `node ${facts.nodeVersion}`, fix: '' }
      : {
          status: 'missing',
          what: `node ${facts.nodeVersion} is older than 20.19`,
          fix: 'install Node 24 (or ≥ 20.19)',
        },
    facts.npmVersion && atLeast(facts.npmVersion, 10, 0)
      ? { status: 'ok', what: `npm ${facts.npmVersion}`, fix: '' }
      : { status: 'missing', what: 'npm ≥ 10', fix: 'npm install -g npm@11' },
    facts.gitVersion
      ? { status: 'ok', what: `git ${facts.gitVersion}`, fix: '' }
      : { status: 'missing', what: 'git', fix: 'install git' },
    containerEngineCheck(facts.containerEngine),
    facts.ghVersion
      ? { status: 'ok', what: `gh ${facts.ghVersion}`, fix: '' }
      : {
          status: 'warn',
          what: 'gh CLI (the fix commands below use it)',
          fix: 'install https://cli.github.com',
        },
  ];
}

/** `owner/name` from a GitHub remote URL (https or ssh), undefined for other hosts. */
export function repositoryFromRemote(url: string): string | undefined {
  const match = /github\.com[:/]([^/\s]+)\/([^/\s]+?)(?:\.git)?\/?$/.exec(url.trim());
  return match ? `${match[1]}/${match[2]}` : undefined;
}

export function renderChecks(title: string, checks: readonly Check[]): string {
  const mark: Record<CheckStatus, string> = { ok: 'ok     ', missing: 'MISSING', warn: 'warn   ' };
  const lines = [title];
  for (const check of checks) {
    lines.push(`  ${mark[check.status]} ${check.what}`);
    if (check.fix) lines.push(`          fix: ${check.fix}`);
  }
  return lines.join('\n');
}

/** Whether DEPLOY_TARGET is set for the environment (its `-ops` twin follows the deploy environment). */
function targetChosen(observed: ObservedRepository, environmentName: string): boolean {
  const deployEnvironment = environmentName.replace(/-ops$/, '');
  const environment = observed.environments.find((candidate) => candidate.name === deployEnvironment);
  return observed.variables.includes('DEPLOY_TARGET') || !!environment?.variables.includes('DEPLOY_TARGET');
}
