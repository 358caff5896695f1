import { availableParallelism } from 'node:os';
import type { Config } from '../config/config-schema.js';
import type { Metrics } from '../observability/metrics.js';
import { createPooledHashingEmbedder, type PooledEmbedder } from './embed-worker-pool.js';
import { createHashingEmbedder } from './hashing-embedder.js';
import { embedderFromSingleText, type Embedder } from './embedder.js';
import { OpenAIEmbedder } from './openai-embedder.js';

/** The embedder the configuration names, measured (latency and errors by provider) for every caller. */
export function createEmbedder(config: Config, metrics: Metrics): Embedder {
  if (config.EMBEDDINGS_PROVIDER === 'openai') {
    return measured(
      'openai',
      new OpenAIEmbedder({
        baseUrl: config.EMBEDDINGS_URL as string,
        apiKey: config.EMBEDDINGS_API_KEY,
        model: config.EMBEDDINGS_MODEL,
        dimensions: config.EMBEDDINGS_DIMENSIONS,
        timeoutMs: config.EMBEDDINGS_TIMEOUT_MS,
      }),
      metrics,
    );
  }
  return measured(
    'hashing',
    embedderFromSingleText(createHashingEmbedder({ dimension: config.EMBEDDINGS_DIMENSIONS })),
    metrics,
  );
}

/** Pure: EMBED_WORKERS when set, else one thread per core beyond the first, at most two. */
export function embedWorkerCount(configured: number | undefined, cores: number): number {
  return configured ?? Math.min(Math.max(cores - 1, 0), 2);
}

/**
 * The embedder ingest uses when it is not the query embedder: the hashing embedder in worker threads
 * (EMBED_WORKERS), measured like the others. Undefined for a remote model (its work is I/O) or 0 threads.
 */
export function createIngestEmbedder(config: Config, metrics: Metrics): PooledEmbedder | undefined {
  const threads = embedWorkerCount(config.EMBED_WORKERS, availableParallelism());
  if (config.EMBEDDINGS_PROVIDER !== 'hashing' || threads === 0) return undefined;
  const pooled = createPooledHashingEmbedder({ threads, dimension: config.EMBEDDINGS_DIMENSIONS });
  return { ...pooled, ...measured('hashing', pooled, metrics) };
}

function measured(provider: string, inner: Embedder, metrics: Metrics): Embedder {
  return {
    name: inner.name,
    dimensions: inner.dimensions,
    async embed(texts, signal) {
      const end = metrics.embeddingDuration.startTimer({ provider });
      try {
        return await inner.embed(texts, signal);
      } catch (error) {
        metrics.embeddingErrors.inc({ provider });
        throw error;
      } finally {
        end();
      }
    },
  };
}
