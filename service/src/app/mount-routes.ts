/**
 * The one place that mounts every router. Public routes (health, version, metrics, docs) first; the /v1 API
 * behind authentication, rate limiting, key budgets and body parsing.
 */
import express, { type Express, type Request, type RequestHandler } from 'express';
import swaggerUi from 'swagger-ui-express';
import { ingestDepsOf } from '../documents/ingest-documents.js';
import { notFound } from '../errors/app-error.js';
import { redactUrl } from '../observability/redact-url.js';
import { identifyCaller, recogniseCaller, requireCaller } from '../http/authenticate.js';
import { enforceKeyBudget, meterModelTokens } from '../http/enforce-budget.js';
import { StreamSlots } from '../http/stream-slots.js';
import { buildMetricsAllowList, metricsEndpoint } from '../http/http-metrics.js';
import { createFailedAuthThrottle, createRateLimiter } from '../http/rate-limit.js';
import { generateOpenApiDocument } from '../openapi/openapi-registry.js';
import { answerRoutes } from '../routes/answer-routes.js';
import { collectionRoutes } from '../routes/collection-routes.js';
import { consoleRoutes } from '../routes/console-routes.js';
import { documentRoutes } from '../routes/document-routes.js';
import { createReadinessCheck, healthRoutes } from '../routes/health-routes.js';
import { keyRoutes } from '../routes/key-routes.js';
import { searchRoutes } from '../routes/search-routes.js';
import { defineExperiment } from '../retrieval/retrieval-experiment.js';
import type { AppDeps } from './app-deps.js';
import { readinessProbe } from './readiness-probe.js';

export function mountPublicRoutes(app: Express, deps: AppDeps): void {
  const { config, metrics } = deps;
  // /health/ready needs no key: calls within a second share one check. Scrapes (allowlisted) check afresh.
  const sharedReadiness = createReadinessCheck(readinessProbe(deps), metrics, 1000);
  const freshReadiness = createReadinessCheck(readinessProbe(deps), metrics, 0);
  app.use(healthRoutes(sharedReadiness, { version: config.APP_VERSION, commit: config.GIT_COMMIT }));
  app.get(
    '/metrics',
    metricsEndpoint(metrics, buildMetricsAllowList(config.METRICS_ALLOW), async () => {
      await freshReadiness();
    }),
  );
  if (config.DOCS_ENABLED) {
    const document = generateOpenApiDocument(config.APP_VERSION);
    app.get('/openapi.json', (_req, res) => {
      res.json(document);
    });
    app.use('/docs', swaggerUi.serve, swaggerUi.setup(document, { customSiteTitle: 'Slipway API' }));
  }
  app.use(consoleRoutes()); // the web console at / (a client of the public API below)
}

/**
 * /v1: the cheap checks first — no trailing slash (a URL client's `..` resolution must not reach another
 * route), a key verified moments ago (memory), the failed-auth throttle, the key, the rate limit, a key
 * required, the key's budget — and only then
 * the body is read; the rest of the request runs with the key's token meter.
 */
export function mountApiRoutes(app: Express, deps: AppDeps): void {
  const { config, logger } = deps;
  const experiment = defineExperiment(config);
  const limits = { redis: deps.redis, redisKeyPrefix: config.REDIS_KEY_PREFIX, logger };
  app.use(
    '/v1',
    refuseTrailingSlash,
    recogniseCaller(deps.keys),
    createFailedAuthThrottle({
      perMinute: config.AUTH_FAILURES_PER_MINUTE,
      ...limits,
      knownGood: (_req, res) => res.locals.apiKey !== undefined,
    }),
    identifyCaller(deps.keys),
    createRateLimiter({ perMinute: config.RATE_LIMIT_PER_MINUTE, ...limits }).middleware,
    requireCaller,
    enforceKeyBudget(deps.keyUsage, logger, deps.metrics, readsOwnKey),
    express.json({
      limit: config.MAX_BODY_BYTES,
      strict: true,
      type: ['application/json', 'application/*+json'],
    }),
    meterModelTokens,
  );
  app.use(keyRoutes(deps.keys, deps.keyUsage));
  app.use(collectionRoutes(deps.collections, (id) => deps.cache.forgetCollection(id).then(() => undefined)));
  app.use(
    documentRoutes({
      collections: deps.collections,
      documents: deps.documents,
      ingest: ingestDepsOf(deps),
      maxDocumentsPerRequest: config.MAX_DOCUMENTS_PER_REQUEST,
    }),
  );
  const queryLimits = { maxQueryChars: config.MAX_QUERY_CHARS };
  app.use(searchRoutes(deps.search, experiment, queryLimits));
  app.use(
    answerRoutes(deps.answers, experiment, new StreamSlots(config.MAX_CONCURRENT_STREAMS, deps.metrics), {
      ...queryLimits,
      logger,
    }),
  );
}

/** GET /v1/keys/me is never counted against a budget: a refused key can still learn when it resets. */
const readsOwnKey = (req: Request) => req.method === 'GET' && req.path === '/keys/me';

const refuseTrailingSlash: RequestHandler = (req, _res, next) => {
  const path = req.originalUrl.split('?')[0] ?? '';
  if (path.length > 1 && path.endsWith('/'))
    return next(notFound(`No route for ${req.method} ${redactUrl(path)}.`));
  next();
};
