// Thin adapter: reads the names (never values) of a repository's Actions secrets, variables and
// environments, and the environments' deployment branch policies, through GitHub's REST API.
import type { ObservedBranchPolicy, ObservedRepository } from './evaluate-readiness.js';
import type { RefPolicy } from './requirements.js';

export interface GitHubApi {
  readonly baseUrl: string;
  readonly token: string;
}

export class GitHubApiError extends Error {
  constructor(
    readonly status: number,
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

async function getJson(api: GitHubApi, path: string): Promise<unknown> {
  const response = await fetch(`${api.baseUrl.replace(/\/$/, '')}${path}`, {
    headers: {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${api.token}`,
      'x-github-api-version': '2022-11-28',
      'user-agent': 'slipway-doctor',
    },
    signal: AbortSignal.timeout(15_000),
  });
  if (!response.ok) {
    const hint =
      response.status === 401
        ? 'the token is invalid or expired'
        : response.status === 403
          ? 'the token lacks access: it needs admin on the repository (classic: repo scope; fine-grained: ' +
            'Administration, Secrets, Variables and Environments read)'
          : response.status === 404
            ? 'not found (or the token cannot see it)'
            : `HTTP ${response.status}`;
    throw new GitHubApiError(response.status, path, `GET ${path}: ${hint}`);
  }
  return response.json();
}

/** All names of a paginated list endpoint (`{ total_count, <key>: [{ name }] }`). */
async function listNames(api: GitHubApi, path: string, key: string): Promise<string[]> {
  const names: string[] = [];
  const perPage = 30;
  for (let page = 1; page <= 50; page++) {
    const body = (await getJson(api, `${path}?per_page=${perPage}&page=${page}`)) as Record<string, unknown>;
    const items = Array.isArray(body[key]) ? (body[key] as { name?: unknown }[]) : [];
    names.push(...items.map((item) => String(item.name)));
    const total = typeof body.total_count === 'number' ? body.total_count : names.length;
    if (items.length < perPage || names.length >= total) break;
  }
  return names;
}

interface ListedEnvironment {
  name: string;
  protection_rules?: { type: string }[];
  deployment_branch_policy?: { protected_branches: boolean; custom_branch_policies: boolean } | null;
}

/** The environment's deployment branch policy; custom policies are read from their own endpoint. */
async function readBranchPolicy(
  api: GitHubApi,
  path: string,
  environment: ListedEnvironment,
): Promise<ObservedBranchPolicy> {
  const policy = environment.deployment_branch_policy;
  if (!policy) return null;
  if (policy.protected_branches) return 'protected';
  const refs: RefPolicy[] = [];
  for (let page = 1; page <= 10; page++) {
    const body = (await getJson(api, `${path}/deployment-branch-policies?per_page=100&page=${page}`)) as {
      total_count?: number;
      branch_policies?: { name?: string; type?: string }[];
    };
    const items = body.branch_policies ?? [];
    refs.push(
      ...items.map((item) => ({
        type: item.type === 'tag' ? ('tag' as const) : ('branch' as const),
        name: String(item.name),
      })),
    );
    if (items.length < 100 || refs.length >= (body.total_count ?? refs.length)) break;
  }
  return refs;
}

export async function readRepositorySettings(
  api: GitHubApi,
  repository: string,
): Promise<ObservedRepository> {
  const base = `/repos/${repository}`;
  const repo = (await getJson(api, base)) as { default_branch?: string };
  const defaultBranch = repo.default_branch ?? 'main';
  const [secrets, variables] = await Promise.all([
    listNames(api, `${base}/actions/secrets`, 'secrets'),
    listNames(api, `${base}/actions/variables`, 'variables'),
  ]);
  const listed = (await getJson(api, `${base}/environments?per_page=100`)) as {
    environments?: ListedEnvironment[];
  };
  const environments = await Promise.all(
    (listed.environments ?? []).map(async (environment) => {
      const path = `${base}/environments/${encodeURIComponent(environment.name)}`;
      const [environmentSecrets, environmentVariables, branchPolicy] = await Promise.all([
        listNames(api, `${path}/secrets`, 'secrets'),
        listNames(api, `${path}/variables`, 'variables'),
        readBranchPolicy(api, path, environment),
      ]);
      return {
        name: environment.name,
        requiredReviewers: (environment.protection_rules ?? []).some(
          (rule) => rule.type === 'required_reviewers',
        ),
        secrets: environmentSecrets,
        variables: environmentVariables,
        branchPolicy,
      };
    }),
  );
  let protection: ObservedRepository['protection'];
  try {
    const body = (await getJson(api, `${base}/branches/${encodeURIComponent(defaultBranch)}/protection`)) as {
      required_status_checks?: { contexts?: string[]; checks?: { context: string }[] };
    };
    const required = body.required_status_checks;
    protection = {
      requiredChecks: [
        ...(required?.contexts ?? []),
        ...(required?.checks ?? []).map((check) => check.context),
      ],
    };
  } catch (error) {
    // 404 "Branch not protected"; any other failure leaves protection unknown rather than failing the doctor.
    protection = error instanceof GitHubApiError && error.status === 404 ? null : undefined;
  }
  return { repository, defaultBranch, secrets, variables, environments, protection };
}
