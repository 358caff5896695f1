// Runs deploy / rollback / status / unlock against a RemoteHost. The order of steps and the rules for
// failure live here; every command is an argv from host-commands, every decision on data is a pure
// function (deploy-state, deploy-lock). The caller supplies the host (SSH in production and in the e2e).
import { randomBytes } from 'node:crypto';
import { auditLine, type AuditRecord } from './audit-record.js';
import type { DeployInputs } from './deploy-inputs.js';
import { decideOnExistingLock, describeHolder, parseLockRecord, type LockRecord } from './deploy-lock.js';
import type { DeployOutcome, StepTiming } from './deploy-report.js';
import {
  afterDeploy,
  afterRollback,
  idleColor,
  parseState,
  rollbackTarget,
  type DeployState,
  type ServiceIdentity,
} from './deploy-state.js';
import { hostCommands as cmd } from './host-commands.js';
import { hostLayout, otherColor, type Color, type HostLayout } from './host-layout.js';
import type { RemoteHost } from './ssh-host.js';

export interface DeployLogger {
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  /** Runs fn inside a collapsible log group. */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

export interface RunContext {
  actor: string;
  runUrl: string;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** Minimum free space on the app-dir's filesystem (KiB). */
  minFreeKiB?: number;
  /** How long verify-through-nginx may take. */
  verifyTimeoutSeconds?: number;
}

class StepError extends Error {
  constructor(
    readonly step: string,
    message: string,
  ) {
    super(message);
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function parseIdentity(text: string): ServiceIdentity | null {
  try {
    const value = JSON.parse(text) as Partial<ServiceIdentity>;
    if (typeof value.version !== 'string' || typeof value.commit !== 'string') return null;
    return { version: value.version, commit: value.commit };
  } catch {
    return null;
  }
}

export function sameIdentity(a: ServiceIdentity | null, b: ServiceIdentity | null): boolean {
  return !!a && !!b && a.version === b.version && a.commit === b.commit;
}

/** Parses `df -Pk` output: available KiB of the filesystem in the last line. */
export function parseDfAvailableKiB(output: string): number {
  const last = output.trim().split('\n').pop() ?? '';
  const fields = last.trim().split(/\s+/);
  const available = Number(fields[3]);
  if (!Number.isFinite(available)) throw new Error(`cannot read df output: ${last}`);
  return available;
}

export async function runCommand(
  host: RemoteHost,
  inputs: DeployInputs,
  logger: DeployLogger,
  context: RunContext,
): Promise<DeployOutcome> {
  const now = context.now ?? (() => new Date());
  const sleep = context.sleep ?? defaultSleep;
  const layout = hostLayout(inputs.appDir, inputs.environment);
  const started = Date.now();
  const steps: StepTiming[] = [];
  const notes: string[] = [];
  const outcome: DeployOutcome = {
    command: inputs.command,
    environment: inputs.environment,
    ok: false,
    color: null,
    previousColor: null,
    image: inputs.image,
    imageId: '',
    durationSeconds: 0,
    steps,
    error: null,
    failedStep: null,
    url: inputs.url,
    notes,
  };

  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const stepStarted = Date.now();
    try {
      const result = await logger.group(name, fn);
      steps.push({ name, seconds: (Date.now() - stepStarted) / 1000, ok: true });
      logger.info(`${name}: ok in ${((Date.now() - stepStarted) / 1000).toFixed(2)} s`);
      return result;
    } catch (error) {
      steps.push({ name, seconds: (Date.now() - stepStarted) / 1000, ok: false });
      if (error instanceof StepError) throw error;
      throw new StepError(name, (error as Error).message);
    }
  };

  const readState = async (): Promise<DeployState> =>
    parseState(await host.readFile(layout.stateFile), inputs.environment);

  // ---- lock -------------------------------------------------------------------------------------
  const acquireLock = async (): Promise<LockRecord> => {
    const record: LockRecord = {
      id: randomBytes(8).toString('hex'),
      owner: context.actor,
      runUrl: context.runUrl,
      command: inputs.command,
      image: inputs.image,
      acquiredAt: now().toISOString(),
    };
    const prepared = `${layout.lockFile}.${record.id}`;
    await host.writeFileAtomic(prepared, `${JSON.stringify(record)}\n`, 0o644);
    try {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        if (await host.hardlink(prepared, layout.lockFile)) {
          logger.info(`lock acquired: ${layout.lockFile}`);
          return record;
        }
        const existing = await host.readFile(layout.lockFile);
        if (existing === null) continue; // released between our link and read: try again
        const decision = decideOnExistingLock(existing, now(), inputs.lockTtlSeconds);
        if (decision.kind === 'held') {
          throw new Error(
            `deploy lock for ${inputs.environment} is held by ${describeHolder(decision.holder)} ` +
              `(${Math.round(decision.ageSeconds)} s old, ttl ${inputs.lockTtlSeconds} s). ` +
              'Wait for it, or run command=unlock if that run is dead.',
          );
        }
        const holder = decision.holder ? describeHolder(decision.holder) : 'an unreadable lock record';
        const warning =
          `taking over a stale deploy lock held by ${holder} ` +
          `(older than lock-ttl ${inputs.lockTtlSeconds} s)`;
        logger.warning(warning);
        notes.push(warning);
        // rename(2) is atomic: of two runs taking over the same stale lock, one moves it, the other
        // fails to and then finds the winner's fresh lock (held).
        await host.rename(layout.lockFile, `${layout.lockFile}.stale-${record.id}`).catch(() => undefined);
      }
      throw new Error('could not acquire the deploy lock (it changed hands repeatedly)');
    } finally {
      await host.unlink(prepared).catch(() => false);
    }
  };

  const releaseLock = async (record: LockRecord): Promise<void> => {
    const current = await host.readFile(layout.lockFile);
    if (current !== null && parseLockRecord(current)?.id === record.id) {
      await host.unlink(layout.lockFile);
      logger.info('lock released');
    } else {
      logger.warning('the deploy lock was taken over by another run; leaving it alone');
    }
  };

  // ---- building blocks --------------------------------------------------------------------------
  const preflight = () =>
    step('preflight', async () => {
      const minFree = context.minFreeKiB ?? 1024 * 1024;
      // Independent checks run concurrently (one SSH channel each). The app dir exists already: the
      // provisioned env file lives in it (checked here too).
      const [engine, mode, disk] = await Promise.all([
        host.run(cmd.engineVersion(), { quiet: true }),
        host.mode(layout.envFile),
        host.run(cmd.diskFreeKiB(layout.appDir), { quiet: true, allowFailure: true }),
        host.run(cmd.nginxTest(), { quiet: true }),
        host.run(cmd.prepareAppDir(layout), { quiet: true }),
      ]);
      logger.info(`container engine ${engine.stdout.trim()}; nginx -t ok`);
      if (mode === null) throw new Error(`env file ${layout.envFile} is missing (provision it, mode 0600)`);
      if (mode !== 0o600) {
        throw new Error(`env file ${layout.envFile} has mode ${mode.toString(8)}; it must be 0600`);
      }
      if (disk.code !== 0) throw new Error(`df ${layout.appDir} failed: ${disk.stderr.trim()}`);
      const free = parseDfAvailableKiB(disk.stdout);
      logger.info(`disk: ${(free / 1024 / 1024).toFixed(1)} GiB free on ${layout.appDir}`);
      if (free < minFree) throw new Error(`only ${free} KiB free on ${layout.appDir} (need ${minFree})`);
    });

  const containerStatus = async (name: string): Promise<string | null> => {
    const result = await host.run(cmd.containerStatus(name), { allowFailure: true, quiet: true });
    return result.code === 0 ? result.stdout.trim() : null;
  };

  const printLogs = async (name: string): Promise<string> => {
    const logs = await host.run(cmd.containerLogs(name), { allowFailure: true, quiet: true });
    const text = `${logs.stdout}${logs.stderr}`.trim();
    logger.error(`last log lines of ${name}:\n${text || '(no output)'}`);
    return text;
  };

  /** Waits for the colour's health path through its own socket; returns its /version identity. */
  const healthGate = (color: Color, removeOnFailure: boolean) =>
    step('health', async () => {
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
          const status = await containerStatus(name);
          if (status !== 'running') {
            lastProblem = `container is ${status ?? 'missing'}`;
            if (status === 'exited' || status === 'dead' || status === null) break;
          }
        }
        await sleep(150);
      }
      const logs = await printLogs(name);
      if (removeOnFailure) await host.run(cmd.removeContainer(name), { allowFailure: true });
      else await host.run(cmd.stopContainer(name, 10), { allowFailure: true });
      throw new Error(
        `${color} did not become healthy within ${inputs.healthTimeoutSeconds} s (${lastProblem}); ` +
          `container ${removeOnFailure ? 'removed' : 'stopped'}, traffic untouched.\n--- last logs of ${name} ---\n${logs.split('\n').slice(-20).join('\n')}`,
      );
    });

  const switchTo = async (color: Color): Promise<void> => {
    // A fresh symlink beside active.sock, then rename(2) over it: every new upstream connection nginx
    // opens sees the old target or the new one, never a missing path.
    const candidate = `${layout.activeSocket}.next-${randomBytes(4).toString('hex')}`;
    await host.symlink(layout.activeTarget(color), candidate);
    await host.rename(candidate, layout.activeSocket);
    logger.info(`active.sock -> ${layout.activeTarget(color)}`);
  };

  const verifyThroughNginx = async (expected: ServiceIdentity | null, color: Color): Promise<void> => {
    const target = await host.readlink(layout.activeSocket);
    if (target !== layout.activeTarget(color))
      throw new Error(`active.sock points to ${target}, not ${color}`);
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
      await sleep(200);
    }
    throw new Error(`nginx at ${inputs.url} did not answer the new release's /version (last: ${last})`);
  };

  const drainAndStop = (color: Color | null) =>
    step('drain', async () => {
      if (!color) return;
      const name = layout.containerName(color);
      if ((await containerStatus(name)) !== 'running') return;
      if (inputs.drainSeconds > 0) await sleep(inputs.drainSeconds * 1000);
      // SIGTERM: the service stops accepting, finishes in-flight requests and closes idle keep-alive
      // connections; nginx re-sends requests that hit a closed cached connection to active.sock.
      await host.run(cmd.stopContainer(name, 30));
      logger.info(`${color} stopped and kept for rollback`);
    });

  const appendAudit = async (record: AuditRecord): Promise<void> => {
    try {
      await host.appendFile(layout.auditFile, auditLine(record));
    } catch (error) {
      logger.warning(`could not append to ${layout.auditFile}: ${(error as Error).message}`);
    }
  };

  const finish = (): DeployOutcome => {
    outcome.durationSeconds = (Date.now() - started) / 1000;
    return outcome;
  };

  const audit = (action: 'deploy' | 'rollback', error: StepError | null): AuditRecord => ({
    time: now().toISOString(),
    action,
    environment: inputs.environment,
    actor: context.actor,
    runUrl: context.runUrl,
    image: outcome.image,
    imageId: outcome.imageId,
    color: outcome.color,
    previousColor: outcome.previousColor,
    result: error ? 'failure' : 'success',
    failedStep: error?.step ?? null,
    error: error ? error.message.slice(0, 2000) : null,
    durationSeconds: Math.round((Date.now() - started) / 100) / 10,
  });

  // ---- commands ---------------------------------------------------------------------------------
  if (inputs.command === 'status') {
    const state = await readState();
    const lock = await host.readFile(layout.lockFile);
    const active = await host.readlink(layout.activeSocket);
    outcome.color = state.active;
    outcome.previousColor = state.active ? otherColor(state.active) : null;
    outcome.image = state.active ? (state.colors[state.active]?.image ?? '') : '';
    outcome.imageId = state.active ? (state.colors[state.active]?.imageId ?? '') : '';
    const lines = [`environment ${inputs.environment}: active ${state.active ?? 'none'}`];
    lines.push(`active.sock -> ${active ?? '(missing)'}`);
    for (const color of ['blue', 'green'] as Color[]) {
      const slot = state.colors[color];
      const status = await containerStatus(layout.containerName(color));
      lines.push(
        `${color}: ${slot ? `${slot.image} (${slot.identity?.version ?? '?'})` : 'never deployed'}, container ${status ?? 'absent'}`,
      );
    }
    const holder = lock ? parseLockRecord(lock) : null;
    lines.push(
      `lock: ${lock === null ? 'free' : holder ? `held by ${describeHolder(holder)}` : 'held (unreadable record)'}`,
    );
    for (const line of lines) logger.info(line);
    notes.push(...lines);
    outcome.ok = true;
    return finish();
  }

  if (inputs.command === 'unlock') {
    const lock = await host.readFile(layout.lockFile);
    if (lock === null) {
      notes.push('the deploy lock was not held');
    } else {
      const holder = parseLockRecord(lock);
      const message = `removed the deploy lock held by ${holder ? describeHolder(holder) : 'an unreadable record'}`;
      await host.unlink(layout.lockFile);
      logger.warning(message);
      notes.push(message);
    }
    outcome.ok = true;
    return finish();
  }

  const action = inputs.command;
  let lock: LockRecord | null = null;
  let failure: StepError | null = null;
  try {
    await preflight();
    lock = await step('lock', acquireLock);
    const state = await readState();
    if (action === 'deploy') await deploy(state);
    else await rollback(state);
    outcome.ok = true;
  } catch (error) {
    failure = error instanceof StepError ? error : new StepError('unknown', (error as Error).message);
    outcome.error = failure.message;
    outcome.failedStep = failure.step;
    logger.error(`${action} failed at ${failure.step}: ${failure.message}`);
  } finally {
    if (lock) {
      if (outcome.failedStep !== 'lock') await appendAudit(audit(action, failure));
      await releaseLock(lock).catch((error: Error) =>
        logger.warning(`could not release the lock: ${error.message}`),
      );
    }
  }
  return finish();

  async function deploy(state: DeployState): Promise<void> {
    const color = idleColor(state);
    const previous = state.active;
    outcome.previousColor = previous;
    const imageId = await step('pull', async () => {
      const present = await host.run(cmd.imageId(inputs.image), { allowFailure: true, quiet: true });
      if (present.code === 0) {
        logger.info(`${inputs.image} is already on the host`);
        return present.stdout.trim();
      }
      await host.run(cmd.pull(inputs.image));
      return (await host.run(cmd.imageId(inputs.image), { quiet: true })).stdout.trim();
    });
    outcome.imageId = imageId;
    await step('migrate', async () => {
      await host.run(cmd.removeContainer(layout.migrateContainerName), { allowFailure: true, quiet: true });
      const result = await host.run(cmd.migrate(layout, inputs.image), { allowFailure: true });
      await host.run(cmd.removeContainer(layout.migrateContainerName), { allowFailure: true, quiet: true });
      if (result.code !== 0) {
        const output = `${result.stdout}${result.stderr}`.trim().split('\n').slice(-20).join('\n');
        throw new Error(
          `migrations failed with the new image (exit ${result.code}); nothing was swapped.\n${output}`,
        );
      }
    });
    await step('start', async () => {
      await Promise.all([
        host.run(cmd.removeContainer(layout.containerName(color)), { allowFailure: true, quiet: true }),
        host.run(cmd.prepareSocketDir(layout, color)),
      ]);
      await host.run(cmd.runColor({ layout, environment: inputs.environment, color, image: inputs.image }));
    });
    const identity = await healthGate(color, true);
    await step('switch', () => switchTo(color));
    try {
      await step('verify', () => verifyThroughNginx(identity, color));
    } catch (error) {
      if (previous) {
        logger.error(`verify failed; switching back to ${previous}`);
        await switchTo(previous);
      }
      await printLogs(layout.containerName(color));
      await host.run(cmd.stopContainer(layout.containerName(color), 10), { allowFailure: true });
      throw error;
    }
    outcome.color = color;
    await drainAndStop(previous);
    await step('record', async () => {
      const slot = { image: inputs.image, imageId, identity, deployedAt: now().toISOString() };
      const next = afterDeploy(state, color, slot, now());
      await host.writeFileAtomic(layout.stateFile, `${JSON.stringify(next, null, 2)}\n`, 0o644);
    });
  }

  async function rollback(state: DeployState): Promise<void> {
    const target = rollbackTarget(state);
    if ('error' in target) throw new StepError('rollback', target.error);
    outcome.previousColor = target.from;
    outcome.image = target.slot.image;
    outcome.imageId = target.slot.imageId;
    const name = layout.containerName(target.to);
    await step('start', async () => {
      const status = await containerStatus(name);
      if (status === null) {
        throw new Error(`the retained container ${name} is gone; redeploy ${target.slot.image} instead`);
      }
      if (status !== 'running') await host.run(cmd.startContainer(name));
    });
    const identity = await healthGate(target.to, false);
    await step('switch', () => switchTo(target.to));
    try {
      await step('verify', () => verifyThroughNginx(identity ?? target.slot.identity, target.to));
    } catch (error) {
      logger.error(`verify failed; switching back to ${target.from}`);
      await switchTo(target.from);
      throw error;
    }
    outcome.color = target.to;
    await drainAndStop(target.from);
    await step('record', async () => {
      const next = afterRollback(state, target, now());
      await host.writeFileAtomic(layout.stateFile, `${JSON.stringify(next, null, 2)}\n`, 0o644);
    });
  }
}

export type { HostLayout };
