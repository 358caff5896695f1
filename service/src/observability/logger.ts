import { pino, type DestinationStream, type Logger } from 'pino';
import { activeTraceIds } from './tracing.js';

/** Paths pino blanks out wherever they appear in a log line. */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.apiKey',
  '*.api_key',
  '*.key',
  '*.token',
  '*.secret',
  'config.DATABASE_URL',
  'config.REDIS_URL',
  'config.API_KEY_PEPPER',
  'config.BOOTSTRAP_ADMIN_KEY',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'slipway' },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // trace_id/span_id (the OpenTelemetry log data model's names) on every line written inside a span
      mixin: traceFields,
    },
    destination,
  );
}

/** The active span's ids as log fields; nothing when tracing is off or no span is active. */
function traceFields(): { trace_id?: string; span_id?: string } {
  const ids = activeTraceIds();
  return ids ? { trace_id: ids.traceId, span_id: ids.spanId } : {};
}

/** Removes user:password from connection URLs before they are logged or shown. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '[unparseable url]';
  }
}
