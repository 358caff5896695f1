/**
 * The thin HTTP shell shared by the OpenAI-compatible clients: URL building, one attempt with
 * a timeout and the caller's signal, error classification into ModelError, and the retry loop.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { ModelError, isModelError, redactSecret } from '../errors/model-error.js';
import { backoffDelayMs, parseRetryAfterMs, type RetryPolicy } from './retry-policy.js';

export type FetchFunction = typeof fetch;
export type SleepFunction = (ms: number, signal?: AbortSignal) => Promise<void>;

/**
 * `{baseUrl}/v1/{path}`; a base URL that already ends in `/v1` (the OpenAI SDK convention,
 * e.g. `https://api.openai.com/v1`) is not given a second one.
 */
export function endpointUrl(baseUrl: string, path: 'embeddings' | 'chat/completions'): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  return /\/v1$/.test(trimmed) ? `${trimmed}/${path}` : `${trimmed}/v1/${path}`;
}

/** The URL as it may appear in messages and logs: no credentials, no query string. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

export const defaultSleep: SleepFunction = async (ms, signal) => {
  await delay(ms, undefined, signal ? { signal } : undefined);
};

export interface AttemptOptions {
  url: string;
  apiKey: string | undefined;
  timeoutMs: number;
  endpoint: string;
  signal: AbortSignal | undefined;
  fetch: FetchFunction;
}

/**
 * One HTTP attempt. Its signal fires on the overall timeout, on the caller's signal, or on
 * `abort()` (used for the time-to-first-token timeout and to cancel a stream the consumer left).
 */
export class RequestAttempt {
  readonly signal: AbortSignal;
  private readonly timeoutSignal: AbortSignal;
  private readonly local = new AbortController();

  get endpoint(): string {
    return this.options.endpoint;
  }

  constructor(private readonly options: AttemptOptions) {
    this.timeoutSignal = AbortSignal.timeout(options.timeoutMs);
    const signals = [this.timeoutSignal, this.local.signal];
    if (options.signal) signals.push(options.signal);
    this.signal = AbortSignal.any(signals);
  }

  abort(reason?: ModelError): void {
    if (!this.local.signal.aborted) this.local.abort(reason);
  }

  async post(body: unknown): Promise<Response> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    let response: Response;
    try {
      response = await this.options.fetch(this.options.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: this.signal,
      });
    } catch (error) {
      throw this.classify(error);
    }
    if (!response.ok) throw await this.httpError(response);
    return response;
  }

  async json(response: Response): Promise<unknown> {
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw this.classify(error);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw this.invalid('response body is not JSON');
    }
  }

  invalid(what: string): ModelError {
    return new ModelError('invalid_response', `${this.where()}: ${what}`, {
      endpoint: this.options.endpoint,
    });
  }

  /** Maps anything thrown while talking to the server to a ModelError. */
  classify(error: unknown): ModelError {
    const endpoint = this.options.endpoint;
    if (this.options.signal?.aborted) {
      return new ModelError('aborted', `${this.where()}: request aborted by the caller`, { endpoint });
    }
    if (this.timeoutSignal.aborted) {
      return new ModelError('timeout', `${this.where()}: timed out after ${this.options.timeoutMs} ms`, {
        endpoint,
      });
    }
    if (this.local.signal.aborted && isModelError(this.local.signal.reason)) return this.local.signal.reason;
    if (isModelError(error)) return error;
    return new ModelError('network', `${this.where()}: ${this.redact(networkMessage(error))}`, { endpoint });
  }

  private async httpError(response: Response): Promise<ModelError> {
    let detail = '';
    try {
      detail = errorDetail(await response.text());
    } catch {
      // the status is what matters; an unreadable error body adds nothing
    }
    const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'), Date.now());
    const message = `${this.where()}: HTTP ${response.status}${detail ? ` (${this.redact(detail)})` : ''}`;
    return new ModelError('http', message, {
      status: response.status,
      retryAfterMs,
      endpoint: this.options.endpoint,
    });
  }

  private where(): string {
    return `${this.options.endpoint} ${describeUrl(this.options.url)}`;
  }

  private redact(text: string): string {
    return redactSecret(text, this.options.apiKey);
  }
}

function networkMessage(error: unknown): string {
  if (!(error instanceof Error)) return 'network error';
  const cause = (error as { cause?: unknown }).cause;
  const code =
    cause && typeof cause === 'object' && 'code' in cause && typeof cause.code === 'string'
      ? cause.code
      : undefined;
  const causeMessage = cause instanceof Error ? cause.message : undefined;
  return [error.message, code, causeMessage].filter(Boolean).join(': ');
}

/** The `error.message` of an OpenAI-style error body, else the start of the body. */
function errorDetail(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof parsed.error === 'string') return parsed.error.slice(0, 200);
    if (parsed.error && typeof parsed.error.message === 'string') return parsed.error.message.slice(0, 200);
    if (typeof parsed.message === 'string') return parsed.message.slice(0, 200);
  } catch {
    // not JSON
  }
  return body.trim().slice(0, 200);
}

export interface RetryLoopOptions {
  policy: RetryPolicy;
  signal: AbortSignal | undefined;
  sleep: SleepFunction;
  random: () => number;
  onRetry?: (error: ModelError, retry: number, delayMs: number) => void;
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, or retries are exhausted.
 * A Retry-After longer than the policy allows ends the loop at once (waiting would outlast the caller).
 */
export async function withRetries<T>(
  attempt: (n: number) => Promise<T>,
  options: RetryLoopOptions,
): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!isModelError(error) || !error.retryable || n >= options.policy.maxRetries) throw error;
      let wait = backoffDelayMs(n, options.policy, options.random);
      if (error.retryAfterMs !== undefined) {
        if (error.retryAfterMs > options.policy.maxRetryAfterMs) throw error;
        wait = Math.max(wait, error.retryAfterMs);
      }
      options.onRetry?.(error, n, wait);
      try {
        await options.sleep(wait, options.signal);
      } catch {
        throw new ModelError('aborted', 'request aborted by the caller while waiting to retry', {
          endpoint: error.endpoint,
          cause: error,
        });
      }
    }
  }
}
