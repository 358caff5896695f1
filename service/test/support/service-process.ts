// The real service (src/server.ts) in a child Node process, for tests that need two processes on the same
// stores. Run as `node --import tsx service-process.ts`; reports its port to the parent over IPC.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface ServiceProcess {
  url: string;
  /** A JSON request with `key` as the Bearer key: the status and the parsed body (`{}` when empty). */
  callJson(
    method: string,
    path: string,
    key: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  stop(): Promise<void>;
}

const self = fileURLToPath(import.meta.url);

export interface ServiceProcessOptions {
  /** More `--import` preloads after tsx, as the image's command has (observability/instrument.ts). */
  imports?: string[];
  /** Receives each line the service writes to stdout (its log lines); stdout is ignored without it. */
  onStdoutLine?: (line: string) => void;
}

/** Starts the service in its own process with `env` and waits until it listens. */
export async function startServiceProcess(
  env: NodeJS.ProcessEnv,
  options: ServiceProcessOptions = {},
): Promise<ServiceProcess> {
  const imports = (options.imports ?? []).flatMap((specifier) => ['--import', specifier]);
  const child = spawn(process.execPath, ['--import', 'tsx', ...imports, self], {
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', options.onStdoutLine ? 'pipe' : 'ignore', 'inherit', 'ipc'],
  });
  const onLine = options.onStdoutLine;
  if (onLine && child.stdout) {
    createInterface({ input: child.stdout }).on('line', onLine);
  }
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('service process did not listen in 60 s')), 60_000);
    child.once('message', (message: { port: number }) => {
      clearTimeout(timer);
      resolve(message.port);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`service process exited before listening (code ${code})`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    async callJson(method, path, key, body) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

if (process.argv[1] === self && process.send) {
  const { startServer } = await import('../../src/server.js');
  const running = await startServer(process.env);
  const address = running.server.address() as { port: number };
  const stop = () => void running.stop('SIGTERM').then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('disconnect', stop);
  process.send({ port: address.port });
}
