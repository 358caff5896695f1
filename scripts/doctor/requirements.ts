// What a fork needs before CI and deploys work: the single source for `npm run doctor`, for the
// workflows' expectations (test/workflows checks the names appear there) and for docs/getting-started.md
// (a test asserts every name below is documented there).

/** A deployment branch or tag policy of an environment (GitHub's name patterns, e.g. `v*`). */
export interface RefPolicy {
  readonly type: 'branch' | 'tag';
  readonly name: string;
}

export interface EnvironmentRequirement {
  readonly name: string;
  /** Production is gated on a release manager's approval. */
  readonly requiredReviewers: boolean;
  readonly purpose: string;
  /**
   * The only refs whose workflows may use the environment (its secrets): main, where deploy.yml runs,
   * and release tags, where release.yml runs. Any other branch could otherwise read the host's key.
   */
  readonly allowedRefs: readonly RefPolicy[];
}

export interface SettingRequirement {
  readonly name: string;
  readonly kind: 'secret' | 'variable';
  /** Needed in these environments; a repository-level value of the same name also satisfies it. */
  readonly environments: readonly string[];
  readonly required: boolean;
  readonly purpose: string;
  /** Example value or command for the fix text (never a real secret). */
  readonly example: string;
  /**
   * Needed only by the swarm and kubernetes targets (and DEPLOY_TARGET itself: absent means ssh): checked
   * in an environment only where DEPLOY_TARGET is set (the doctor reads names, never values, so it cannot
   * tell which target is chosen; setting the variable is how a team opts in).
   */
  readonly orchestratorTarget?: true;
}

const MAIN_AND_RELEASE_TAGS: readonly RefPolicy[] = [
  { type: 'branch', name: 'main' },
  { type: 'tag', name: 'v*' },
];
const MAIN_ONLY: readonly RefPolicy[] = [{ type: 'branch', name: 'main' }];

export const ENVIRONMENTS: readonly EnvironmentRequirement[] = [
  {
    name: 'staging',
    requiredReviewers: false,
    purpose: 'deployed automatically after a green ci run on main',
    allowedRefs: MAIN_AND_RELEASE_TAGS,
  },
  {
    name: 'production',
    requiredReviewers: true,
    purpose: 'deployed after staging, once a release manager approves',
    allowedRefs: MAIN_AND_RELEASE_TAGS,
  },
  {
    name: 'staging-ops',
    requiredReviewers: false,
    purpose: "status and unlock of staging: the host's secrets, no approval, no Deployment record",
    allowedRefs: MAIN_ONLY,
  },
  {
    name: 'production-ops',
    requiredReviewers: false,
    purpose: "status and unlock of production without waiting for an approval: the host's secrets only",
    allowedRefs: MAIN_ONLY,
  },
];

const BOTH = ['staging', 'production'] as const;
/** Ingestion (ingest.yml) runs in the un-gated ops environments. */
const OPS = ['staging-ops', 'production-ops'] as const;
/** The host's connection settings are also needed by the un-gated ops environments (status, unlock). */
const HOST = ['staging', 'production', 'staging-ops', 'production-ops'] as const;

export const SETTINGS: readonly SettingRequirement[] = [
  {
    name: 'DEPLOY_SSH_KEY',
    kind: 'secret',
    environments: HOST,
    required: true,
    purpose: 'private SSH key (ed25519) of the deploy user on the host',
    example: '< ~/.ssh/slipway_deploy_ed25519',
  },
  {
    name: 'DEPLOY_HOST',
    kind: 'variable',
    environments: HOST,
    required: true,
    purpose: 'hostname or IP the deploy connects to over SSH',
    example: '--body {environment}.example.com',
  },
  {
    name: 'DEPLOY_USER',
    kind: 'variable',
    environments: HOST,
    required: true,
    purpose: 'SSH user on the host (member of the docker group)',
    example: '--body deploy',
  },
  {
    name: 'DEPLOY_KNOWN_HOSTS',
    kind: 'variable',
    environments: HOST,
    required: true,
    purpose: "the host's SSH host key line(s), so the deploy never trusts an unknown host",
    example: '--body "$(ssh-keyscan -t ed25519 {environment}.example.com)"',
  },
  {
    name: 'PUBLIC_URL',
    kind: 'variable',
    environments: BOTH,
    required: true,
    purpose: 'HTTPS URL of the environment: environment link and post-deploy smoke check',
    example: '--body https://{environment}.example.com',
  },
  {
    name: 'DEPLOY_PORT',
    kind: 'variable',
    environments: HOST,
    required: false,
    purpose: 'SSH port (default 22)',
    example: '--body 22',
  },
  {
    name: 'DEPLOY_APP_DIR',
    kind: 'variable',
    environments: HOST,
    required: false,
    purpose: 'directory of the app on the host (default /srv/slipway/<environment>)',
    example: '--body /srv/slipway/{environment}',
  },
  {
    name: 'DEPLOY_WEBHOOK_URL',
    kind: 'secret',
    environments: BOTH,
    required: false,
    purpose: 'JSON webhook (Slack, Teams, …) told about every deploy; the job summary is always written',
    example: '--body https://hooks.slack.com/services/…',
  },
  {
    name: 'SLIPWAY_URL',
    kind: 'variable',
    environments: OPS,
    required: false,
    purpose: 'URL of the service the ingest workflow sends documents to (unset: ingestion is skipped)',
    example: '--body https://{environment}.example.com',
  },
  {
    name: 'SLIPWAY_INGEST_KEY',
    kind: 'secret',
    environments: OPS,
    required: false,
    purpose:
      'API key with the ingest scope only, for the ingest workflow (npm run keys -- create --scopes ingest)',
    example: '--body slw_…',
  },
  {
    name: 'DEPLOY_TARGET',
    kind: 'variable',
    environments: BOTH,
    required: false,
    orchestratorTarget: true,
    purpose: 'where the environment runs: ssh (default, one host), swarm or kubernetes (docs/scaling.md)',
    example: '--body ssh',
  },
  {
    name: 'DATABASE_URL',
    kind: 'secret',
    environments: BOTH,
    required: false,
    orchestratorTarget: true,
    purpose:
      'targets swarm and kubernetes: Postgres URL, stored as a Docker/Kubernetes secret the pods read as a file',
    example: '--body postgres://slipway:…@db.example.com:5432/slipway',
  },
  {
    name: 'REDIS_URL',
    kind: 'secret',
    environments: BOTH,
    required: false,
    orchestratorTarget: true,
    purpose: 'targets swarm and kubernetes: Redis URL with its password',
    example: '--body redis://:…@redis.example.com:6379',
  },
  {
    name: 'API_KEY_PEPPER',
    kind: 'secret',
    environments: BOTH,
    required: false,
    orchestratorTarget: true,
    purpose:
      'targets swarm and kubernetes: the pepper API keys are hashed with (keep it: changing it revokes every key)',
    example: '--body "$(openssl rand -hex 32)"',
  },
  {
    name: 'CHROMA_URL',
    kind: 'variable',
    environments: BOTH,
    required: false,
    orchestratorTarget: true,
    purpose: 'target swarm: the Chroma server the tasks use (kubernetes: set in the overlay)',
    example: '--body http://data-host.internal:8000',
  },
  {
    name: 'SWARM_HTTP_PORT',
    kind: 'variable',
    environments: BOTH,
    required: false,
    orchestratorTarget: true,
    purpose: 'target swarm: the port nginx publishes on every node (default 80)',
    example: '--body 80',
  },
  {
    name: 'KUBE_CONFIG',
    kind: 'secret',
    environments: HOST,
    required: false,
    orchestratorTarget: true,
    purpose:
      "target kubernetes: kubeconfig of a service account allowed to deploy in the environment's namespace",
    example: '< slipway-{environment}.kubeconfig',
  },
];
