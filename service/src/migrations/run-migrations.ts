import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { Logger } from 'pino';

/** The repository's migrations/ folder (service/src|dist/migrations → ../../../migrations). */
export const migrationsDir = fileURLToPath(new URL('../../../migrations', import.meta.url));

/**
 * Applies pending forward-only SQL migrations with node-pg-migrate: one advisory lock so concurrent
 * runners serialise, each file in its own transaction, order checked against what was already run.
 */
export async function runMigrations(
  databaseUrl: string,
  logger: Logger,
  dir = process.env.MIGRATIONS_DIR ?? migrationsDir,
) {
  const applied = await runner({
    databaseUrl,
    dir,
    direction: 'up',
    migrationsTable: 'schema_migrations',
    checkOrder: true,
    count: Infinity,
    singleTransaction: false,
    logger: {
      debug: () => undefined,
      info: (msg: string) => logger.info(msg.trim()),
      warn: (msg: string) => logger.warn(msg.trim()),
      error: (msg: string) => logger.error(msg.trim()),
    },
  });
  return applied.map((m) => m.name);
}
