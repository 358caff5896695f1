// command=deploy, under the lock: pull -> migrate (new image, nothing swapped yet) -> start the idle
// colour -> health gate -> switch -> verify (switch back on failure) -> keep the old colour running for the
// rollback window (or drain and stop it when windows are off) -> record.
import type { HostUser } from '../host-layout.js';
import { healthGate, verifyThroughNginx } from '../deploy-gates.js';
import type { DeploySession } from '../deploy-session.js';
import { afterDeploy, idleColor, rollbackWindow, type DeployState } from '../deploy-state.js';
import { hostCommands as cmd } from '../host-commands.js';
import { drainAndStop, keepForRollback, switchTo } from '../switch-traffic.js';

function hostUserOf(session: DeploySession): HostUser {
  if (!session.hostUser) throw new Error('the host user is unknown (preflight did not run)');
  return session.hostUser;
}

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
  const result = await host.run(cmd.migrate(layout, inputs.image, hostUserOf(session)), {
    allowFailure: true,
  });
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
    const name = layout.containerName(color);
    // The idle colour may still be running for the last deploy's rollback window: this deploy ends it,
    // gracefully (it is drained already: nginx's keepalive_time moved its connections to the active one).
    if (state.window?.color === color && (await session.containerStatus(name)) === 'running') {
      logger.info(`ending the rollback window of ${color}`);
      await host.run(cmd.stopContainer(name, 30), { allowFailure: true });
    }
    await Promise.all([
      host.run(cmd.removeContainer(name), { allowFailure: true, quiet: true }),
      host.run(cmd.prepareSocketDir(layout, color)),
    ]);
    const user = hostUserOf(session);
    await host.run(
      cmd.runColor({ layout, environment: inputs.environment, color, image: inputs.image, user }),
    );
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
  const wanted = rollbackWindow(previous, inputs.rollbackWindowSeconds, session.now());
  const window = wanted ? await keepForRollback(session, wanted) : null;
  if (!window) await drainAndStop(session, previous);
  await session.step('record', async () => {
    const slot = { image: inputs.image, imageId, identity, deployedAt: session.now().toISOString() };
    await session.writeState(afterDeploy(state, color, slot, window, session.now()));
  });
}
