/**
 * The OpenTelemetry Node SDK as the service runs it: traces only (metrics stay with Prometheus, logs with
 * pino on stdout), exported over OTLP as the standard OTEL_* variables say (protocol http/protobuf unless
 * OTEL_EXPORTER_OTLP_PROTOCOL names another; batch delays from OTEL_BSP_*), with the http, express, pg and
 * node-redis instrumentations. Loaded only by instrument.ts, and only when tracing is configured, so a
 * service without an endpoint never loads it.
 */
import type { IncomingMessage } from 'node:http';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { RedisInstrumentation } from '@opentelemetry/instrumentation-redis';
import { NodeSDK } from '@opentelemetry/sdk-node';

/** Modules the instrumentations patch: the only ones the ESM loader hook intercepts. */
export const instrumentedModules = ['express', 'router', 'pg', 'pg-pool', 'redis', '@redis/client'];

/** Probes and scrapes arrive every few seconds and say nothing about a request: they are not traced. */
export function isUntracedPath(url: string | undefined): boolean {
  const path = (url ?? '').split('?')[0] ?? '';
  return path.startsWith('/health/') || path === '/metrics';
}

/** `slipway` unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES names the service (the SDK reads those). */
export function defaultServiceName(env: NodeJS.ProcessEnv): string | undefined {
  const named =
    env.OTEL_SERVICE_NAME?.trim() || /(^|,)\s*service\.name\s*=/.test(env.OTEL_RESOURCE_ATTRIBUTES ?? '');
  return named ? undefined : 'slipway';
}

export function createTracingSdk(env: NodeJS.ProcessEnv): NodeSDK {
  return new NodeSDK({
    serviceName: defaultServiceName(env),
    // Only traces: an empty list here keeps the SDK from starting its default OTLP metrics/log exporters.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request: IncomingMessage) => isUntracedPath(request.url),
      }),
      // Only the route handler's span (it names the route on the server span): one span per middleware and
      // per mounted router doubled the spans of a request and said little (docs/benchmarks.md#tracing).
      new ExpressInstrumentation({
        ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER],
      }),
      new PgInstrumentation({ requireParentSpan: true }),
      new RedisInstrumentation({ requireParentSpan: true }),
    ],
  });
}
