import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every Prometheus metric the service exports, in one registry per app instance
 * (tests create many apps in one process, so nothing is registered globally).
 * Alert rules and dashboards (compose/observability) refer to these names.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: latencyBuckets,
      registers: [registry],
    }),
    dependencyUp: new Gauge({
      name: 'slipway_dependency_up',
      help: 'Readiness of each dependency at the last check (1 ok, 0 down; skipped dependencies are absent).',
      labelNames: ['dependency'] as const,
      registers: [registry],
    }),
    retrievalDuration: new Histogram({
      name: 'slipway_retrieval_duration_seconds',
      help: 'Search latency by mode (keyword, vector, hybrid) and retrieval experiment variant.',
      labelNames: ['mode', 'variant'] as const,
      buckets: latencyBuckets,
      registers: [registry],
    }),
    keywordSearches: new Counter({
      name: 'slipway_keyword_searches_total',
      help: 'Keyword retrievals by path: memory (the in-process BM25 index) or sql (stale/cold index, or a filter).',
      labelNames: ['path'] as const,
      registers: [registry],
    }),
    keywordIndexChunks: new Gauge({
      name: 'slipway_keyword_index_chunks',
      help: 'Chunks held by the in-process BM25 indexes.',
      registers: [registry],
    }),
    changeNotificationsListening: new Gauge({
      name: 'slipway_change_notifications_listening',
      help: "1 while the process hears Postgres's change notifications (its caches of collection versions and keys are used), 0 while it reads through.",
      registers: [registry],
    }),
    keywordIndexBytes: new Gauge({
      name: 'slipway_keyword_index_bytes',
      help: 'Bytes of the typed arrays of the in-process BM25 indexes (ids and the term map come on top).',
      registers: [registry],
    }),
    retrievalDegraded: new Counter({
      name: 'slipway_retrieval_degraded_total',
      help: 'Searches answered without one of their retrievers (label: the missing part).',
      labelNames: ['missing'] as const,
      registers: [registry],
    }),
    embeddingDuration: new Histogram({
      name: 'slipway_embedding_duration_seconds',
      help: 'Embedding batch latency by provider.',
      labelNames: ['provider'] as const,
      buckets: latencyBuckets,
      registers: [registry],
    }),
    embeddingErrors: new Counter({
      name: 'slipway_embedding_errors_total',
      help: 'Failed embedding requests by provider.',
      labelNames: ['provider'] as const,
      registers: [registry],
    }),
    llmDuration: new Histogram({
      name: 'slipway_llm_request_duration_seconds',
      help: 'LLM chat completion latency by endpoint (primary, fallback).',
      labelNames: ['endpoint'] as const,
      buckets: latencyBuckets,
      registers: [registry],
    }),
    llmErrors: new Counter({
      name: 'slipway_llm_errors_total',
      help: 'Failed LLM requests by endpoint and reason (timeout, http, network, breaker_open).',
      labelNames: ['endpoint', 'reason'] as const,
      registers: [registry],
    }),
    llmTokens: new Counter({
      name: 'slipway_llm_tokens_total',
      help: 'LLM tokens by direction (in, out).',
      labelNames: ['direction'] as const,
      registers: [registry],
    }),
    llmBreakerState: new Gauge({
      name: 'slipway_llm_breaker_state',
      help: 'LLM circuit breaker state by endpoint: 0 closed, 1 half-open, 2 open.',
      labelNames: ['endpoint'] as const,
      registers: [registry],
    }),
    cacheRequests: new Counter({
      name: 'slipway_cache_requests_total',
      help: 'Cache look-ups by cache (embedding, retrieval, response) and result (hit, miss).',
      labelNames: ['cache', 'result'] as const,
      registers: [registry],
    }),
    ingestedDocuments: new Counter({
      name: 'slipway_ingested_documents_total',
      help: 'Documents ingested, by outcome (stored, duplicate, failed).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    ingestedChunks: new Counter({
      name: 'slipway_ingested_chunks_total',
      help: 'Chunks embedded and stored.',
      registers: [registry],
    }),
    answers: new Counter({
      name: 'slipway_answers_total',
      help: 'Answers by mode (extractive, llm), whether they came from the response cache, and retrieval experiment variant.',
      labelNames: ['mode', 'cached', 'variant'] as const,
      registers: [registry],
    }),
    answerStreamsActive: new Gauge({
      name: 'slipway_answer_streams_active',
      help: 'Streamed (SSE) answers this process is serving (MAX_CONCURRENT_STREAMS caps it).',
      registers: [registry],
    }),
    answerStreamsRefused: new Counter({
      name: 'slipway_answer_streams_refused_total',
      help: 'Stream requests refused with 503 because MAX_CONCURRENT_STREAMS streams were running.',
      registers: [registry],
    }),
    budgetRefusals: new Counter({
      name: 'slipway_budget_refusals_total',
      help: "Requests refused with 402 because their key's budget for the period was used up.",
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
