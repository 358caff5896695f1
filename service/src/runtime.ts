import type { Logger } from 'pino';
import type pg from 'pg';
import { MemoryCacheStore, RedisCacheStore, ServiceCache } from './caches/cache-store.js';
import { CollectionStore } from './collections/collection-store.js';
import { DocumentStore } from './documents/document-store.js';
import { createEmbedder } from './models/create-embedder.js';
import type { Config } from './config/config-schema.js';
import { createApp, type AppDeps } from './http/app.js';
import { ApiKeyStore } from './keys/api-key-store.js';
import { createMetrics } from './observability/metrics.js';
import { QuestionAnswerer } from './retrieval/answer-question.js';
import { createLlmAnswerer } from './retrieval/create-llm-answerer.js';
import { CollectionSearch } from './retrieval/search-collection.js';
import { answerRoutes } from './routes/answer-routes.js';
import { searchRoutes } from './routes/search-routes.js';
import { ChromaGateway } from './stores/chroma-gateway.js';
import { createPostgresPool, waitForQuietPool } from './stores/postgres-pool.js';
import { connectRedis } from './stores/redis-connection.js';

export interface Runtime {
  deps: AppDeps;
  app: ReturnType<typeof createApp>;
  close(): Promise<void>;
}

/** Connects the stores named by the config and wires the app. The only place that does I/O set-up. */
export async function createRuntime(
  config: Config,
  logger: Logger,
  overrides: { db?: pg.Pool } = {},
): Promise<Runtime> {
  const db = overrides.db ?? createPostgresPool(config.DATABASE_URL, config.DATABASE_POOL_MAX, logger);
  const chroma = new ChromaGateway(config.CHROMA_URL, config.CHROMA_COLLECTION_PREFIX);
  const redis = config.REDIS_URL ? await connectRedis(config.REDIS_URL, logger) : undefined;
  const keys = new ApiKeyStore(db, config.API_KEY_PEPPER);
  if (config.BOOTSTRAP_ADMIN_KEY) {
    if (await keys.bootstrapAdmin(config.BOOTSTRAP_ADMIN_KEY))
      logger.info('stored BOOTSTRAP_ADMIN_KEY as the first admin key');
  }
  const metrics = createMetrics();
  const deps: AppDeps = {
    config,
    logger,
    metrics,
    db,
    chroma,
    redis,
    keys,
    collections: new CollectionStore(db, chroma),
    documents: new DocumentStore(db, chroma),
    embedder: createEmbedder(config, metrics),
    cache: new ServiceCache(
      redis ? new RedisCacheStore(redis) : new MemoryCacheStore(),
      config.REDIS_KEY_PREFIX,
      metrics,
    ),
  };
  const search = new CollectionSearch({ ...deps, cacheTtlSeconds: config.CACHE_TTL_SECONDS });
  const answers = new QuestionAnswerer({
    ...deps,
    search,
    llm: createLlmAnswerer(config, metrics, logger),
    cacheTtlSeconds: config.CACHE_TTL_SECONDS,
  });
  deps.apiRouters = [searchRoutes(search), answerRoutes(answers)];
  const app = createApp(deps);
  return {
    deps,
    app,
    async close() {
      if (!overrides.db) await waitForQuietPool(db, Math.min(config.SHUTDOWN_TIMEOUT_MS, 5000));
      await Promise.allSettled([
        redis?.isOpen ? redis.quit() : Promise.resolve(),
        overrides.db ? Promise.resolve() : db.end(),
      ]);
    },
  };
}
