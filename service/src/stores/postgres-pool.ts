import pg from 'pg';
import type { Logger } from 'pino';

export function createPostgresPool(url: string, max: number, logger: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    statement_timeout: 30_000,
    application_name: 'slipway',
  });
  // an idle client losing its connection must not crash the process
  pool.on('error', (error) => logger.warn({ err: { message: error.message } }, 'postgres idle client error'));
  return pool;
}

/**
 * Runs `fn` with a client checked out of the pool. While it is checked out, a lost connection surfaces as the
 * next query's error (the pool only listens on idle clients: an unheard 'error' event would end the
 * process), and a broken client is discarded rather than returned to the pool.
 */
export async function withClient<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient, connectionLost: () => boolean) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost = error;
  };
  client.on('error', onError);
  try {
    return await fn(client, () => lost !== undefined);
  } finally {
    client.off('error', onError);
    client.release(lost);
  }
}

/** Runs `fn` in a transaction (`begin` starts it), rolling back on any error. */
export async function inTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  begin = 'BEGIN',
): Promise<T> {
  return withClient(pool, async (client, connectionLost) => {
    try {
      await client.query(begin);
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      if (!connectionLost()) await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}

/**
 * Waits until no client is checked out and no one waits for one, for `quietMs` in a row (bounded by
 * `timeoutMs`). Shutdown calls it before ending the pool: a handler whose client already hung up may still be
 * between two queries, and ending the pool under it would fail its next query.
 */
export async function waitForQuietPool(pool: pg.Pool, timeoutMs: number, quietMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let quietSince: number | undefined;
  while (Date.now() < deadline) {
    const busy = pool.totalCount - pool.idleCount + pool.waitingCount > 0;
    if (busy) quietSince = undefined;
    else {
      quietSince ??= Date.now();
      if (Date.now() - quietSince >= quietMs) return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}
