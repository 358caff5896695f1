/**
 * Tracing as the rest of the code sees it: a switch that says whether the OpenTelemetry SDK is to run (read
 * from the standard OTEL_* variables only), thin span helpers over `@opentelemetry/api`, the active trace's
 * ids for logs and problem documents, and the shutdown hook the server calls to flush spans.
 *
 * Without a started SDK the API is a no-op: spans are non-recording and `activeTraceIds()` is undefined, so
 * the helpers cost a function call when tracing is off. The SDK itself lives in tracing-sdk.ts and is only
 * loaded by instrument.ts (the `node --import` entry) when `tracingConfigured` says so.
 */
import {
  isSpanContextValid,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type SpanOptions,
} from '@opentelemetry/api';

const tracer = trace.getTracer('slipway');

/**
 * True when the SDK should start: an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), the SDK is not disabled (OTEL_SDK_DISABLED) and the traces exporter is
 * not `none` (OTEL_TRACES_EXPORTER).
 */
export function tracingConfigured(env: NodeJS.ProcessEnv): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!endpoint) return false;
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((e) => e.trim().toLowerCase());
  return !exporters.includes('none');
}

/**
 * `execArgv` for a worker thread: only the parent's flags that change how a module loads or how an error
 * reads (`--enable-source-maps`, `--conditions`, warnings, `--experimental-*`). Everything else stays out:
 * Node refuses V8 and per-process flags in a worker (`--max-old-space-size`, `--stack-size`, `--expose-gc`:
 * ERR_WORKER_INVALID_EXEC_ARGV, so one such flag on the service's command line would fail every ingest), and
 * no `--import` is passed — not the tracing preload (a worker has no requests to trace), and not tsx (a worker
 * module loads its own sources; Node 20 does not run tsx in workers).
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    if (arg === '--conditions' || arg === '-C') {
      if (execArgv[i + 1] !== undefined) kept.push(arg, execArgv[i + 1]!);
      i++;
    } else if (TAKES_VALUE.has(arg)) {
      i++; // left out with its value
    } else if (WORKER_FLAG.test(arg) && !arg.startsWith('--experimental-loader')) {
      kept.push(arg);
    }
  }
  return kept;
}

const WORKER_FLAG =
  /^(--enable-source-maps|--no-warnings|--no-deprecation|--conditions=.+|--experimental-[a-z-]+(=.*)?)$/;
/** Flags whose value is the next argument (that value must not be read as a flag). */
const TAKES_VALUE = new Set([
  '--import',
  '--require',
  '-r',
  '--loader',
  '--experimental-loader',
  '--stack-size',
]);

let shutdownHook: (() => Promise<void>) | undefined;

/** Registers the flush-and-stop of the running SDK (instrument.ts does, when it starts one). */
export function onTracingShutdown(hook: () => Promise<void>): void {
  shutdownHook = hook;
}

/** Flushes pending spans and stops the SDK; a no-op when tracing is off. Never throws. */
export async function shutdownTracing(): Promise<void> {
  const hook = shutdownHook;
  shutdownHook = undefined;
  try {
    await hook?.();
  } catch {
    // an unreachable collector must not stop a graceful shutdown: the spans are lost, the service is not
  }
}

/** The ids of the span active in this async context, when a sampled trace is being recorded. */
export function activeTraceIds(): { traceId: string; spanId: string } | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const context = span.spanContext();
  if (!isSpanContextValid(context)) return undefined;
  return { traceId: context.traceId, spanId: context.spanId };
}

/** Marks a span failed with the error (its type as `error.type`, the exception as an event). */
export function recordFailure(span: Span, error: unknown): void {
  const type = error instanceof Error ? error.name : typeof error;
  span.setAttribute('error.type', type);
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : undefined });
}

/** Runs `work` in a child span of the active one; the span ends when the promise settles. */
export function inSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      recordFailure(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** `inSpan` for synchronous work (a pure ranking step). */
export function inSpanSync<T>(name: string, attributes: Attributes, work: (span: Span) => T): T {
  return tracer.startActiveSpan(name, { attributes }, (span) => {
    try {
      return work(span);
    } catch (error) {
      recordFailure(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * A child span of the active one that the caller ends — for work that outlives one call, such as a
 * streamed completion consumed by an async generator.
 */
export function startSpan(name: string, options: SpanOptions = {}): Span {
  return tracer.startSpan(name, options);
}
