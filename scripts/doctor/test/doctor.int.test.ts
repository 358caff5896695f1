// The doctor against a local HTTP server that answers GitHub's REST API for secrets, variables,
// environments and their deployment branch policies (names only, as GitHub does).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateRepository } from '../evaluate-readiness.js';
import { GitHubApiError, readRepositorySettings } from '../read-github-settings.js';
import { ENVIRONMENTS, SETTINGS } from '../requirements.js';

interface FakeEnvironment {
  reviewers: boolean;
  secrets: string[];
  variables: string[];
  /** GitHub's deployment_branch_policy: absent = any branch; 'protected'; or custom branch/tag policies. */
  refs?: 'protected' | { name: string; type: 'branch' | 'tag' }[];
}
interface FakeRepository {
  requiredChecks?: string[];
  secrets: string[];
  variables: string[];
  environments: Record<string, FakeEnvironment>;
}

const TOKEN = 'test-token';
const repositories = new Map<string, FakeRepository>();
const requests: string[] = [];

function page(names: string[], url: URL, key: string) {
  const perPage = Number(url.searchParams.get('per_page') ?? 30);
  const number = Number(url.searchParams.get('page') ?? 1);
  const items = names.slice((number - 1) * perPage, number * perPage).map((name) => ({
    name,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
  }));
  return { total_count: names.length, [key]: items };
}

function answer(request: IncomingMessage, response: ServerResponse) {
  const url = new URL(request.url ?? '/', 'http://localhost');
  requests.push(`${request.method} ${url.pathname}`);
  const send = (status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  if (request.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { message: 'Bad credentials' });
  if (request.method !== 'GET') return send(405, { message: 'read-only fake' });
  const match = /^\/repos\/([^/]+\/[^/]+)(\/.*)?$/.exec(url.pathname);
  const repository = match ? repositories.get(match[1] ?? '') : undefined;
  if (!match || !repository) return send(404, { message: 'Not Found' });
  if (match[1] === 'acme/locked') return send(403, { message: 'Resource not accessible by integration' });
  const rest = match[2] ?? '';
  if (rest === '') return send(200, { full_name: match[1], default_branch: 'main' });
  if (rest === '/branches/main/protection') {
    if (repository.requiredChecks === undefined) return send(404, { message: 'Branch not protected' });
    return send(200, { required_status_checks: { strict: true, contexts: repository.requiredChecks } });
  }
  if (rest === '/actions/secrets') return send(200, page(repository.secrets, url, 'secrets'));
  if (rest === '/actions/variables') return send(200, page(repository.variables, url, 'variables'));
  if (rest === '/environments') {
    return send(200, {
      total_count: Object.keys(repository.environments).length,
      environments: Object.entries(repository.environments).map(([name, environment], id) => ({
        id,
        name,
        protection_rules: [
          ...(environment.reviewers ? [{ id, type: 'required_reviewers', reviewers: [] }] : []),
          ...(environment.refs ? [{ id: id + 100, type: 'branch_policy' }] : []),
        ],
        deployment_branch_policy:
          environment.refs === undefined
            ? null
            : {
                protected_branches: environment.refs === 'protected',
                custom_branch_policies: environment.refs !== 'protected',
              },
      })),
    });
  }
  const policiesMatch = /^\/environments\/([^/]+)\/deployment-branch-policies$/.exec(rest);
  const withPolicies = policiesMatch
    ? repository.environments[decodeURIComponent(policiesMatch[1] ?? '')]
    : undefined;
  if (policiesMatch) {
    // GitHub answers 404 when the environment has no custom policies enabled.
    if (!withPolicies || !Array.isArray(withPolicies.refs)) return send(404, { message: 'Not Found' });
    return send(200, {
      total_count: withPolicies.refs.length,
      branch_policies: withPolicies.refs.map((ref, id) => ({ id, node_id: `BP_${id}`, ...ref })),
    });
  }
  const environmentMatch = /^\/environments\/([^/]+)\/(secrets|variables)$/.exec(rest);
  const environment = environmentMatch
    ? repository.environments[decodeURIComponent(environmentMatch[1] ?? '')]
    : undefined;
  if (environmentMatch && environment) {
    const key = environmentMatch[2] as 'secrets' | 'variables';
    return send(200, page(environment[key], url, key));
  }
  return send(404, { message: 'Not Found' });
}

const REQUIRED_SECRETS = SETTINGS.filter((setting) => setting.kind === 'secret' && setting.required).map(
  (s) => s.name,
);
const REQUIRED_VARIABLES = SETTINGS.filter((setting) => setting.kind === 'variable' && setting.required).map(
  (setting) => setting.name,
);
const OPTIONAL = SETTINGS.filter((setting) => !setting.required && !setting.orchestratorTarget).map(
  (setting) => setting.name,
);

let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const mainAndTags = [
    { name: 'main', type: 'branch' as const },
    { name: 'v*', type: 'tag' as const },
  ];
  const full = (reviewers: boolean, refs: FakeEnvironment['refs'] = mainAndTags): FakeEnvironment => ({
    reviewers,
    secrets: [...REQUIRED_SECRETS, 'DEPLOY_WEBHOOK_URL', 'SLIPWAY_INGEST_KEY'],
    variables: [...REQUIRED_VARIABLES, 'DEPLOY_PORT', 'DEPLOY_APP_DIR', 'SLIPWAY_URL'],
    refs,
  });
  const mainOnly = [{ name: 'main', type: 'branch' as const }];
  repositories.set('acme/ready', {
    requiredChecks: ['all-green'],
    secrets: [],
    variables: [],
    environments: {
      staging: full(false),
      production: full(true),
      'staging-ops': full(false, mainOnly),
      'production-ops': full(false, mainOnly),
    },
  });
  // Every environment exists and is filled in, but branch policies are absent, too narrow or too wide.
  repositories.set('acme/open', {
    requiredChecks: ['all-green'],
    secrets: [],
    variables: [],
    environments: {
      staging: full(false, 'protected'),
      production: { ...full(true), refs: undefined },
      'staging-ops': full(false, [...mainOnly, { name: 'feature/*', type: 'branch' }]),
      'production-ops': full(false, mainOnly),
    },
  });
  // The ssh settings are complete; DEPLOY_TARGET (repository level) opts into the swarm/kubernetes names.
  repositories.set('acme/orchestrated', {
    requiredChecks: ['all-green'],
    secrets: ['DATABASE_URL'],
    variables: ['DEPLOY_TARGET'],
    environments: {
      staging: full(false),
      production: full(true),
      'staging-ops': full(false, mainOnly),
      'production-ops': full(false, mainOnly),
    },
  });
  repositories.set('acme/fresh', { secrets: ['DEPLOY_SSH_KEY'], variables: [], environments: {} });
  repositories.set('acme/half', {
    // Repository-level values satisfy every environment; 40 unrelated variables exercise pagination.
    secrets: ['DEPLOY_SSH_KEY'],
    variables: [...Array.from({ length: 40 }, (_, index) => `OTHER_${index}`), 'DEPLOY_USER'],
    environments: {
      staging: {
        reviewers: false,
        secrets: [],
        variables: ['DEPLOY_HOST', 'DEPLOY_KNOWN_HOSTS', 'PUBLIC_URL'],
        refs: mainAndTags,
      },
      production: {
        reviewers: false,
        secrets: [],
        variables: ['DEPLOY_HOST', 'PUBLIC_URL'],
        refs: mainAndTags,
      },
      'staging-ops': {
        reviewers: false,
        secrets: [],
        variables: ['DEPLOY_HOST', 'DEPLOY_KNOWN_HOSTS'],
        refs: mainOnly,
      },
      'production-ops': {
        reviewers: false,
        secrets: [],
        variables: ['DEPLOY_HOST', 'DEPLOY_KNOWN_HOSTS'],
        refs: mainOnly,
      },
    },
  });
  repositories.set('acme/locked', { secrets: [], variables: [], environments: {} });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const api = () => ({ baseUrl, token: TOKEN });
const statusOf = (checks: ReturnType<typeof evaluateRepository>, status: string) =>
  checks.filter((check) => check.status === status);

describe('doctor against a GitHub REST API', () => {
  it('a fully configured fork is ready: every check ok', async () => {
    const checks = evaluateRepository(await readRepositorySettings(api(), 'acme/ready'));
    expect(statusOf(checks, 'missing')).toEqual([]);
    expect(statusOf(checks, 'warn')).toEqual([]);
    // Settings only the swarm and kubernetes targets need are checked where DEPLOY_TARGET is set: not here.
    const settingChecks = SETTINGS.filter((setting) => !setting.orchestratorTarget).reduce(
      (sum, setting) => sum + setting.environments.length,
      0,
    );
    // Per environment: it exists, and its branch policy; per setting and environment; branch protection.
    expect(checks.length).toBe(ENVIRONMENTS.length * 2 + settingChecks + 1);
    expect(checks.filter((check) => check.what.includes('deploys only from')).map((c) => c.what)).toEqual([
      'environment staging deploys only from branch main, tag v*',
      'environment production deploys only from branch main, tag v*',
      'environment staging-ops deploys only from branch main',
      'environment production-ops deploys only from branch main',
    ]);
    expect(checks.at(-1)?.what).toBe('main requires all-green');
  });

  it('environment branch policies: any branch, protected branches only (no release tags) and extra branches are reported', async () => {
    const checks = evaluateRepository(await readRepositorySettings(api(), 'acme/open'));
    const about = (name: string) =>
      checks.filter((check) => check.what.startsWith(`environment ${name} `)).map((c) => [c.status, c.what]);
    expect(about('staging')).toEqual([
      ['missing', 'environment staging does not allow tag v*: those deploys would be refused'],
    ]);
    expect(about('production')).toEqual([
      [
        'missing',
        'environment production can be used from any branch (its secrets too); allow only branch main, tag v*',
      ],
    ]);
    expect(about('staging-ops')).toEqual([
      ['warn', 'environment staging-ops also allows branch feature/* (only branch main deploy)'],
    ]);
    expect(about('production-ops')).toEqual([
      ['ok', 'environment production-ops deploys only from branch main'],
    ]);
    const fix = checks.find((check) => check.what.startsWith('environment production can be used'))?.fix;
    expect(fix).toContain(
      "gh api -X POST repos/acme/open/environments/production/deployment-branch-policies -f name='v*' -f type=tag",
    );
  });

  it('with DEPLOY_TARGET set, the swarm and kubernetes settings are checked too', async () => {
    const checks = evaluateRepository(await readRepositorySettings(api(), 'acme/orchestrated'));
    expect(statusOf(checks, 'missing')).toEqual([]);
    const warned = statusOf(checks, 'warn').map((check) => check.what.split(' (')[0]);
    expect(warned).toContain('optional secret KUBE_CONFIG for production-ops');
    expect(warned).toContain('optional variable CHROMA_URL for staging');
    expect(warned).not.toContain('optional secret DATABASE_URL for staging');
    const ok = statusOf(checks, 'ok').map((check) => check.what.split(' (')[0]);
    expect(ok).toEqual(
      expect.arrayContaining(['secret DATABASE_URL for staging', 'variable DEPLOY_TARGET for production']),
    );
  });

  it('a fresh fork: every environment and every required name per environment are missing, with fixes', async () => {
    const checks = evaluateRepository(await readRepositorySettings(api(), 'acme/fresh'));
    const missing = statusOf(checks, 'missing').map((check) => check.what.split(' (')[0]);
    expect(missing).toEqual([
      ...ENVIRONMENTS.map((environment) => `environment ${environment.name}`),
      ...REQUIRED_VARIABLES.flatMap((name) =>
        (SETTINGS.find((setting) => setting.name === name)?.environments ?? []).map(
          (environment) => `variable ${name} for ${environment}`,
        ),
      ),
    ]);
    // The repository-level secret counts for both environments.
    expect(
      checks.filter((check) => check.what.startsWith('secret DEPLOY_SSH_KEY')).map((c) => c.status),
    ).toEqual(['ok', 'ok', 'ok', 'ok']);
    const fixes = statusOf(checks, 'missing').map((check) => check.fix);
    expect(fixes).toContain('gh api -X PUT repos/acme/fresh/environments/staging');
    expect(fixes).toContain(
      'gh variable set DEPLOY_HOST --repo acme/fresh --env production --body production.example.com',
    );
    // The ops environment reaches the same host as the environment it operates on.
    expect(fixes).toContain(
      'gh variable set DEPLOY_HOST --repo acme/fresh --env production-ops --body production.example.com',
    );
    expect(statusOf(checks, 'warn').map((check) => check.what)).toEqual(
      expect.arrayContaining(OPTIONAL.map((name) => expect.stringContaining(name))),
    );
  });

  it('half configured: reads every page, names exactly what is missing, warns on production without reviewers', async () => {
    const checks = evaluateRepository(await readRepositorySettings(api(), 'acme/half'));
    expect(statusOf(checks, 'missing').map((check) => check.what.split(' (')[0])).toEqual([
      'variable DEPLOY_KNOWN_HOSTS for production',
    ]);
    const warnings = statusOf(checks, 'warn');
    expect(warnings.map((check) => check.what)).toContainEqual(
      expect.stringContaining('environment production has no required reviewers'),
    );
    const protection = warnings.find((check) => check.what.startsWith('branch protection on main'));
    expect(protection?.fix).toContain('gh api -X PUT repos/acme/half/branches/main/protection --input -');
    expect(protection?.fix).toContain('"context": "all-green"');
  });

  it('reports a token without access as an error naming the scopes it needs', async () => {
    await expect(readRepositorySettings(api(), 'acme/locked')).rejects.toThrow(GitHubApiError);
    await expect(readRepositorySettings(api(), 'acme/locked')).rejects.toThrow(/needs admin/);
    await expect(readRepositorySettings({ baseUrl, token: 'wrong' }, 'acme/ready')).rejects.toThrow(
      /invalid/,
    );
  });

  it('only ever reads: every request is a GET of a list endpoint (names, never values)', () => {
    expect(requests.length).toBeGreaterThan(0);
    for (const request of requests) {
      expect(request).toMatch(
        /^GET \/repos\/[^/]+\/[^/]+(\/actions\/(secrets|variables)|\/environments(\/[^/]+\/(secrets|variables|deployment-branch-policies))?|\/branches\/main\/protection)?$/,
      );
    }
  });

  it('npm run doctor prints what is missing and exits 1', async () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
    const result = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/doctor/main.ts', '--repo', 'acme/half'],
        { cwd: root, env: { ...process.env, GITHUB_API_URL: baseUrl, GITHUB_TOKEN: TOKEN, GH_TOKEN: '' } },
        (error, stdout) => resolve({ code: error ? Number(error.code) : 0, stdout }),
      );
    });
    expect(result.stdout).toContain('Local prerequisites');
    expect(result.stdout).toContain('MISSING variable DEPLOY_KNOWN_HOSTS for production');
    expect(result.stdout).toContain(
      'fix: gh variable set DEPLOY_KNOWN_HOSTS --repo acme/half --env production',
    );
    expect(result.code).toBe(1);
  }, 60_000);
});
