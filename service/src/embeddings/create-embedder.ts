import type { Config } from '../config/config-schema.js';
import type { Metrics } from '../observability/metrics.js';
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
