// The gates a release must pass: preflight (before the lock), health through the colour's own socket
// (before the switch), and verify through nginx (after the switch).
import type { DeploySession } from './deploy-session.js';
import {
  parseDfAvailableKiB,
  parseHostUser,
  parseIdentity,
  sameIdentity,
  type ServiceIdentity,
} from './deploy-state.js';
import { hostCommands as cmd } from './host-commands.js';
import type { Color } from './host-layout.js';

/**
 * Engine, nginx config, env file (present, 0600), free disk, app dir, and who we are on the host (the
 * colours run as that uid:gid). Independent checks run at once.
 */
export function preflight(session: DeploySession): Promise<void> {
  const { host, layout, logger, context } = session;
  return session.step('preflight', async () => {
    const minFree = context.minFreeKiB ?? 1024 * 1024;
    // One SSH channel each. The app dir exists already: the provisioned env file lives in it.
    const [engine, mode, disk, , , whoAmI] = await Promise.all([
      host.run(cmd.engineVersion(), { quiet: true }),
      host.mode(layout.envFile),
      host.run(cmd.diskFreeKiB(layout.appDir), { quiet: true, allowFailure: true }),
      host.run(cmd.nginxTest(), { quiet: true }),
      host.run(cmd.prepareAppDir(layout), { quiet: true }),
      host.run(cmd.whoAmI(), { quiet: true }),
    ]);
    const user = parseHostUser(whoAmI.stdout);
    session.hostUser = user;
    logger.info(
      `container engine ${engine.stdout.trim()}; nginx -t ok; host user ${user.name} (uid ${user.uid}, gid ${user.gid})`,
    );
    if (mode === null) throw new Error(`env file ${layout.envFile} is missing (provision it, mode 0600)`);
    if (mode !== 0o600) {
      throw new Error(`env file ${layout.envFile} has mode ${mode.toString(8)}; it must be 0600`);
    }
    if (disk.code !== 0) throw new Error(`df ${layout.appDir} failed: ${disk.stderr.trim()}`);
    const free = parseDfAvailableKiB(disk.stdout);
    logger.info(`disk: ${(free / 1024 / 1024).toFixed(1)} GiB free on ${layout.appDir}`);
    if (free < minFree) throw new Error(`only ${free} KiB free on ${layout.appDir} (need ${minFree})`);
  });
}

/**
 * Waits for the colour's health path through its own socket; returns its /version identity. On failure
 * the colour is removed (a new release) or stopped (a retained one), and traffic is untouched.
 */
export function healthGate(
  session: DeploySession,
  color: Color,
  removeOnFailure: boolean,
): Promise<ServiceIdentity | null> {
  const { host, inputs, layout, logger } = session;
  return session.step('health', async () => {
    const name = layout.containerName(color);
    const deadline = Date.now() + inputs.healthTimeoutSeconds * 1000;
    let lastProblem = 'not checked yet';
    let attempts = 0;
    while (Date.now() < deadline) {
      const probe = await host.run(cmd.getViaSocket(layout.socket(color), inputs.healthPath), {
        allowFailure: true,
        quiet: true,
      });
      if (probe.code === 0) {
        const version = await host.run(cmd.getViaSocket(layout.socket(color), '/version'), { quiet: true });
        logger.info(`${color} is healthy: ${version.stdout.trim()}`);
        return parseIdentity(version.stdout);
      }
      lastProblem = (probe.stderr || probe.stdout).trim() || `curl exit ${probe.code}`;
      // Every third miss, ask the engine whether the container died (no point waiting then).
      attempts += 1;
      if (attempts % 3 === 0) {
        const status = await session.containerStatus(name);
        if (status !== 'running') {
          lastProblem = `container is ${status ?? 'missing'}`;
          if (status === 'exited' || status === 'dead' || status === null) break;
        }
      }
      await session.sleep(150);
    }
    const logs = await session.printLogs(name);
    if (removeOnFailure) await host.run(cmd.removeContainer(name), { allowFailure: true });
    else await host.run(cmd.stopContainer(name, 10), { allowFailure: true });
    throw new Error(
      `${color} did not become healthy within ${inputs.healthTimeoutSeconds} s (${lastProblem}); ` +
        `container ${removeOnFailure ? 'removed' : 'stopped'}, traffic untouched.\n` +
        `--- last logs of ${name} ---\n${logs.split('\n').slice(-20).join('\n')}`,
    );
  });
}

/** active.sock points at `color`, and nginx answers /version with the expected identity. */
export async function verifyThroughNginx(
  session: DeploySession,
  expected: ServiceIdentity | null,
  color: Color,
): Promise<void> {
  const { host, inputs, layout, logger, context } = session;
  const target = await host.readlink(layout.activeSocket);
  if (target !== layout.activeTarget(color)) throw new Error(`active.sock points to ${target}, not ${color}`);
  const deadline = Date.now() + (context.verifyTimeoutSeconds ?? 10) * 1000;
  let last = '';
  while (Date.now() < deadline) {
    const answer = await host.run(cmd.getViaNginx(inputs.url, '/version'), {
      allowFailure: true,
      quiet: true,
    });
    last = answer.code === 0 ? answer.stdout.trim() : (answer.stderr || `curl exit ${answer.code}`).trim();
    if (answer.code === 0 && (expected === null || sameIdentity(parseIdentity(answer.stdout), expected))) {
      logger.info(`nginx answers ${last}`);
      return;
    }
    await session.sleep(200);
  }
  throw new Error(`nginx at ${inputs.url} did not answer the new release's /version (last: ${last})`);
}
