// command=rollback, under the lock: start the retained previous colour -> health gate -> switch ->
// verify (switch back on failure) -> drain the colour that was active -> record.
import { healthGate, verifyThroughNginx } from '../deploy-gates.js';
import { StepError, type DeploySession } from '../deploy-session.js';
import { afterRollback, rollbackTarget, type DeployState } from '../deploy-state.js';
import { hostCommands as cmd } from '../host-commands.js';
import { drainAndStop, switchTo } from '../switch-traffic.js';

export async function rollback(session: DeploySession, state: DeployState): Promise<void> {
  const { host, layout, logger, outcome } = session;
  const target = rollbackTarget(state);
  if ('error' in target) throw new StepError('rollback', target.error);
  outcome.previousColor = target.from;
  outcome.image = target.slot.image;
  outcome.imageId = target.slot.imageId;
  const name = layout.containerName(target.to);
  await session.step('start', async () => {
    const status = await session.containerStatus(name);
    if (status === null) {
      throw new Error(`the retained container ${name} is gone; redeploy ${target.slot.image} instead`);
    }
    if (status !== 'running') await host.run(cmd.startContainer(name));
  });
  const identity = await healthGate(session, target.to, false);
  await session.step('switch', () => switchTo(session, target.to));
  try {
    await session.step('verify', () =>
      verifyThroughNginx(session, identity ?? target.slot.identity, target.to),
    );
  } catch (error) {
    logger.error(`verify failed; switching back to ${target.from}`);
    await switchTo(session, target.from);
    throw error;
  }
  outcome.color = target.to;
  await drainAndStop(session, target.from);
  await session.step('record', () => session.writeState(afterRollback(state, target, session.now())));
}
