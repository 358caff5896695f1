import cors from 'cors';
import express, { type Router } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type pg from 'pg';
import swaggerUi from 'swagger-ui-express';
import { generateOpenApiDocument } from '../api/api-registry.js';
import type { ServiceCache } from '../caches/cache-store.js';
import type { CollectionStore } from '../collections/collection-store.js';
import type { DocumentStore } from '../documents/document-store.js';
import { ingestDepsOf } from '../documents/ingest-documents.js';
import type { Embedder } from '../models/embedder.js';
import { documentRoutes } from '../routes/document-routes.js';
import type { Config } from '../config/config-schema.js';
import type { ApiKeyStore } from '../keys/api-key-store.js';
import type { Metrics } from '../observability/metrics.js';
import { collectionRoutes } from '../routes/collection-routes.js';
import { keyRoutes } from '../routes/key-routes.js';
import { createReadinessCheck, healthRoutes, type ReadinessProbe } from '../routes/health-routes.js';
import type { ChromaGateway } from '../stores/chroma-gateway.js';
import type { RedisConnection } from '../stores/redis-connection.js';
import { AppError } from './app-error.js';
import { identifyCaller } from './authenticate.js';
import { consoleAssets } from './console-assets.js';
import { buildMetricsAllowList, metricsEndpoint, recordHttpMetrics } from './http-metrics.js';
import { notFoundHandler, problemErrorHandler } from './problem-response.js';
import { createRateLimiter } from './rate-limit.js';
import { requestContext } from './request-context.js';
import { requestTimeout } from './request-timeout.js';
import { trustProxyFunction } from './trust-proxy.js';

/** Everything the HTTP app needs, created by the runtime (or by a test) and injected. */
export interface AppDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  db: pg.Pool;
  chroma: ChromaGateway;
  redis?: RedisConnection;
  keys: ApiKeyStore;
  collections: CollectionStore;
  documents: DocumentStore;
  embedder: Embedder;
  cache: ServiceCache;
  /** Further /v1 routers (search, answer), mounted behind auth and rate limiting. */
  apiRouters?: Router[];
}

export function createApp(deps: AppDeps) {
  const { config, logger, metrics } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxyFunction(config.TRUST_PROXY, config.LISTEN_SOCKET !== undefined));
  app.set('json spaces', 0);

  app.use(...requestContext(logger));
  app.use(recordHttpMetrics(metrics));
  // helmet's defaults, but styles from our own origin only: the console has no inline script or style
  app.use(helmet({ contentSecurityPolicy: { directives: { 'style-src': ["'self'"] } } }));
  app.use(
    cors({
      origin: (origin, callback) =>
        callback(null, origin !== undefined && config.CORS_ORIGINS.includes(origin)),
      exposedHeaders: ['x-request-id', 'RateLimit', 'RateLimit-Policy', 'Retry-After'],
      maxAge: 600,
    }),
  );
  app.use(requestTimeout(config.REQUEST_TIMEOUT_MS));

  const readiness: ReadinessProbe = {
    timeoutMs: 2000,
    checks: [
      { name: 'postgres', required: true, run: () => deps.db.query('SELECT 1') },
      { name: 'chroma', required: true, run: () => deps.chroma.heartbeat() },
      {
        name: 'redis',
        required: false,
        run: deps.redis
          ? async () => {
              const redis = deps.redis as RedisConnection;
              if (!redis.isReady) throw new Error('not connected');
              await redis.ping();
            }
          : undefined,
      },
    ],
  };
  const checkReadiness = createReadinessCheck(readiness, metrics);
  app.use(healthRoutes(checkReadiness, { version: config.APP_VERSION, commit: config.GIT_COMMIT }));
  app.get(
    '/metrics',
    metricsEndpoint(metrics, buildMetricsAllowList(config.METRICS_ALLOW), async () => {
      await checkReadiness();
    }),
  );

  if (config.DOCS_ENABLED) {
    const document = generateOpenApiDocument(config.APP_VERSION);
    app.get('/openapi.json', (_req, res) => {
      res.json(document);
    });
    app.use('/docs', swaggerUi.serve, swaggerUi.setup(document, { customSiteTitle: 'Slipway API' }));
  }

  app.use(consoleAssets());

  const api = express.Router();
  api.use(
    express.json({
      limit: config.MAX_BODY_BYTES,
      strict: true,
      type: ['application/json', 'application/*+json'],
    }),
  );
  api.use(identifyCaller(deps.keys));
  api.use(
    createRateLimiter({
      perMinute: config.RATE_LIMIT_PER_MINUTE,
      redis: deps.redis,
      redisKeyPrefix: config.REDIS_KEY_PREFIX,
      logger,
    }).middleware,
  );
  api.use(keyRoutes());
  api.use(collectionRoutes(deps.collections, (id) => deps.cache.forgetCollection(id).then(() => undefined)));
  api.use(
    documentRoutes({
      collections: deps.collections,
      documents: deps.documents,
      ingest: ingestDepsOf(deps),
      maxDocumentsPerRequest: config.MAX_DOCUMENTS_PER_REQUEST,
    }),
  );
  for (const router of deps.apiRouters ?? []) api.use(router);
  app.use(api);

  app.all('/v1/*path', (req, _res, next) => {
    next(new AppError(404, 'not-found', `No route for ${req.method} ${req.path}.`));
  });
  app.use(notFoundHandler);
  app.use(problemErrorHandler(logger));
  return app;
}
