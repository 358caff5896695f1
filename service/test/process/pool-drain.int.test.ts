import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { providePostgres, type ProvidedPostgres } from '@slipway/harness';
import { createLogger } from '../../src/observability/logger.js';
import { createPostgresPool, waitForQuietPool } from '../../src/stores/postgres-pool.js';

/** Shutdown lets work that is between two queries finish before the pool is ended. */
describe('waitForQuietPool', () => {
  let postgres: ProvidedPostgres;
  beforeAll(async () => {
    postgres = await providePostgres();
  });
  afterAll(async () => postgres?.stop());

  it('waits for a handler that runs a second query after its first, then the pool can end', async () => {
    const pool = createPostgresPool(postgres.url, 2, createLogger('silent'));
    const handler = (async () => {
      await pool.query('SELECT pg_sleep(0.3)');
      await new Promise((r) => setImmediate(r)); // the gap between two queries of one handler
      return (await pool.query('SELECT 42 AS answer')).rows[0].answer as number;
    })();
    await new Promise((r) => setTimeout(r, 50)); // shutdown starts while the first query runs
    expect(await waitForQuietPool(pool, 5000)).toBe(true);
    await pool.end();
    expect(await handler).toBe(42);
  });

  it('gives up after its timeout while the pool stays busy', async () => {
    const pool = createPostgresPool(postgres.url, 2, createLogger('silent'));
    const busy = pool.query('SELECT pg_sleep(1)');
    expect(await waitForQuietPool(pool, 200)).toBe(false);
    await busy;
    await pool.end();
  });
});
