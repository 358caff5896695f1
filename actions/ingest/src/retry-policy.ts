// Pure: when to try a request again, and how long to wait first.

/** Answers that say "not now" rather than "not this": rate limited, unavailable, or a proxy in between. */
const RETRYABLE_STATUSES = new Set([408, 429, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

export interface RetryTiming {
  /** Wait before the first retry when the server names no time; doubles with each attempt. */
  baseDelayMs: number;
  /** No single wait is longer than this, whatever Retry-After says. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_TIMING: RetryTiming = { baseDelayMs: 1000, maxDelayMs: 60_000 };

/**
 * Milliseconds a Retry-After header asks for: delta-seconds or an HTTP date (RFC 9110 §10.2.3). Undefined
 * when absent or unreadable.
 */
export function retryAfterMs(header: string | null | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The wait before retry number `attempt` (1 = the first retry): Retry-After when given, else backoff. */
export function retryDelayMs(
  attempt: number,
  retryAfter: string | null | undefined,
  now: number,
  timing: RetryTiming = DEFAULT_RETRY_TIMING,
): number {
  const asked = retryAfterMs(retryAfter, now);
  const backoff = timing.baseDelayMs * 2 ** Math.max(0, attempt - 1);
  return Math.min(asked ?? backoff, timing.maxDelayMs);
}
