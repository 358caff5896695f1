// What every command shares while it runs: the host, the inputs, the logger, the host layout, the clock,
// the outcome being filled in, and `step` (a timed, grouped log section whose failure names the step).
import type { DeployInputs } from './deploy-inputs.js';
import type { DeployOutcome, StepTiming } from './deploy-report.js';
import { parseState, type DeployState } from './deploy-state.js';
import { hostCommands as cmd } from './host-commands.js';
import { hostLayout, type HostLayout, type HostUser } from './host-layout.js';
import type { RemoteHost } from './ssh-host.js';

export interface DeployLogger {
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  /** Runs fn inside a collapsible log group. */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

export interface RunContext {
  actor: string;
  runUrl: string;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** Minimum free space on the app-dir's filesystem (KiB). */
  minFreeKiB?: number;
  /** How long verify-through-nginx may take. */
  verifyTimeoutSeconds?: number;
}

/** A failure, with the name of the step it happened in (reported, audited, shown in the summary). */
export class StepError extends Error {
  constructor(
    readonly step: string,
    message: string,
  ) {
    super(message);
  }
}

export interface DeploySession {
  host: RemoteHost;
  inputs: DeployInputs;
  logger: DeployLogger;
  context: RunContext;
  layout: HostLayout;
  /** Date.now() when the command started. */
  started: number;
  outcome: DeployOutcome;
  now(): Date;
  sleep(ms: number): Promise<void>;
  /** Runs fn as a named step: grouped log, timing in outcome.steps, errors rethrown as StepError. */
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
  readState(): Promise<DeployState>;
  writeState(state: DeployState): Promise<void>;
  /** The engine's status of a container (running, exited, …), or null when it does not exist. */
  containerStatus(name: string): Promise<string | null>;
  /** The account the deploy runs as on the host; known after preflight. */
  hostUser: HostUser | null;
  /** Logs (as an error) and returns the container's last log lines. */
  printLogs(name: string): Promise<string>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function emptyOutcome(inputs: DeployInputs, steps: StepTiming[]): DeployOutcome {
  return {
    command: inputs.command,
    environment: inputs.environment,
    ok: false,
    color: null,
    previousColor: null,
    image: inputs.image,
    imageId: '',
    durationSeconds: 0,
    steps,
    error: null,
    failedStep: null,
    url: inputs.url,
    notes: [],
  };
}

export function openSession(
  host: RemoteHost,
  inputs: DeployInputs,
  logger: DeployLogger,
  context: RunContext,
): DeploySession {
  const layout = hostLayout(inputs.appDir, inputs.environment);
  const steps: StepTiming[] = [];
  return {
    host,
    inputs,
    logger,
    context,
    layout,
    started: Date.now(),
    outcome: emptyOutcome(inputs, steps),
    hostUser: null,
    now: context.now ?? (() => new Date()),
    sleep: context.sleep ?? defaultSleep,
    async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
      const stepStarted = Date.now();
      try {
        const result = await logger.group(name, fn);
        steps.push({ name, seconds: (Date.now() - stepStarted) / 1000, ok: true });
        logger.info(`${name}: ok in ${((Date.now() - stepStarted) / 1000).toFixed(2)} s`);
        return result;
      } catch (error) {
        steps.push({ name, seconds: (Date.now() - stepStarted) / 1000, ok: false });
        if (error instanceof StepError) throw error;
        throw new StepError(name, (error as Error).message);
      }
    },
    readState: async () => parseState(await host.readFile(layout.stateFile), inputs.environment),
    writeState: (state) =>
      host.writeFileAtomic(layout.stateFile, `${JSON.stringify(state, null, 2)}\n`, 0o644),
    async containerStatus(name) {
      const result = await host.run(cmd.containerStatus(name), { allowFailure: true, quiet: true });
      return result.code === 0 ? result.stdout.trim() : null;
    },
    async printLogs(name) {
      const logs = await host.run(cmd.containerLogs(name), { allowFailure: true, quiet: true });
      const text = `${logs.stdout}${logs.stderr}`.trim();
      logger.error(`last log lines of ${name}:\n${text || '(no output)'}`);
      return text;
    },
  };
}
