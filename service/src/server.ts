import { chmod, rm } from 'node:fs/promises';
import { isEntryPoint } from './is-entry-point.js';
import type { Server } from 'node:http';
import { ConfigError, parseConfig } from './config/load-config.js';
import { createLogger } from './observability/logger.js';
import { shutdownTracing } from './observability/tracing.js';
import { createRuntime } from './runtime.js';

/**
 * The production entry point: validate config (exit 78 listing every problem), connect, listen on
 * PORT or LISTEN_SOCKET, and shut down gracefully on SIGTERM/SIGINT.
 */
export async function startServer(
  env: NodeJS.ProcessEnv = process.env,
  options: { embeddedStores?: boolean } = {},
) {
  const config = parseConfig(env, options);
  const logger = createLogger(config.LOG_LEVEL);
  const runtime = await createRuntime(config, logger);
  const server: Server = await new Promise((resolve, reject) => {
    const s = config.LISTEN_SOCKET
      ? runtime.app.listen(config.LISTEN_SOCKET, () => resolve(s))
      : runtime.app.listen(config.PORT, config.HOST, () => resolve(s));
    s.once('error', reject);
  });
  if (config.LISTEN_SOCKET) await chmod(config.LISTEN_SOCKET, 0o666);
  server.requestTimeout = config.REQUEST_TIMEOUT_MS + 5000;
  server.headersTimeout = 20_000;
  server.keepAliveTimeout = 65_000;
  const where =
    config.LISTEN_SOCKET ?? `http://${config.HOST}:${(server.address() as { port: number }).port}`;
  logger.info({ version: config.APP_VERSION, commit: config.GIT_COMMIT, listen: where }, 'slipway listening');

  let stopping: Promise<void> | undefined;
  const stop = (signal: string) => {
    stopping ??= (async () => {
      logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
      const forced = setTimeout(() => {
        logger.warn('in-flight requests did not finish in time; closing connections');
        server.closeAllConnections();
      }, config.SHUTDOWN_TIMEOUT_MS);
      forced.unref();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      clearTimeout(forced);
      await runtime.close();
      await shutdownTracing(); // flushes the last spans (a no-op when tracing is off)
      if (config.LISTEN_SOCKET) await rm(config.LISTEN_SOCKET, { force: true });
      logger.info('stopped');
    })();
    return stopping;
  };
  return { server, runtime, config, logger, url: where, stop };
}

/** Removes a stale socket file left by a killed process, so listen() does not fail with EADDRINUSE. */
async function removeStaleSocket(path: string | undefined) {
  if (path) await rm(path, { force: true });
}

export async function main(
  env: NodeJS.ProcessEnv = process.env,
  options: { embeddedStores?: boolean; afterStop?: () => Promise<void> } = {},
) {
  try {
    await removeStaleSocket(env.LISTEN_SOCKET);
    const running = await startServer(env, options);
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        void running
          .stop(signal)
          .then(() => options.afterStop?.())
          .then(() => process.exit(0));
      });
    }
    return running;
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78);
    }
    throw error;
  }
}

if (isEntryPoint(import.meta.url)) {
  await main();
}
