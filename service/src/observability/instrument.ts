/**
 * The `node --import` entry that turns tracing on: `node --import ./service/dist/observability/instrument.js
 * service/dist/server.js` (the image's command). When the OTEL_* variables configure an exporter it registers
 * the ESM loader hook for the instrumented packages and starts the OpenTelemetry SDK — both must happen
 * before express, pg and redis are first imported, which is why this is a preload and not part of server.ts
 * (ADR 0008). Otherwise it does nothing and loads nothing: no SDK, no hook, no cost.
 */
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';
import { onTracingShutdown, tracingConfigured } from './tracing.js';

// worker threads (the embedding pool) inherit the flag but have no requests: only the main thread traces
if (isMainThread && tracingConfigured(process.env)) {
  const { createTracingSdk, instrumentedModules } = await import('./tracing-sdk.js');
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
    data: { include: instrumentedModules },
  });
  const sdk = createTracingSdk(process.env);
  sdk.start();
  onTracingShutdown(() => sdk.shutdown());
}
