import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onProcessExit, removeDirectory } from './managed-process.js';

const ownedName = /^slipway-(?:pg|chroma)-(\d+)-[A-Za-z0-9]{6}$/;

/**
 * A temp dir named after this process (`slipway-<kind>-<pid>-XXXXXX`), removed by release() or at
 * process exit. A process killed with SIGKILL cannot clean up: the next harness run sweeps dirs
 * whose owner PID is gone (sweepAbandonedTempDirs).
 */
export function makeOwnedTempDir(kind: 'pg' | 'chroma'): { path: string; release(): void } {
  sweepOnce();
  const path = mkdtempSync(join(tmpdir(), `slipway-${kind}-${process.pid}-`));
  const forget = onProcessExit(() => removeDirectory(path));
  return {
    path,
    release() {
      removeDirectory(path);
      forget();
    },
  };
}

/**
 * Starts a server whose data lives in an owned temp dir; stopping the server (or failing to start it)
 * removes the dir.
 */
export async function startInOwnedTempDir(
  kind: 'pg' | 'chroma',
  start: (dataDir: string) => Promise<{ url: string; stop(): Promise<void> }>,
): Promise<{ url: string; stop(): Promise<void> }> {
  const dataDir = makeOwnedTempDir(kind);
  try {
    const server = await start(dataDir.path);
    return {
      url: server.url,
      async stop() {
        await server.stop();
        dataDir.release();
      },
    };
  } catch (error) {
    dataDir.release();
    throw error;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes harness temp dirs left behind by processes that no longer exist. Returns what it removed. */
export function sweepAbandonedTempDirs(dir = tmpdir()): string[] {
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const entry of entries) {
    const owner = ownedName.exec(entry)?.[1];
    if (owner === undefined || Number(owner) === process.pid || pidAlive(Number(owner))) continue;
    try {
      removeDirectory(join(dir, entry));
      removed.push(join(dir, entry));
    } catch {
      // another process may be sweeping the same dir
    }
  }
  return removed;
}

let swept = false;
function sweepOnce(): void {
  if (swept) return;
  swept = true;
  sweepAbandonedTempDirs();
}
