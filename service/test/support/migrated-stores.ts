import {
  provideChroma,
  providePostgres,
  provideRedis,
  type ProvidedChroma,
  type ProvidedPostgres,
  type ProvidedRedis,
} from '@slipway/harness';
import { runMigrations } from '../../src/migrations/run-migrations.js';
import { createLogger } from '../../src/observability/logger.js';

/** Real stores for one test file or bench: each of its own, Postgres migrated, named as the service's config names them. */
export interface MigratedStores<R extends ProvidedRedis | undefined = ProvidedRedis | undefined> {
  postgres: ProvidedPostgres;
  chroma: ProvidedChroma;
  redis: R;
  /** DATABASE_URL, CHROMA_URL, CHROMA_COLLECTION_PREFIX, and REDIS_URL / REDIS_KEY_PREFIX with Redis. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * A fresh migrated Postgres database, a Chroma collection prefix and, when asked, a Redis key prefix, from the
 * harness; a failure part-way stops what was already provided.
 */
export async function provideMigratedStores(options: { redis: true }): Promise<MigratedStores<ProvidedRedis>>;
export async function provideMigratedStores(options?: { redis?: false }): Promise<MigratedStores<undefined>>;
export async function provideMigratedStores(options: { redis?: boolean } = {}): Promise<MigratedStores> {
  const [postgres, chroma, redis] = await Promise.all([
    providePostgres(),
    provideChroma(),
    options.redis ? provideRedis() : Promise.resolve(undefined),
  ]);
  const stop = async () => {
    await Promise.allSettled([postgres.stop(), chroma.stop(), redis?.stop()]);
  };
  try {
    await runMigrations(postgres.url, createLogger('silent'));
  } catch (error) {
    await stop();
    throw error;
  }
  const env: Record<string, string> = {
    DATABASE_URL: postgres.url,
    CHROMA_URL: chroma.url,
    CHROMA_COLLECTION_PREFIX: chroma.collectionPrefix,
  };
  if (redis) Object.assign(env, { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.keyPrefix });
  return { postgres, chroma, redis, env, stop };
}
