// GitHub Deployments for the run: one deployment per deploy/rollback, statuses in_progress → success |
// failure with the environment URL and a link to the run's log. Failures to talk to GitHub are warnings:
// the deploy itself must not depend on the API being up.
import { Octokit } from '@octokit/rest';

export interface DeploymentTarget {
  token: string;
  apiUrl: string;
  repository: string;
  ref: string;
  environment: string;
  environmentUrl: string;
  logUrl: string;
  description: string;
}

export type DeploymentState = 'in_progress' | 'success' | 'failure';

export interface DeploymentRecorder {
  id: number;
  post(state: DeploymentState, description: string): Promise<void>;
}

export async function createDeployment(target: DeploymentTarget): Promise<DeploymentRecorder> {
  const [owner, repo] = target.repository.split('/');
  if (!owner || !repo) throw new Error(`GITHUB_REPOSITORY must be owner/name (got "${target.repository}")`);
  const octokit = new Octokit({ auth: target.token, baseUrl: target.apiUrl, userAgent: 'slipway-deploy' });
  const created = await octokit.rest.repos.createDeployment({
    owner,
    repo,
    ref: target.ref,
    environment: target.environment,
    description: target.description.slice(0, 140),
    auto_merge: false,
    required_contexts: [],
    transient_environment: false,
    production_environment: target.environment === 'production',
  });
  if (!('id' in created.data))
    throw new Error(`GitHub did not create a deployment: ${JSON.stringify(created.data)}`);
  const id = created.data.id;
  return {
    id,
    async post(state, description) {
      await octokit.rest.repos.createDeploymentStatus({
        owner,
        repo,
        deployment_id: id,
        state,
        description: description.slice(0, 140),
        environment: target.environment,
        environment_url: target.environmentUrl,
        log_url: target.logUrl,
        auto_inactive: true,
      });
    },
  };
}
