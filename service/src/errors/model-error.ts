import { AppError } from './app-error.js';

/**
 * The error every model client (embeddings, chat) throws. `reason` is the metric label
 * (`slipway_llm_errors_total{reason}`) and decides whether a call is retried.
 * Messages never contain the API key: callers pass it to `redactSecret` before building a message.
 */
export type ModelErrorReason =
  | 'timeout'
  | 'http'
  | 'network'
  | 'invalid_response'
  | 'breaker_open'
  /** The caller's own AbortSignal fired (client went away): never retried, never a breaker failure. */
  | 'aborted';

export interface ModelErrorDetails {
  /** HTTP status when reason is 'http'. */
  status?: number;
  /** Parsed Retry-After of a 429/503, in milliseconds. */
  retryAfterMs?: number;
  /** Endpoint label (e.g. 'primary', 'fallback', 'embeddings'). */
  endpoint?: string;
  cause?: unknown;
}

export class ModelError extends AppError {
  override readonly name = 'ModelError';
  readonly reason: ModelErrorReason;
  /** The model endpoint's HTTP status when reason is 'http' (not this error's own status, which is 503). */
  readonly upstreamStatus: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly endpoint: string | undefined;

  constructor(reason: ModelErrorReason, message: string, details: ModelErrorDetails = {}) {
    super(503, 'dependency-unavailable', message);
    if (details.cause !== undefined) this.cause = details.cause;
    this.reason = reason;
    this.upstreamStatus = details.status;
    this.retryAfterMs = details.retryAfterMs;
    this.endpoint = details.endpoint;
  }

  /** Transient failures worth another attempt: timeouts, network errors, 408, 429 and 5xx. */
  get retryable(): boolean {
    if (this.reason === 'timeout' || this.reason === 'network') return true;
    if (this.reason === 'http' && this.upstreamStatus !== undefined) {
      const status = this.upstreamStatus;
      return status === 408 || status === 429 || status >= 500;
    }
    return false;
  }
}

export function isModelError(value: unknown): value is ModelError {
  return value instanceof ModelError;
}

/** Replaces every occurrence of `secret` in `text` (no-op for an empty or very short secret). */
export function redactSecret(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 4) return text;
  return text.split(secret).join('[REDACTED]');
}
