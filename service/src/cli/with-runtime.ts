import { ConfigError, parseConfig } from '../config/load-config.js';
import { createLogger } from '../observability/logger.js';
import { createRuntime, type Runtime } from '../runtime.js';

/**
 * Runs a command-line task on a full runtime (stores connected from the environment): exit 2 on bad
 * configuration, 1 when the task throws, and the runtime is always closed.
 */
export async function withRuntime(
  task: string,
  env: NodeJS.ProcessEnv,
  out: Pick<Console, 'error'>,
  run: (runtime: Runtime) => Promise<number>,
): Promise<number> {
  let runtime: Runtime;
  try {
    runtime = await createRuntime(parseConfig(env), createLogger('warn'));
  } catch (error) {
    out.error(error instanceof ConfigError ? error.message : String(error));
    return 2;
  }
  try {
    return await run(runtime);
  } catch (error) {
    out.error(`${task} failed: ${(error as Error).message}`);
    return 1;
  } finally {
    await runtime.close();
  }
}
