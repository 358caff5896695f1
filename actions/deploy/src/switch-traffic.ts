// Moving traffic between colours: the atomic active.sock swap, and draining + stopping the old colour.
import { randomBytes } from 'node:crypto';
import type { DeploySession } from './deploy-session.js';
import { hostCommands as cmd } from './host-commands.js';
import type { RollbackWindow } from './deploy-state.js';
import type { Color } from './host-layout.js';

/**
 * A fresh symlink beside active.sock, then rename(2) over it: every new upstream connection nginx opens
 * sees the old target or the new one, never a missing path. No nginx reload.
 */
export async function switchTo(session: DeploySession, color: Color): Promise<void> {
  const { host, layout, logger } = session;
  const candidate = `${layout.activeSocket}.next-${randomBytes(4).toString('hex')}`;
  await host.symlink(layout.activeTarget(color), candidate);
  await host.rename(candidate, layout.activeSocket);
  logger.info(`active.sock -> ${layout.activeTarget(color)}`);
}

/**
 * The rollback window: the old colour keeps running. It drains by itself: nginx closes every upstream
 * connection after its keepalive_time (nginx/slipway.conf), and new ones follow active.sock to the new
 * colour. Only a colour that is still running is kept (a stopped one gets no window).
 */
export function keepForRollback(
  session: DeploySession,
  window: RollbackWindow,
): Promise<RollbackWindow | null> {
  const { layout, logger, outcome } = session;
  return session.step('keep', async () => {
    const status = await session.containerStatus(layout.containerName(window.color));
    if (status !== 'running') {
      logger.info(`${window.color} is ${status ?? 'absent'}: no rollback window`);
      return null;
    }
    logger.info(`${window.color} keeps running, idle, for a fast rollback until ${window.until}`);
    outcome.notes.push(`rollback window: ${window.color} runs until ${window.until}`);
    return window;
  });
}

/** Waits drain-seconds, then stops (not removes) the old colour, which is kept for rollback. */
export function drainAndStop(session: DeploySession, color: Color | null): Promise<void> {
  const { host, inputs, layout, logger } = session;
  return session.step('drain', async () => {
    if (!color) return;
    const name = layout.containerName(color);
    if ((await session.containerStatus(name)) !== 'running') return;
    if (inputs.drainSeconds > 0) await session.sleep(inputs.drainSeconds * 1000);
    // SIGTERM: the service stops accepting, finishes in-flight requests and closes idle keep-alive
    // connections; nginx re-sends requests that hit a closed cached connection to active.sock.
    await host.run(cmd.stopContainer(name, 30));
    logger.info(`${color} stopped and kept for rollback`);
  });
}
