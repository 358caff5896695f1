import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { runInThisContext } from 'node:vm';

/**
 * A child server process the harness owns. It never outlives this process:
 * - stop(): the stop signal, then SIGKILL after a timeout;
 * - on process exit (and on SIGINT/SIGTERM/SIGHUP when nobody else handles them): the same, synchronously;
 * - on Linux, when `setpriv` exists, the kernel sends the stop signal if this process dies abruptly
 *   (SIGKILL, crash) — PR_SET_PDEATHSIG.
 */
export interface ManagedProcess {
  readonly pid: number;
  readonly name: string;
  exited(): boolean;
  /** The last 64 KiB of stdout + stderr, for error messages. */
  output(): string;
  waitForExit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

export interface ManagedProcessOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
  /** Signal for a graceful stop (postgres: SIGINT = fast shutdown). Default SIGTERM. */
  stopSignal?: NodeJS.Signals;
  /** SIGKILL after this long. Default 5000 ms. */
  stopTimeoutMs?: number;
}

interface LiveChild {
  pid: number;
  stopSignal: NodeJS.Signals;
  exited: () => boolean;
}

/**
 * The real `process`. Under jest each test file sees a copy of `process` whose 'exit' and signal
 * events never fire; `vm.runInThisContext` evaluates in Node's main context and returns the real one.
 */
const realProcess: NodeJS.Process = (() => {
  try {
    const candidate = runInThisContext('process') as NodeJS.Process | undefined;
    return typeof candidate?.on === 'function' ? candidate : process;
  } catch {
    return process;
  }
})();

interface Registry {
  children: Set<LiveChild>;
  cleanups: Set<() => void>;
  hooksInstalled: boolean;
}

// One registry and one set of hooks per OS process, even when the module is loaded many times
// (jest gives every test file its own module registry).
const registryKey = Symbol.for('slipway.harness.managed-processes');
const registry: Registry = ((realProcess as unknown as Record<symbol, Registry | undefined>)[registryKey] ??=
  {
    children: new Set(),
    cleanups: new Set(),
    hooksInstalled: false,
  });
const liveChildren = registry.children;
const exitCleanups = registry.cleanups;

const setprivPath = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path));

/** Argv that makes the kernel signal the child when this process dies (Linux + setpriv only). */
export function withParentDeathSignal(
  command: string,
  args: string[],
  signal: NodeJS.Signals,
): [string, string[]] {
  if (process.platform !== 'linux' || setprivPath === undefined) return [command, args];
  return [setprivPath, ['--pdeathsig', signal, '--', command, ...args]];
}

export function startManagedProcess(options: ManagedProcessOptions): ManagedProcess {
  installExitHooks();
  const stopSignal = options.stopSignal ?? 'SIGTERM';
  const stopTimeoutMs = options.stopTimeoutMs ?? 5000;
  const [command, args] = withParentDeathSignal(options.command, options.args, stopSignal);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: a terminal's Ctrl-C reaches only our process, whose shutdown (e.g. the
    // service draining requests) then stops the servers in order, instead of the servers dying first.
    detached: true,
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-65_536);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);

  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('error', (error) => {
      output += `\n[spawn error] ${error.message}`;
      exitInfo ??= { code: null, signal: null };
      resolve(exitInfo);
    });
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });
  const pid = child.pid ?? -1;
  const record: LiveChild = { pid, stopSignal, exited: () => exitInfo !== undefined };
  if (pid > 0) liveChildren.add(record);
  void exitPromise.then(() => liveChildren.delete(record));
  // The child must not keep the event loop (or a jest worker) alive on its own.
  child.unref();
  // The stdio pipes are net.Sockets; unref them too or they keep the loop alive.
  for (const stream of [child.stdout, child.stderr] as unknown as Array<{ unref?: () => void }>)
    stream.unref?.();

  let stopping: Promise<void> | undefined;
  return {
    pid,
    name: options.name,
    exited: () => exitInfo !== undefined,
    output: () => output,
    waitForExit: () => exitPromise,
    stop() {
      stopping ??= (async () => {
        if (exitInfo !== undefined) return;
        child.kill(stopSignal);
        const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
        await exitPromise;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/** Runs a command to completion; rejects with its output on a non-zero exit. */
export async function runToCompletion(
  options: Omit<ManagedProcessOptions, 'stopSignal'> & { timeoutMs?: number },
): Promise<string> {
  const proc = startManagedProcess(options);
  const timer = setTimeout(() => void proc.stop(), options.timeoutMs ?? 60_000);
  const { code, signal } = await proc.waitForExit();
  clearTimeout(timer);
  if (code !== 0) {
    throw new Error(
      `${options.name} failed (code ${code}, signal ${signal}): ${options.command} ${options.args.join(' ')}\n${proc.output()}`,
    );
  }
  return proc.output();
}

/** A synchronous cleanup (e.g. removing a temp dir) to run at process exit if stop() never ran. */
export function onProcessExit(cleanup: () => void): () => void {
  installExitHooks();
  exitCleanups.add(cleanup);
  return () => exitCleanups.delete(cleanup);
}

/** Removes a directory tree (no error if it is already gone). */
export function removeDirectory(path: string): void {
  rmSync(path, { recursive: true, force: true, maxRetries: 3 });
}

function isGone(pid: number): boolean {
  try {
    if (process.platform === 'linux') {
      // A zombie (exited, not yet reaped) counts as gone: the event loop that reaps it is not running here.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
    }
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Stops every live child synchronously: stop signal, up to 2 s grace, then SIGKILL. */
export function stopAllChildrenSync(graceMs = 2000): void {
  const children = [...liveChildren].filter((child) => !child.exited());
  for (const child of children) {
    try {
      process.kill(child.pid, child.stopSignal);
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + graceMs;
  while (children.some((child) => !isGone(child.pid)) && Date.now() < deadline) sleepSync(20);
  for (const child of children) {
    if (isGone(child.pid)) continue;
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  liveChildren.clear();
  for (const cleanup of exitCleanups) {
    try {
      cleanup();
    } catch {
      // best effort at exit
    }
  }
  exitCleanups.clear();
}

function installExitHooks(): void {
  if (registry.hooksInstalled) return;
  registry.hooksInstalled = true;
  realProcess.on('exit', () => stopAllChildrenSync());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = () => {
      // Someone else (e.g. the service's graceful shutdown) handles this signal and will exit; the
      // 'exit' hook then stops the children. Otherwise keep the default behaviour: stop them and die.
      if (realProcess.listenerCount(signal) > 1) return;
      stopAllChildrenSync();
      realProcess.removeListener(signal, handler);
      realProcess.kill(realProcess.pid, signal);
    };
    realProcess.on(signal, handler);
  }
}

/**
 * A server process that can be stopped and started again on the same port: `pid` follows the current
 * process. Shared by the Redis and Chroma launchers (tests stop them mid-test and bring them back).
 */
export function restartableProcess(
  first: ManagedProcess,
  relaunch: () => Promise<ManagedProcess>,
): { readonly pid: number; stop(): Promise<void>; restart(): Promise<void> } {
  let proc = first;
  return {
    get pid() {
      return proc.pid;
    },
    stop: () => proc.stop(),
    async restart() {
      await proc.stop();
      proc = await relaunch();
    },
  };
}
