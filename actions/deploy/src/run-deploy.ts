// Runs one command (deploy / rollback / status / unlock) against a RemoteHost. This file is the
// orchestration only: read-only commands run as they are; deploy and rollback run after preflight, under
// the lock, and leave one audit line whatever happens. The steps of each command live in commands/, the
// gates in deploy-gates.ts, the traffic switch in switch-traffic.ts, the lock in host-lock.ts; every
// host command is an argv from host-commands.ts. The caller supplies the host (SSH).
import { auditLine, auditRecordFor } from './audit-record.js';
import { deploy } from './commands/deploy.js';
import { rollback } from './commands/rollback.js';
import { status } from './commands/status.js';
import { unlock } from './commands/unlock.js';
import { preflight } from './deploy-gates.js';
import type { DeployInputs } from './deploy-inputs.js';
import type { LockRecord } from './deploy-lock.js';
import type { DeployOutcome } from './deploy-report.js';
import {
  openSession,
  StepError,
  type DeployLogger,
  type DeploySession,
  type RunContext,
} from './deploy-session.js';
import { acquireLock, releaseLock } from './host-lock.js';
import type { RemoteHost } from './ssh-host.js';

export type { DeployLogger, RunContext };

async function appendAudit(session: DeploySession, failure: StepError | null): Promise<void> {
  const { host, layout, logger } = session;
  const record = auditRecordFor(session.outcome, {
    actor: session.context.actor,
    runUrl: session.context.runUrl,
    time: session.now(),
    durationSeconds: (Date.now() - session.started) / 1000,
    failure,
  });
  try {
    await host.appendFile(layout.auditFile, auditLine(record));
  } catch (error) {
    logger.warning(`could not append to ${layout.auditFile}: ${(error as Error).message}`);
  }
}

/** deploy or rollback: preflight, lock, the command, then the audit line and the lock's release. */
async function runLocked(session: DeploySession, action: 'deploy' | 'rollback'): Promise<void> {
  const { logger, outcome } = session;
  let lock: LockRecord | null = null;
  let failure: StepError | null = null;
  try {
    await preflight(session);
    lock = await session.step('lock', () => acquireLock(session));
    const state = await session.readState();
    if (action === 'deploy') await deploy(session, state);
    else await rollback(session, state);
    outcome.ok = true;
  } catch (error) {
    failure = error instanceof StepError ? error : new StepError('unknown', (error as Error).message);
    outcome.error = failure.message;
    outcome.failedStep = failure.step;
    logger.error(`${action} failed at ${failure.step}: ${failure.message}`);
  } finally {
    if (lock) {
      if (outcome.failedStep !== 'lock') await appendAudit(session, failure);
      await releaseLock(session, lock).catch((error: Error) =>
        logger.warning(`could not release the lock: ${error.message}`),
      );
    }
  }
}

export async function runCommand(
  host: RemoteHost,
  inputs: DeployInputs,
  logger: DeployLogger,
  context: RunContext,
): Promise<DeployOutcome> {
  const session = openSession(host, inputs, logger, context);
  if (inputs.command === 'status') await status(session);
  else if (inputs.command === 'unlock') await unlock(session);
  else await runLocked(session, inputs.command);
  session.outcome.durationSeconds = (Date.now() - session.started) / 1000;
  return session.outcome;
}
