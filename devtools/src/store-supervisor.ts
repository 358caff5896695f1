import type { Logger } from 'pino';

/** A store child `npm start` runs: its current PID and how to start it again (same port, same data). */
export interface SupervisedStore {
  name: string;
  pid(): number;
  restart(): Promise<void>;
}

/** Pure: the wait before restart attempt `attempt` (0-based): 0.25 s doubling, at most 4 s. */
export function restartDelayMs(attempt: number): number {
  return Math.min(4000, 250 * 2 ** attempt);
}

/** True while a process with `pid` exists (signal 0 checks without sending anything). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Watches the store children of `npm start` and starts one again when it dies, with backoff, logging each
 * step. The service itself reconnects on its own, so /health/ready turns green without a restart of it.
 * `stop()` ends the watch (call it before stopping the children on purpose).
 */
export function superviseStores(
  stores: SupervisedStore[],
  logger: Logger,
  options: { checkEveryMs?: number; alive?: (pid: number) => boolean } = {},
): { stop(): void } {
  const alive = options.alive ?? processAlive;
  const restarting = new Set<string>();
  let stopped = false;

  const revive = async (store: SupervisedStore) => {
    restarting.add(store.name);
    logger.warn({ store: store.name, pid: store.pid() }, 'store child died; restarting it');
    for (let attempt = 0; !stopped; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, restartDelayMs(attempt)));
      if (stopped) break;
      try {
        await store.restart();
        logger.info({ store: store.name, pid: store.pid(), attempts: attempt + 1 }, 'store child is back');
        break;
      } catch (error) {
        const retryInMs = restartDelayMs(attempt + 1);
        logger.warn(
          { store: store.name, err: { message: (error as Error).message }, retryInMs },
          'store restart failed',
        );
      }
    }
    restarting.delete(store.name);
  };

  const timer = setInterval(() => {
    for (const store of stores) {
      if (!restarting.has(store.name) && !alive(store.pid())) void revive(store);
    }
  }, options.checkEveryMs ?? 500);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
