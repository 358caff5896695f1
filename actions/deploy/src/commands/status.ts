// command=status: reads state.json, active.sock, both containers and the lock. Changes nothing, takes no
// lock, runs no preflight.
import { describeHolder, parseLockRecord } from '../deploy-lock.js';
import type { DeploySession } from '../deploy-session.js';
import { windowOpen } from '../deploy-state.js';
import { colors, otherColor } from '../host-layout.js';

export async function status(session: DeploySession): Promise<void> {
  const { host, inputs, layout, logger, outcome } = session;
  const state = await session.readState();
  const lock = await host.readFile(layout.lockFile);
  const active = await host.readlink(layout.activeSocket);
  outcome.color = state.active;
  outcome.previousColor = state.active ? otherColor(state.active) : null;
  outcome.image = state.active ? (state.colors[state.active]?.image ?? '') : '';
  outcome.imageId = state.active ? (state.colors[state.active]?.imageId ?? '') : '';
  const lines = [`environment ${inputs.environment}: active ${state.active ?? 'none'}`];
  lines.push(`active.sock -> ${active ?? '(missing)'}`);
  for (const color of colors) {
    const slot = state.colors[color];
    const container = await session.containerStatus(layout.containerName(color));
    const release = slot ? `${slot.image} (${slot.identity?.version ?? '?'})` : 'never deployed';
    lines.push(`${color}: ${release}, container ${container ?? 'absent'}`);
  }
  const holder = lock ? parseLockRecord(lock) : null;
  const lockText =
    lock === null ? 'free' : holder ? `held by ${describeHolder(holder)}` : 'held (unreadable record)';
  lines.push(`lock: ${lockText}`);
  const window = state.window;
  lines.push(
    window && windowOpen(window, session.now())
      ? `rollback window: ${window.color} kept running until ${window.until}`
      : 'rollback window: none (a rollback restarts the retained colour)',
  );
  for (const line of lines) logger.info(line);
  outcome.notes.push(...lines);
  outcome.ok = true;
}
