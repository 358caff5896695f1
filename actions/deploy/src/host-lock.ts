// Taking and releasing the deploy lock on the host. The lock is lock.json, created with link(2) from a
// prepared record (atomic test-and-set); the decision on an existing lock is pure (deploy-lock.ts).
import { randomBytes } from 'node:crypto';
import { decideOnExistingLock, describeHolder, parseLockRecord, type LockRecord } from './deploy-lock.js';
import type { DeploySession } from './deploy-session.js';

export async function acquireLock(session: DeploySession): Promise<LockRecord> {
  const { host, inputs, layout, logger, context } = session;
  const record: LockRecord = {
    id: randomBytes(8).toString('hex'),
    owner: context.actor,
    runUrl: context.runUrl,
    command: inputs.command,
    image: inputs.image,
    acquiredAt: session.now().toISOString(),
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
      const decision = decideOnExistingLock(existing, session.now(), inputs.lockTtlSeconds);
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
      session.outcome.notes.push(warning);
      // rename(2) is atomic: of two runs taking over the same stale lock, one moves it, the other
      // fails to and then finds the winner's fresh lock (held).
      await host.rename(layout.lockFile, `${layout.lockFile}.stale-${record.id}`).catch(() => undefined);
    }
    throw new Error('could not acquire the deploy lock (it changed hands repeatedly)');
  } finally {
    await host.unlink(prepared).catch(() => false);
  }
}

/** Removes the lock only if it is still ours (a stale-lock takeover may have replaced it). */
export async function releaseLock(session: DeploySession, record: LockRecord): Promise<void> {
  const { host, layout, logger } = session;
  const current = await host.readFile(layout.lockFile);
  if (current !== null && parseLockRecord(current)?.id === record.id) {
    await host.unlink(layout.lockFile);
    logger.info('lock released');
  } else {
    logger.warning('the deploy lock was taken over by another run; leaving it alone');
  }
}
