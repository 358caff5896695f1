import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { provideMigratedStores, type MigratedStores } from '../support/migrated-stores.js';

const child = fileURLToPath(new URL('../support/ingest-then-exit.ts', import.meta.url));

/** Runs the child to its own end (no kill unless it overstays `ms`); its exit code, signal and stdout. */
function runToExit(env: NodeJS.ProcessEnv, ms: number) {
  return new Promise<{ code: number | null; overstayed: boolean; stdout: string }>((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    let overstayed = false;
    proc.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    const timer = setTimeout(() => {
      overstayed = true;
      proc.kill('SIGKILL');
    }, ms);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, overstayed, stdout });
    });
  });
}

describe('embedding worker threads and graceful shutdown', () => {
  let stores: MigratedStores;
  beforeAll(async () => {
    stores = await provideMigratedStores();
  });
  afterAll(async () => {
    await stores?.stop();
  });

  it('ends the worker threads on shutdown: after an ingest, the process exits by itself', async () => {
    const result = await runToExit(
      {
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        ...stores.env,
        EMBED_WORKERS: '2',
      },
      45_000,
    );
    expect(result.overstayed).toBe(false);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout.trim())).toEqual({
      created: 201,
      ingested: 201,
      threadsAfterIngest: expect.any(Number),
      threadsAfterStop: 0,
    });
    expect(JSON.parse(result.stdout.trim()).threadsAfterIngest).toBeGreaterThanOrEqual(1);
  });
});
