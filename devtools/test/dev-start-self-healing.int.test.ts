import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { restartDelayMs } from '../src/store-supervisor.js';
import { launchDevStart, launcherDataDir } from './support/launch-dev-start.js';

/** PIDs of the server processes whose command line names `path` (the postmaster, the Chroma server). */
function pidsOf(path: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', path], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.trim())
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

describe('restart backoff', () => {
  it('doubles from 250 ms up to 4 s', () => {
    expect([0, 1, 2, 3, 4, 5, 9].map(restartDelayMs)).toEqual([250, 500, 1000, 2000, 4000, 4000, 4000]);
  });
});

/**
 * `npm start` with an operator-supplied BOOTSTRAP_ADMIN_KEY: the key is never printed, and a store child
 * killed with SIGKILL is started again (with a log line) so /health/ready is 200 again within 10 s,
 * without restarting the service.
 */
describe('npm start keeps its stores alive', () => {
  const dataDir = launcherDataDir('slipway-selfheal-');
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('restarts a killed Postgres and a killed Chroma, and never prints the operator key', async () => {
    const operatorKey = 'operator-chosen-admin-key-7f3a9c2e1b';
    const launched = await launchDevStart(dataDir, {
      SEED_DOCS: 'false',
      LOG_LEVEL: 'info',
      BOOTSTRAP_ADMIN_KEY: operatorKey,
    });
    const { child, port, exited } = launched;
    const ready = async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200;
      } catch {
        return false;
      }
    };
    const waitReady = async (ms: number) => {
      const started = Date.now();
      while (Date.now() - started < ms) {
        if (await ready()) return Date.now() - started;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`not ready within ${ms} ms:\n${launched.output().slice(-2000)}`);
    };

    try {
      await waitReady(60_000);
      await launched.printed('Slipway is running', 30_000);
      expect(launched.output()).toContain('the BOOTSTRAP_ADMIN_KEY you set');
      const servicePid = child.pid;

      for (const store of ['postgres', 'chroma']) {
        const [pid] = pidsOf(join(dataDir, store));
        expect(pid).toBeGreaterThan(0);
        process.kill(pid as number, 'SIGKILL');
        const killedAt = Date.now();
        // the loss is seen (readiness is shared for up to 1 s) …
        while (await ready()) {
          if (Date.now() - killedAt > 5000) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        // … and repaired within 10 s of the kill
        await waitReady(10_000 - (Date.now() - killedAt));
        expect(pidsOf(join(dataDir, store))[0]).not.toBe(pid);
        expect(launched.output()).toMatch(new RegExp(`"store":"${store}".*store child died; restarting it`));
        expect(launched.output()).toMatch(new RegExp(`"store":"${store}".*store child is back`));
      }
      expect(child.pid).toBe(servicePid);
      expect(child.exitCode).toBeNull(); // the service itself was never restarted
      const authed = await fetch(`http://127.0.0.1:${port}/v1/collections`, {
        headers: { Authorization: `Bearer ${operatorKey}` },
      });
      expect(authed.status).toBe(200);
      expect(launched.output()).not.toContain(operatorKey);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    expect(pidsOf(dataDir)).toEqual([]);
  }, 120_000);
});
