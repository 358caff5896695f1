// command=deploy, under the lock: pull -> migrate (new image, nothing swapped yet) -> start the idle
// colour -> health gate -> switch -> verify (switch back on failure) -> drain the old colour -> record.
import { healthGate, verifyThroughNginx } from '../deploy-gates.js';
import type { DeploySession } from '../deploy-session.js';
import { afterDeploy, idleColor, type DeployState } from '../deploy-state.js';
import { hostCommands as cmd } from '../host-commands.js';
import { drainAndStop, switchTo } from '../switch-traffic.js';

async function pullImage(session: DeploySession): Promise<string> {
  const { host, inputs, logger } = session;
  const present = await host.run(cmd.imageId(inputs.image), { allowFailure: true, quiet: true });
  if (present.code === 0) {
    logger.info(`${inputs.image} is already on the host`);
    return present.stdout.trim();
  }
  await host.run(cmd.pull(inputs.image));
  return (await host.run(cmd.imageId(inputs.image), { quiet: true })).stdout.trim();
}

async function migrate(session: DeploySession): Promise<void> {
  const { host, inputs, layout } = session;
  await host.run(cmd.removeContainer(layout.migrateContainerName), { allowFailure: true, quiet: true });
  const result = await host.run(cmd.migrate(layout, inputs.image), { allowFailure: true });
  await host.run(cmd.removeContainer(layout.migrateContainerName), { allowFailure: true, quiet: true });
  if (result.code !== 0) {
    const output = `${result.stdout}${result.stderr}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(
      `migrations failed with the new image (exit ${result.code}); nothing was swapped.\n${output}`,
    );
  }
}

export async function deploy(session: DeploySession, state: DeployState): Promise<void> {
  const { host, inputs, layout, logger, outcome } = session;
  const color = idleColor(state);
  const previous = state.active;
  outcome.previousColor = previous;
  const imageId = await session.step('pull', () => pullImage(session));
  outcome.imageId = imageId;
  await session.step('migrate', () => migrate(session));
  await session.step('start', async () => {
    await Promise.all([
      host.run(cmd.removeContainer(layout.containerName(color)), { allowFailure: true, quiet: true }),
      host.run(cmd.prepareSocketDir(layout, color)),
    ]);
    await host.run(cmd.runColor({ layout, environment: inputs.environment, color, image: inputs.image }));
  });
  const identity = await healthGate(session, color, true);
  await session.step('switch', () => switchTo(session, color));
  try {
    await session.step('verify', () => verifyThroughNginx(session, identity, color));
  } catch (error) {
    if (previous) {
      logger.error(`verify failed; switching back to ${previous}`);
      await switchTo(session, previous);
    }
    await session.printLogs(layout.containerName(color));
    await host.run(cmd.stopContainer(layout.containerName(color), 10), { allowFailure: true });
    throw error;
  }
  outcome.color = color;
  await drainAndStop(session, previous);
  await session.step('record', async () => {
    const slot = { image: inputs.image, imageId, identity, deployedAt: session.now().toISOString() };
    await session.writeState(afterDeploy(state, color, slot, session.now()));
  });
}
