import type { Logger } from 'pino';
import type pg from 'pg';
import type { QuestionAnswerer } from '../answers/answer-question.js';
import type { ServiceCache } from '../caches/cache-store.js';
import type { CollectionStore } from '../collections/collection-store.js';
import type { Config } from '../config/config-schema.js';
import type { DocumentStore } from '../documents/document-store.js';
import type { Embedder } from '../embeddings/embedder.js';
import type { ApiKeyStore } from '../keys/api-key-store.js';
import type { KeyUsageCounter } from '../keys/key-usage-counter.js';
import type { Metrics } from '../observability/metrics.js';
import type { KeywordIndexes } from '../retrieval/keyword-indexes.js';
import type { CollectionSearch } from '../retrieval/search-collection.js';
import type { ChromaGateway } from '../stores/chroma-gateway.js';
import type { RedisConnection } from '../stores/redis-connection.js';

/** Everything the HTTP app needs, created by the runtime (or by a test) and injected. */
export interface AppDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  db: pg.Pool;
  chroma: ChromaGateway;
  redis?: RedisConnection;
  keys: ApiKeyStore;
  /** Counts budgeted keys' usage (Redis when reachable, Postgres always). */
  keyUsage: KeyUsageCounter;
  collections: CollectionStore;
  documents: DocumentStore;
  embedder: Embedder;
  /** Ingest's embedder when it is not `embedder`: the hashing embedder in worker threads (EMBED_WORKERS). */
  ingestEmbedder?: Embedder;
  cache: ServiceCache;
  search: CollectionSearch;
  /** Absent when KEYWORD_INDEX_ENABLED=false. */
  keywordIndexes?: KeywordIndexes;
  answers: QuestionAnswerer;
}
