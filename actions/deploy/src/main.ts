// The action's run(): reads inputs, connects over SSH with the pinned host key, runs the command,
// records a GitHub Deployment when a token is given, writes outputs and the job summary.
import * as core from '@actions/core';
import { deployInputNames, parseDeployInputs, type RawInputs } from './deploy-inputs.js';
import { renderDeploySummary, type DeployOutcome } from './deploy-report.js';
import { createDeployment, type DeploymentRecorder } from './github-deployments.js';
import { runCommand, type DeployLogger } from './run-deploy.js';
import { connectSsh } from './ssh-host.js';

const logger: DeployLogger = {
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  error: (message) => core.error(message),
  group: (name, fn) => core.group(name, fn),
};

function writeOutputs(outcome: DeployOutcome): void {
  core.setOutput('color', outcome.color ?? '');
  core.setOutput('previous-color', outcome.previousColor ?? '');
  core.setOutput('image', outcome.image);
  core.setOutput('duration-seconds', outcome.durationSeconds.toFixed(1));
  core.setOutput('url', outcome.url);
}

export async function run(): Promise<void> {
  try {
    const raw: RawInputs = {};
    for (const name of deployInputNames) raw[name] = core.getInput(name);
    const inputs = parseDeployInputs(raw);
    core.setSecret(inputs.sshKey);
    if (inputs.githubToken) core.setSecret(inputs.githubToken);

    const serverUrl = process.env.GITHUB_SERVER_URL ?? 'https://github.com';
    const repository = process.env.GITHUB_REPOSITORY ?? '';
    const runUrl = process.env.GITHUB_RUN_ID
      ? `${serverUrl}/${repository}/actions/runs/${process.env.GITHUB_RUN_ID}`
      : '';
    const actor = process.env.GITHUB_ACTOR ?? process.env.USER ?? 'unknown';

    let deployment: DeploymentRecorder | null = null;
    if (inputs.githubToken && (inputs.command === 'deploy' || inputs.command === 'rollback')) {
      try {
        deployment = await createDeployment({
          token: inputs.githubToken,
          apiUrl: process.env.GITHUB_API_URL ?? 'https://api.github.com',
          repository,
          ref: process.env.GITHUB_SHA ?? process.env.GITHUB_REF ?? 'main',
          environment: inputs.environment,
          environmentUrl: inputs.url,
          logUrl: runUrl,
          description: `${inputs.command} ${inputs.image || ''}`.trim(),
        });
        await deployment.post('in_progress', `${inputs.command} started`);
      } catch (error) {
        core.warning(`could not create a GitHub deployment: ${(error as Error).message}`);
        deployment = null;
      }
    }

    const host = await core
      .group('connect', async () => {
        const connected = await connectSsh({
          host: inputs.host,
          port: inputs.port,
          user: inputs.user,
          privateKey: inputs.sshKey,
          knownHosts: inputs.knownHosts,
          log: (line) => core.info(line),
        });
        core.info(`connected to ${inputs.user}@${inputs.host}:${inputs.port} (host key pinned)`);
        return connected;
      })
      .catch(async (error: Error) => {
        await deployment?.post('failure', `could not connect: ${error.message}`).catch(() => undefined);
        throw error;
      });

    let outcome: DeployOutcome;
    try {
      outcome = await runCommand(host, inputs, logger, { actor, runUrl });
    } finally {
      host.close();
    }

    if (deployment) {
      const description = outcome.ok
        ? `${outcome.color} serves ${outcome.image}`
        : `failed at ${outcome.failedStep}: ${outcome.error ?? ''}`;
      await deployment
        .post(outcome.ok ? 'success' : 'failure', description)
        .catch((error: Error) => core.warning(`could not post the deployment status: ${error.message}`));
    }
    writeOutputs(outcome);
    await core.summary.addRaw(renderDeploySummary(outcome)).write();
    if (!outcome.ok)
      core.setFailed(`${outcome.command} failed at ${outcome.failedStep}: ${outcome.error ?? ''}`);
  } catch (error) {
    core.setFailed((error as Error).message);
  }
}
