import { z } from 'zod';
import { retrievalVariantsSetting, variantAllocationSetting } from './retrieval-variant-settings.js';

/**
 * The one configuration schema of the service. Every setting is declared once here, with its
 * documentation; `.env.example` and docs/configuration.md are generated from this list
 * (`npm run config:docs`) and a test fails when the checked-in copies are stale.
 */
export interface SettingDoc {
  /** Environment variable name. */
  name: string;
  description: string;
  /** A secret: may be given as NAME_FILE (path to a file holding the value); never logged. */
  secret?: boolean;
  /** Value written into .env.example (defaults are shown separately). */
  example?: string;
  /** Human-readable default, when the schema has one. */
  defaultText?: string;
  /** Required when NODE_ENV=production. */
  productionRequired?: boolean;
}

const DEV_PEPPER = 'slipway-development-pepper-do-not-use-in-production';

const booleanFromText = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const commaList = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

const intInRange = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** TRUST_PROXY accepts what Express's `trust proxy` setting accepts: a boolean, a hop count, or names/CIDRs. */
const trustProxy = z.string().transform((v): boolean | number | string[] => {
  if (v === 'true') return true;
  if (v === 'false' || v === '') return false;
  if (/^\d+$/.test(v)) return Number(v);
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
});

const url = (protocols: string[]) =>
  z.url().refine((v) => protocols.some((p) => v.startsWith(`${p}:`)), {
    message: `must be a ${protocols.join(' or ')} URL`,
  });

export const configShape = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: intInRange(0, 65535).default(3000),
  LISTEN_SOCKET: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  APP_VERSION: z.string().min(1).default('0.0.0-dev'),
  GIT_COMMIT: z.string().min(1).default('unknown'),

  DATABASE_URL: url(['postgres', 'postgresql']),
  DATABASE_POOL_MAX: intInRange(1, 200).default(10),
  CHROMA_URL: url(['http', 'https']),
  CHROMA_COLLECTION_PREFIX: z
    .string()
    .regex(/^[a-z0-9_-]{0,30}$/, 'up to 30 of a-z, 0-9, _ and -')
    .default('slipway_'),
  REDIS_URL: url(['redis', 'rediss']).optional(),
  REDIS_KEY_PREFIX: z.string().default('slipway:'),

  API_KEY_PEPPER: z.string().min(1).default(DEV_PEPPER),
  BOOTSTRAP_ADMIN_KEY: z.string().min(16).optional(),

  CORS_ORIGINS: commaList.default([]),
  TRUST_PROXY: trustProxy.default(false),
  METRICS_ALLOW: commaList.default([]),
  MAX_BODY_BYTES: intInRange(1024, 64 * 1024 * 1024).default(1024 * 1024),
  RATE_LIMIT_PER_MINUTE: intInRange(1, 1_000_000).default(120),
  AUTH_FAILURES_PER_MINUTE: intInRange(1, 1_000_000).default(20),
  REQUEST_TIMEOUT_MS: intInRange(100, 600_000).default(30_000),
  SHUTDOWN_TIMEOUT_MS: intInRange(100, 600_000).default(10_000),
  DOCS_ENABLED: booleanFromText.default(true),

  EMBEDDINGS_PROVIDER: z.enum(['hashing', 'openai']).default('hashing'),
  EMBEDDINGS_DIMENSIONS: intInRange(16, 8192).default(384),
  EMBEDDINGS_URL: url(['http', 'https']).optional(),
  EMBEDDINGS_API_KEY: z.string().min(1).optional(),
  EMBEDDINGS_MODEL: z.string().min(1).default('text-embedding-3-small'),
  EMBEDDINGS_TIMEOUT_MS: intInRange(100, 120_000).default(10_000),
  EMBED_WORKERS: intInRange(0, 64).optional(),
  LLM_URL: url(['http', 'https']).optional(),
  LLM_API_KEY: z.string().min(1).optional(),
  LLM_MODEL: z.string().min(1).default('gpt-4o-mini'),
  LLM_TIMEOUT_MS: intInRange(100, 300_000).default(20_000),
  LLM_FALLBACK_URL: url(['http', 'https']).optional(),
  LLM_FALLBACK_API_KEY: z.string().min(1).optional(),
  LLM_FALLBACK_MODEL: z.string().min(1).optional(),
  LLM_FIRST_TOKEN_TIMEOUT_MS: intInRange(100, 300_000).default(10_000),
  LLM_MAX_RETRIES: intInRange(0, 10).default(2),
  LLM_ANSWER_BUDGET_MS: intInRange(100, 600_000).default(20_000),
  LLM_BREAKER_FAILURE_THRESHOLD: intInRange(1, 1000).default(5),
  LLM_BREAKER_COOLDOWN_MS: intInRange(100, 3_600_000).default(30_000),
  CHUNK_SIZE: intInRange(100, 8000).default(800),
  CHUNK_OVERLAP: intInRange(0, 2000).default(120),
  CACHE_TTL_SECONDS: intInRange(1, 7 * 24 * 3600).default(3600),
  CACHE_MEMORY_MB: intInRange(0, 65_536).default(32),
  MAX_DOCUMENTS_PER_REQUEST: intInRange(1, 1000).default(100),
  INGEST_SLICE_VECTORS: intInRange(1, 5000).default(256),
  MAX_QUERY_CHARS: intInRange(16, 20_000).default(2000),
  KEYWORD_INDEX_ENABLED: booleanFromText.default(true),
  KEYWORD_INDEX_MAX_CHUNKS: intInRange(0, 100_000_000).default(2_000_000),
  KEYWORD_INDEX_WARM_TIMEOUT_MS: intInRange(0, 600_000).default(30_000),
  CHUNK_RECORD_CACHE_SIZE: intInRange(0, 10_000_000).default(20_000),
  API_KEY_CACHE_MS: intInRange(0, 60_000).default(2000),
  COLLECTION_CACHE_MS: intInRange(0, 600_000).default(5000),
  MAX_CONCURRENT_STREAMS: intInRange(0, 100_000).default(64),
  RETRIEVAL_VARIANTS: retrievalVariantsSetting.default({}),
  RETRIEVAL_VARIANT_ALLOCATION: variantAllocationSetting.default([{ name: 'control', percent: 100 }]),
  RETRIEVAL_EXPERIMENT_SALT: z.string().min(1).max(100).default('slipway'),
} as const;

export const configSchema = z.object(configShape);
export type Config = z.infer<typeof configSchema>;
export type SettingName = keyof typeof configShape;

export const settingDocs: Record<SettingName, Omit<SettingDoc, 'name'>> = {
  NODE_ENV: {
    description: '`development`, `test` or `production`. Production refuses to start on insecure settings.',
    defaultText: 'development',
    example: 'production',
  },
  HOST: {
    description: 'Interface to listen on when listening on a TCP port (the image sets 0.0.0.0).',
    defaultText: '127.0.0.1',
  },
  PORT: { description: 'TCP port to listen on (ignored when LISTEN_SOCKET is set).', defaultText: '3000' },
  LISTEN_SOCKET: {
    description:
      'Listen on this unix socket path instead of a TCP port (blue/green colours do; nginx proxies to the active one).',
    example: '/run/slipway/blue.sock',
  },
  LOG_LEVEL: { description: 'pino log level.', defaultText: 'info' },
  APP_VERSION: {
    description: 'Version reported by GET /version (the image sets it at build time).',
    defaultText: '0.0.0-dev',
  },
  GIT_COMMIT: {
    description: 'Commit reported by GET /version (the image sets it at build time).',
    defaultText: 'unknown',
  },
  DATABASE_URL: {
    description: 'Postgres connection URL. `npm start` starts an embedded Postgres when it is unset.',
    secret: true,
    productionRequired: true,
    example: 'postgres://slipway:change-me@127.0.0.1:5432/slipway',
  },
  DATABASE_POOL_MAX: { description: 'Maximum connections in the Postgres pool.', defaultText: '10' },
  CHROMA_URL: {
    description: 'Chroma server URL. `npm start` starts the npm-bundled Chroma server when it is unset.',
    productionRequired: true,
    example: 'http://127.0.0.1:8000',
  },
  CHROMA_COLLECTION_PREFIX: {
    description: 'Prefix of the Chroma collection backing each Slipway collection.',
    defaultText: 'slipway_',
  },
  REDIS_URL: {
    description:
      'Redis URL for rate-limit counters and caches. Without it (development only) both live in process memory.',
    secret: true,
    productionRequired: true,
    example: 'redis://:change-me@127.0.0.1:6379/0',
  },
  REDIS_KEY_PREFIX: { description: 'Prefix of every Redis key the service writes.', defaultText: 'slipway:' },
  API_KEY_PEPPER: {
    description:
      'Server-side secret mixed into API key hashes (HMAC-SHA256). At least 32 characters in production; changing it invalidates every key.',
    secret: true,
    productionRequired: true,
    defaultText: 'a development-only value',
    example: 'generate-with-openssl-rand-hex-32',
  },
  BOOTSTRAP_ADMIN_KEY: {
    description:
      'When set and no active admin key exists, stored (hashed) as the first admin key at start-up. At least 32 characters in production.',
    secret: true,
    example: 'generate-with-openssl-rand-hex-32',
  },
  CORS_ORIGINS: {
    description:
      'Comma-separated browser origins allowed by CORS. Empty: no cross-origin access. `*` is refused in production.',
    defaultText: '(empty)',
    example: 'https://app.example.com',
  },
  TRUST_PROXY: {
    description:
      'Express `trust proxy`: `true`, `false`, a hop count, or comma-separated names/CIDRs (e.g. `loopback`). Set it when behind nginx so client IPs (rate limits, /metrics allowlist) are right.',
    defaultText: 'false',
    example: 'loopback',
  },
  METRICS_ALLOW: {
    description: 'Comma-separated CIDRs allowed to read /metrics besides loopback.',
    defaultText: '(empty: loopback only)',
    example: '10.0.0.0/8',
  },
  MAX_BODY_BYTES: {
    description: 'Largest accepted JSON body; larger bodies get 413.',
    defaultText: '1048576',
  },
  RATE_LIMIT_PER_MINUTE: {
    description: 'Requests per minute per API key (per client IP when unauthenticated).',
    defaultText: '120',
  },
  AUTH_FAILURES_PER_MINUTE: {
    description:
      'Failed authentications (401) per minute per client IP; past it the IP gets 429 before any key is checked.',
    defaultText: '20',
  },
  REQUEST_TIMEOUT_MS: {
    description:
      'A request still unanswered after this long gets 503, or 408 when its body has not fully arrived.',
    defaultText: '30000',
  },
  SHUTDOWN_TIMEOUT_MS: {
    description: 'On SIGTERM, how long in-flight requests may take before the process exits anyway.',
    defaultText: '10000',
  },
  DOCS_ENABLED: { description: 'Serve the OpenAPI document and /docs.', defaultText: 'true' },
  EMBEDDINGS_PROVIDER: {
    description:
      '`hashing` (local, deterministic, no download) or `openai` (any OpenAI-compatible /v1/embeddings). Changing it, or the dimensions, needs a re-ingest.',
    defaultText: 'hashing',
  },
  EMBEDDINGS_DIMENSIONS: { description: 'Vector length of the embedding model.', defaultText: '384' },
  EMBEDDINGS_URL: {
    description:
      'Base URL of the OpenAI-compatible embeddings endpoint (required when EMBEDDINGS_PROVIDER=openai).',
    example: 'https://api.openai.com',
  },
  EMBEDDINGS_API_KEY: { description: 'API key for the embeddings endpoint.', secret: true },
  EMBEDDINGS_MODEL: {
    description: 'Embedding model name sent to the endpoint.',
    defaultText: 'text-embedding-3-small',
  },
  EMBEDDINGS_TIMEOUT_MS: {
    description: 'Timeout of one embeddings request (retried with back-off).',
    defaultText: '10000',
  },
  EMBED_WORKERS: {
    description:
      "Worker threads that compute hashing embeddings for ingest, off the event loop (0 = in the request's own thread). Not used with EMBEDDINGS_PROVIDER=openai.",
    defaultText: 'min(CPU cores − 1, 2)',
  },
  LLM_URL: {
    description:
      'Base URL of an OpenAI-compatible /v1/chat/completions endpoint. Unset: answers are extractive (quoted sentences).',
    example: 'https://api.openai.com',
  },
  LLM_API_KEY: { description: 'API key for the LLM endpoint.', secret: true },
  LLM_MODEL: { description: 'Chat model name.', defaultText: 'gpt-4o-mini' },
  LLM_TIMEOUT_MS: { description: 'Timeout of one LLM request.', defaultText: '20000' },
  LLM_FALLBACK_URL: {
    description:
      'Optional second OpenAI-compatible endpoint, tried when the first fails or its breaker is open.',
  },
  LLM_FALLBACK_API_KEY: { description: 'API key for the fallback LLM endpoint.', secret: true },
  LLM_FALLBACK_MODEL: { description: 'Chat model of the fallback endpoint.', defaultText: 'LLM_MODEL' },
  LLM_FIRST_TOKEN_TIMEOUT_MS: {
    description: 'Streamed answers: longest wait for the first token of one attempt before it is retried.',
    defaultText: '10000',
  },
  LLM_MAX_RETRIES: {
    description: 'Retries of a failed LLM request (jittered exponential back-off), per endpoint.',
    defaultText: '2',
  },
  LLM_ANSWER_BUDGET_MS: {
    description:
      'Time all LLM endpoints together may take (for a stream: until the first token) before the extractive answer is used. Capped below REQUEST_TIMEOUT_MS.',
    defaultText: '20000',
  },
  LLM_BREAKER_FAILURE_THRESHOLD: {
    description: "Consecutive LLM failures that open an endpoint's circuit breaker.",
    defaultText: '5',
  },
  LLM_BREAKER_COOLDOWN_MS: {
    description: 'How long an open LLM circuit breaker waits before letting one probe request through.',
    defaultText: '30000',
  },
  CHUNK_SIZE: {
    description: 'Target chunk size in characters (chunks end on sentence/paragraph boundaries).',
    defaultText: '800',
  },
  CHUNK_OVERLAP: { description: 'Characters of overlap between consecutive chunks.', defaultText: '120' },
  CACHE_TTL_SECONDS: {
    description:
      'Lifetime of cached embeddings, retrieval results and answers (ingest/delete invalidate at once).',
    defaultText: '3600',
  },
  CACHE_MEMORY_MB: {
    description:
      "Process memory for recently used cache entries, looked up before Redis (without Redis, the whole cache). Entries are keyed by the collection's version, so a copy in memory is never stale: it saves the round trip a cache hit would make (ADR 0017). 0: every look-up asks Redis.",
    defaultText: '32',
  },
  MAX_DOCUMENTS_PER_REQUEST: {
    description: 'Most documents in one batch ingest request.',
    defaultText: '100',
  },
  INGEST_SLICE_VECTORS: {
    description:
      'Chunks per slice of an ingest: each slice is one embedding call and one Chroma add, and the next slice is embedded while this one is written. Fewer, larger adds cost Chroma less (docs/benchmarks.md).',
    defaultText: '256',
  },
  MAX_QUERY_CHARS: {
    description:
      'Longest search query or question, in characters after trimming (at most 20000); longer ones are 422. A question goes into the model prompt beside the passages.',
    defaultText: '2000',
  },
  KEYWORD_INDEX_ENABLED: {
    description:
      'Keep an exact BM25 index per collection in memory (same scores as the SQL path; a stale or cold index falls back to SQL). `false`: every keyword search runs in Postgres.',
    defaultText: 'true',
  },
  KEYWORD_INDEX_MAX_CHUNKS: {
    description:
      'Most chunks held in memory over all keyword indexes; the least recently used collections beyond it are searched in SQL (docs/scaling.md).',
    defaultText: '2000000',
  },
  KEYWORD_INDEX_WARM_TIMEOUT_MS: {
    description:
      "At start, how long readiness waits for every collection's keyword index; past it the process is ready, serves the SQL path, and says so in /health/ready.",
    defaultText: '30000',
  },
  CHUNK_RECORD_CACHE_SIZE: {
    description:
      "Most chunk records (text, offsets, the document's title and source; about 1 KB each for 800-character chunks) a process keeps for hydrating search results, each served only at the collection version it was read at. 0: every search reads them from Postgres.",
    defaultText: '20000',
  },
  API_KEY_CACHE_MS: {
    description:
      "How long a verified API key is trusted without asking Postgres. A key revoked, re-scoped or re-budgeted anywhere is dropped at once through Postgres's change notifications (ADR 0015); this is the bound when they cannot arrive. 0 disables the cache.",
    defaultText: '2000',
  },
  COLLECTION_CACHE_MS: {
    description:
      "How long a process keeps a collection's id and version (part of every cache key) without asking Postgres. Only while Postgres's change notifications arrive: an ingest, delete or recreate anywhere drops it on commit (ADR 0015); this bounds what no notification reports. 0: every request reads it from Postgres.",
    defaultText: '5000',
  },
  MAX_CONCURRENT_STREAMS: {
    description:
      'Streamed (SSE) answers one process serves at once; past it a stream request gets 503 `streams-at-capacity` with Retry-After at once. 0: no cap.',
    defaultText: '64',
  },
  RETRIEVAL_VARIANTS: {
    description:
      'Retrieval experiment variants as JSON: `{"name": {"mode", "keywordWeight", "vectorWeight", "feedback": {"chunks", "weight"}, "mmrLambda", "keywordExpansion"}}`, each field optional (the defaults fill the rest). `keywordExpansion` is RM3 on the keyword side: `false` turns it off, `{"fbDocs", "fbTerms", "originalQueryWeight"}` (each optional; `{}`: 5, 10, 0.5) turns it on (ADR 0014; off in control). At most 8; names 1-32 of a-z, 0-9, -; `control` is the defaults. See docs/operations.md "Retrieval experiments".',
    defaultText: '{} (only control)',
    example: '{"keyword-heavy": {"keywordWeight": 2}}',
  },
  RETRIEVAL_VARIANT_ALLOCATION: {
    description:
      'Share of API keys per variant, `name=percent,…` summing to 100; every name must be `control` or defined in RETRIEVAL_VARIANTS. A key is assigned by a hash of its id and RETRIEVAL_EXPERIMENT_SALT.',
    defaultText: 'control=100',
    example: 'control=90,keyword-heavy=10',
  },
  RETRIEVAL_EXPERIMENT_SALT: {
    description:
      'Mixed into the hash that assigns keys to variants: change it to draw a new assignment for a new experiment.',
    defaultText: 'slipway',
  },
};

export const DEVELOPMENT_PEPPER = DEV_PEPPER;

export const secretSettings = (Object.keys(settingDocs) as SettingName[]).filter(
  (n) => settingDocs[n].secret,
);
