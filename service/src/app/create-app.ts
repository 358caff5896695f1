import cors from 'cors';
import express from 'express';
import { AppError } from '../errors/app-error.js';
import { redactUrl } from '../observability/redact-url.js';
import { recordHttpMetrics } from '../http/http-metrics.js';
import { notFoundHandler, problemErrorHandler } from '../http/problem-response.js';
import { requestContext } from '../http/request-context.js';
import { requestTimeout } from '../http/request-timeout.js';
import { securityHeaders } from '../http/security-headers.js';
import { trustProxyFunction } from '../http/trust-proxy.js';
import type { AppDeps } from './app-deps.js';
import { mountApiRoutes, mountPublicRoutes } from './mount-routes.js';

export type { AppDeps };

/** The Express app: cross-cutting middleware, every route (mount-routes.ts), the one error handler. */
export function createApp(deps: AppDeps) {
  const { config, logger, metrics } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxyFunction(config.TRUST_PROXY, config.LISTEN_SOCKET !== undefined));
  app.set('json spaces', 0);
  // API answers are computed per request (POST bodies, keyed caches): a hash of every body buys nothing
  app.set('etag', false);

  app.use(requestContext(logger));
  app.use(recordHttpMetrics(metrics));
  // helmet's defaults, but styles from our own origin only: the console has no inline script or style
  app.use(securityHeaders({ contentSecurityPolicy: { directives: { 'style-src': ["'self'"] } } }));
  app.use(
    cors({
      origin: (origin, callback) =>
        callback(null, origin !== undefined && config.CORS_ORIGINS.includes(origin)),
      exposedHeaders: ['x-request-id', 'RateLimit', 'RateLimit-Policy', 'Retry-After'],
      maxAge: 600,
    }),
  );
  app.use(requestTimeout(config.REQUEST_TIMEOUT_MS));

  mountPublicRoutes(app, deps);
  mountApiRoutes(app, deps);

  app.all('/v1/*path', (req, _res, next) => {
    next(new AppError(404, 'not-found', `No route for ${req.method} ${redactUrl(req.path)}.`));
  });
  app.use(notFoundHandler);
  app.use(problemErrorHandler(logger));
  return app;
}
