import { createClient } from 'redis';
import type { Logger } from 'pino';
import { redactUrl } from '../observability/logger.js';

function createConnection(url: string, connectTimeoutMs: number) {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: connectTimeoutMs,
      reconnectStrategy: (retries) => Math.min(100 * 2 ** Math.min(retries, 5), 2000),
    },
  });
}

export type RedisConnection = ReturnType<typeof createConnection>;

/**
 * A Redis client that never blocks requests while Redis is away: commands fail fast
 * (no offline queue) and the client keeps reconnecting in the background.
 */
export async function connectRedis(
  url: string,
  logger: Logger,
  connectTimeoutMs = 2000,
): Promise<RedisConnection> {
  const client = createConnection(url, connectTimeoutMs);
  let lastErrorLog = 0;
  client.on('error', (error: Error) => {
    const now = Date.now();
    if (now - lastErrorLog > 10_000) {
      lastErrorLog = now;
      logger.warn({ err: { message: error.message }, redis: redactUrl(url) }, 'redis unavailable');
    }
  });
  client.on('ready', () => logger.info({ redis: redactUrl(url) }, 'redis ready'));
  const connecting = client.connect().catch(() => undefined);
  // Start-up does not wait forever: if Redis is down the service starts degraded and reconnects later.
  await Promise.race([connecting, new Promise((resolve) => setTimeout(resolve, connectTimeoutMs).unref())]);
  return client;
}
