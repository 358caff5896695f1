// command=unlock: removes the deploy lock whoever holds it (for a run that died holding it), and says
// whose it was. Touches nothing else.
import { describeHolder, parseLockRecord } from '../deploy-lock.js';
import type { DeploySession } from '../deploy-session.js';

export async function unlock(session: DeploySession): Promise<void> {
  const { host, layout, logger, outcome } = session;
  const lock = await host.readFile(layout.lockFile);
  if (lock === null) {
    outcome.notes.push('the deploy lock was not held');
  } else {
    const holder = parseLockRecord(lock);
    const message = `removed the deploy lock held by ${holder ? describeHolder(holder) : 'an unreadable record'}`;
    await host.unlink(layout.lockFile);
    logger.warning(message);
    outcome.notes.push(message);
  }
  outcome.ok = true;
}
