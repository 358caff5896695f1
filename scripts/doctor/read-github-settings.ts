// Thin adapter: reads the names (never values) of a repository's Actions secrets, variables and
// environments through GitHub's REST API.
import type { ObservedRepository } from './evaluate-readiness.js';

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
    environments?: { name: string; protection_rules?: { type: string }[] }[];
  };
  const environments = await Promise.all(
    (listed.environments ?? []).map(async (environment) => {
      const path = `${base}/environments/${encodeURIComponent(environment.name)}`;
      const [environmentSecrets, environmentVariables] = await Promise.all([
        listNames(api, `${path}/secrets`, 'secrets'),
        listNames(api, `${path}/variables`, 'variables'),
      ]);
      return {
        name: environment.name,
        requiredReviewers: (environment.protection_rules ?? []).some(
          (rule) => rule.type === 'required_reviewers',
        ),
        secrets: environmentSecrets,
        variables: environmentVariables,
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
