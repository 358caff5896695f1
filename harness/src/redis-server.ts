import { tmpdir } from 'node:os';
import { launchOnFreePort } from './free-port.js';
import { restartableProcess, startManagedProcess, type ManagedProcess } from './managed-process.js';
import { redisAnswersPing } from './redis-ping.js';
import { waitForReady } from './wait-for-ready.js';

export interface RedisServer {
  url: string;
  port: number;
  /** PID of the running redis-server (changes on restart). */
  pid: number;
  stop(): Promise<void>;
  /** Stops (if running) and starts again on the same port with the same password. */
  restart(): Promise<void>;
}

/** The redis-server argv: no persistence, loopback only, foreground (the harness keeps the child). */
export function redisServerArgs(port: number, password?: string): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
    '--dir',
    tmpdir(),
    ...(password === undefined ? [] : ['--requirepass', password]),
  ];
}

/** Starts `redis-server` (from PATH, or REDIS_SERVER_BIN) on a free port unless one is given. */
export async function startRedisServer(
  opts: { port?: number; password?: string } = {},
): Promise<RedisServer> {
  const command = process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const launch = async (port: number): Promise<ManagedProcess> => {
    const proc = startManagedProcess({
      name: `redis-server :${port}`,
      command,
      args: redisServerArgs(port, opts.password),
    });
    await waitForReady(proc, () => redisAnswersPing('127.0.0.1', port, { password: opts.password }), {
      timeoutMs: 15_000,
    });
    return proc;
  };

  const started = await launchOnFreePort(opts.port, launch);
  const port = started.port;
  const auth = opts.password === undefined ? '' : `:${encodeURIComponent(opts.password)}@`;
  const running = restartableProcess(started.launched, () => launch(port));
  const server: RedisServer = {
    url: `redis://${auth}127.0.0.1:${port}`,
    port,
    get pid() {
      return running.pid;
    },
    stop: () => running.stop(),
    restart: () => running.restart(),
  };
  return server;
}
