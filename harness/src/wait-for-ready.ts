import type { ManagedProcess } from './managed-process.js';

/**
 * Polls `probe` until it returns true. Fails fast, with the server's output, when the process
 * exits, and after `timeoutMs`.
 */
export async function waitForReady(
  proc: ManagedProcess,
  probe: () => Promise<boolean>,
  { timeoutMs = 30_000, intervalMs = 25 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (proc.exited()) {
      const { code, signal } = await proc.waitForExit();
      throw new Error(
        `${proc.name} exited before it was ready (code ${code}, signal ${signal}):\n${proc.output()}`,
      );
    }
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      await proc.stop();
      throw new Error(
        `${proc.name} not ready after ${timeoutMs} ms (last probe error: ${String(lastError)}):\n${proc.output()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
