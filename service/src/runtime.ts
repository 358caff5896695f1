import type { Logger } from 'pino';
import type pg from 'pg';
import { MemoryCacheStore, RedisCacheStore, ServiceCache } from './caches/cache-store.js';
import { NotifiedCache } from './caches/notified-cache.js';
import { CollectionStore, type CollectionRef } from './collections/collection-store.js';
import { DocumentStore } from './documents/document-store.js';
import { createEmbedder, createIngestEmbedder } from './embeddings/create-embedder.js';
import type { Config } from './config/config-schema.js';
import { createApp, type AppDeps } from './app/create-app.js';
import { ApiKeyStore } from './keys/api-key-store.js';
import { KeyUsageCounter } from './keys/key-usage-counter.js';
import { createMetrics } from './observability/metrics.js';
import { QuestionAnswerer } from './answers/answer-question.js';
import { createLlmAnswerer } from './answers/create-llm-answerer.js';
import { ChunkRecordCache } from './retrieval/chunk-record-cache.js';
import { KeywordIndexes } from './retrieval/keyword-indexes.js';
import { QueryAuditWriter } from './retrieval/query-audit.js';
import { RetrievalStore } from './retrieval/retrieval-store.js';
import { CollectionSearch } from './retrieval/search-collection.js';
import { ChromaGateway } from './stores/chroma-gateway.js';
import { createPostgresPool, waitForQuietPool } from './stores/postgres-pool.js';
import { ChangeListener } from './stores/change-listener.js';
import { connectRedis } from './stores/redis-connection.js';

export interface Runtime {
  deps: AppDeps;
  app: ReturnType<typeof createApp>;
  close(): Promise<void>;
}

/** Connects the stores named by the config and wires the dependencies of the app; routes are mounted in app/. */
export async function createRuntime(
  config: Config,
  logger: Logger,
  overrides: { db?: pg.Pool } = {},
): Promise<Runtime> {
  const db = overrides.db ?? createPostgresPool(config.DATABASE_URL, config.DATABASE_POOL_MAX, logger);
  const chroma = new ChromaGateway(config.CHROMA_URL, config.CHROMA_COLLECTION_PREFIX);
  const redis = config.REDIS_URL ? await connectRedis(config.REDIS_URL, logger) : undefined;
  const keys = new ApiKeyStore(db, config.API_KEY_PEPPER, config.API_KEY_CACHE_MS);
  if (config.BOOTSTRAP_ADMIN_KEY) {
    if (await keys.bootstrapAdmin(config.BOOTSTRAP_ADMIN_KEY))
      logger.info('stored BOOTSTRAP_ADMIN_KEY as the first admin key');
  }
  const metrics = createMetrics();
  // Postgres tells every process what changed, so its caches of keys and collection versions hold (ADR 0015)
  const changes = new ChangeListener(config.DATABASE_URL, logger, metrics);
  const resolvedCollections = new NotifiedCache<CollectionRef>(changes, config.COLLECTION_CACHE_MS);
  changes.on('slipway_collection_changed', (name) => resolvedCollections.forget(name));
  changes.on('slipway_api_key_changed', () => keys.forgetVerified());
  if (config.COLLECTION_CACHE_MS > 0 || config.API_KEY_CACHE_MS > 0) await changes.start();
  const nearCache = new MemoryCacheStore(config.CACHE_MEMORY_MB * 2 ** 20);
  const cache = new ServiceCache(
    redis ? new RedisCacheStore(redis, nearCache, config.CACHE_TTL_SECONDS) : nearCache,
    config.REDIS_KEY_PREFIX,
    metrics,
  );
  const keywordIndexes = config.KEYWORD_INDEX_ENABLED
    ? new KeywordIndexes(db, logger, { maxChunks: config.KEYWORD_INDEX_MAX_CHUNKS, metrics })
    : undefined;
  const chunkRecords = new ChunkRecordCache(config.CHUNK_RECORD_CACHE_SIZE);
  const audit = new QueryAuditWriter(db, logger);
  const ingestEmbedder = createIngestEmbedder(config, metrics);
  const collections = new CollectionStore(
    db,
    chroma,
    (id) => {
      keywordIndexes?.forget(id);
      chunkRecords.drop(id);
    },
    resolvedCollections,
  );
  const stores = {
    config,
    logger,
    metrics,
    db,
    chroma,
    redis,
    keys,
    keyUsage: new KeyUsageCounter({ db, redis, redisKeyPrefix: config.REDIS_KEY_PREFIX, logger }),
    collections,
    documents: new DocumentStore(db, chroma, (name) => collections.changed(name)),
    embedder: createEmbedder(config, metrics),
    ingestEmbedder,
    cache,
    keywordIndexes,
  };
  const store = new RetrievalStore({ ...stores, audit, chunkRecords });
  const search = new CollectionSearch({ ...stores, store, cacheTtlSeconds: config.CACHE_TTL_SECONDS });
  const answers = new QuestionAnswerer({
    ...stores,
    audit,
    search,
    llm: createLlmAnswerer(config, metrics, logger),
    cacheTtlSeconds: config.CACHE_TTL_SECONDS,
    outlines: (collectionId, documentIds) => stores.documents.outlines(collectionId, documentIds),
  });
  const deps: AppDeps = { ...stores, search, answers };
  const app = createApp(deps);
  // a new colour builds its indexes before readiness says ready (bounded; app/readiness-probe.ts)
  void keywordIndexes?.warm(config.KEYWORD_INDEX_WARM_TIMEOUT_MS).then((warm) => {
    logger.info(warm, `keyword indexes at start: ${warm.state}`);
  });
  return {
    deps,
    app,
    async close() {
      await changes.close();
      await audit.close();
      await deps.keyUsage.flush();
      await ingestEmbedder?.close();
      if (!overrides.db) await waitForQuietPool(db, Math.min(config.SHUTDOWN_TIMEOUT_MS, 5000));
      await Promise.allSettled([
        redis?.isOpen ? redis.quit() : Promise.resolve(),
        overrides.db ? Promise.resolve() : db.end(),
      ]);
    },
  };
}
