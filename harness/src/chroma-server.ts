import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { launchOnFreePort } from './free-port.js';
import { restartableProcess, startManagedProcess, type ManagedProcess } from './managed-process.js';
import { waitForReady } from './wait-for-ready.js';

export interface ChromaServer {
  url: string;
  host: string;
  port: number;
  /** PID of the Chroma server process (changes on restart). */
  pid: number;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

/**
 * The `chroma` CLI shipped in the npm `chromadb` package, found through module resolution from this
 * file (independent of the working directory). It is run with this Node binary directly — never
 * through npx — so the PID we hold is the server's.
 */
export function chromaCliPath(): string {
  const require = createRequire(import.meta.url);
  let dir = dirname(require.resolve('chromadb'));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
        name?: string;
        bin?: Record<string, string>;
      };
      if (pkg.name === 'chromadb') {
        const bin = pkg.bin?.chroma;
        if (bin === undefined) throw new Error(`chromadb at ${dir} has no "chroma" bin`);
        return join(dir, bin);
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('could not find the chromadb package root');
    dir = parent;
  }
}

export async function chromaHeartbeat(url: string, timeoutMs = 1000): Promise<boolean> {
  const res = await fetch(`${url}/api/v2/heartbeat`, { signal: AbortSignal.timeout(timeoutMs) });
  await res.arrayBuffer();
  return res.ok;
}

/** Starts the npm-bundled Chroma server (`chroma run`) on dataDir; waits for its heartbeat. */
export async function startChromaServer(opts: {
  dataDir: string;
  port?: number;
  host?: string;
}): Promise<ChromaServer> {
  const host = opts.host ?? '127.0.0.1';
  const cli = chromaCliPath();
  mkdirSync(opts.dataDir, { recursive: true });
  const launch = async (port: number): Promise<ManagedProcess> => {
    const proc = startManagedProcess({
      name: `chroma :${port}`,
      command: process.execPath,
      args: [cli, 'run', '--path', opts.dataDir, '--host', host, '--port', String(port)],
      // Telemetry off: there is no network, and tests should not try.
      env: { ...process.env, ANONYMIZED_TELEMETRY: 'False' },
      stopTimeoutMs: 5000,
    });
    await waitForReady(proc, () => chromaHeartbeat(`http://${urlHost(host)}:${port}`), { timeoutMs: 30_000 });
    return proc;
  };

  const started = await launchOnFreePort(opts.port, launch);
  const port = started.port;
  const running = restartableProcess(started.launched, () => launch(port));
  const server: ChromaServer = {
    url: `http://${urlHost(host)}:${port}`,
    host,
    port,
    get pid() {
      return running.pid;
    },
    stop: () => running.stop(),
    restart: () => running.restart(),
  };
  return server;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
