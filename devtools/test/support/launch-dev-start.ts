// The dev launcher (`npm start`) as a test starts it: the same file the npm script runs, spawned directly so
// a signal reaches the launcher rather than an npm wrapper, on a free port and a data dir of the test's own.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@slipway/harness';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

export interface LaunchedDevStart {
  child: ChildProcessWithoutNullStreams;
  port: number;
  url: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Waits until `text` was printed; false when `timeoutMs` passed first. */
  printed(text: string, timeoutMs: number): Promise<boolean>;
}

/** A data dir for the launcher (as root, embedded Postgres runs as the postgres OS user, which must enter it). */
export function launcherDataDir(prefix: string): string {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dataDir, 0o755);
  return dataDir;
}

export async function launchDevStart(
  dataDir: string,
  env: NodeJS.ProcessEnv = {},
): Promise<LaunchedDevStart> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'devtools/src/dev-start.ts'], {
    cwd: repo,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      SLIPWAY_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as unknown as ChildProcessWithoutNullStreams;
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    exited,
    async printed(text, timeoutMs) {
      const started = Date.now();
      while (!output.includes(text) && Date.now() - started < timeoutMs) {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      return output.includes(text);
    },
  };
}
