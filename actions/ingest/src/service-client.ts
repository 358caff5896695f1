// The service's public v1 API as the action uses it: who the key is, whether the collection exists, and
// POST …/documents. Retries what says "not now" (429, 503, a proxy's 502/504, a dropped connection or a
// timeout) up to `maxRetries` times, waiting what Retry-After asks (bounded) or backing off. The key goes
// only into the Authorization header: never into a message.
import { isRetryableStatus, retryDelayMs, type RetryTiming } from './retry-policy.js';
import type { SourceDocument } from './source-documents.js';

export interface ServiceClientOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  maxRetries: number;
  retryTiming?: RetryTiming;
  /** Told about each retry (the action logs it). */
  onRetry?: (what: string, delayMs: number, attempt: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** An HTTP answer that is not a success: its status and what the problem document says. */
export interface FailedAnswer {
  ok: false;
  status: number;
  /** "409 Conflict: The content of …" — from the problem+json body (RFC 9457), else the status text. */
  message: string;
}

export type Answer<T> = { ok: true; status: number; body: T } | FailedAnswer;

/** Every retry was used up, or the service could not be reached at all. */
export class ServiceUnreachable extends Error {}

export interface KeyIdentity {
  name: string;
  prefix: string;
  scopes: string[];
}

export interface IngestOutcome {
  id: string;
  chunks: number;
  duplicate: boolean;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Pure: one line from a problem+json body (title, detail, and the first field errors), or the status. */
export function describeProblem(status: number, statusText: string, body: string): string {
  let problem: { title?: unknown; detail?: unknown; errors?: unknown } | undefined;
  try {
    problem = JSON.parse(body) as typeof problem;
  } catch {
    problem = undefined;
  }
  const title = typeof problem?.title === 'string' ? problem.title : statusText;
  const detail = typeof problem?.detail === 'string' ? `: ${problem.detail}` : '';
  const fields = Array.isArray(problem?.errors)
    ? (problem.errors as { path?: unknown; message?: unknown }[])
        .slice(0, 3)
        .map((error) => `${String(error.path ?? '')} ${String(error.message ?? '')}`.trim())
    : [];
  return `${status} ${title}${detail}${fields.length ? ` (${fields.join('; ')})` : ''}`;
}

export class ServiceClient {
  private readonly base: string;

  constructor(private readonly options: ServiceClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
  }

  whoAmI(): Promise<Answer<KeyIdentity>> {
    return this.request('GET', '/v1/keys/me');
  }

  collection(name: string): Promise<Answer<{ name: string }>> {
    return this.request('GET', `/v1/collections/${encodeURIComponent(name)}`);
  }

  /** The stored document of that id (its text and hash); 404 when none has it. */
  document(collection: string, id: string): Promise<Answer<{ id: string; sha256: string }>> {
    return this.request('GET', documentPath(collection, id));
  }

  deleteDocument(collection: string, id: string): Promise<Answer<undefined>> {
    return this.request('DELETE', documentPath(collection, id));
  }

  ingest(collection: string, documents: SourceDocument[]): Promise<Answer<{ documents: IngestOutcome[] }>> {
    return this.request('POST', `/v1/collections/${encodeURIComponent(collection)}/documents`, {
      documents,
    });
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    const { maxRetries, timeoutMs } = this.options;
    const sleep = this.options.sleep ?? defaultSleep;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    for (let attempt = 0; ; attempt += 1) {
      let retryAfter: string | null = null;
      let why: string;
      try {
        const response = await fetch(`${this.base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${this.options.apiKey}`,
            accept: 'application/json, application/problem+json',
            ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: payload,
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await response.text();
        if (response.ok) {
          return { ok: true, status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
        }
        const message = describeProblem(response.status, response.statusText, text);
        if (!isRetryableStatus(response.status)) return { ok: false, status: response.status, message };
        retryAfter = response.headers.get('retry-after');
        why = message;
      } catch (error) {
        why = networkFailure(error, timeoutMs);
      }
      if (attempt >= maxRetries) {
        throw new ServiceUnreachable(
          `${method} ${path}: ${why}${maxRetries > 0 ? ` (after ${maxRetries} ${maxRetries === 1 ? 'retry' : 'retries'})` : ''}`,
        );
      }
      const delay = retryDelayMs(attempt + 1, retryAfter, Date.now(), this.options.retryTiming);
      this.options.onRetry?.(`${method} ${path}: ${why}`, delay, attempt + 1);
      await sleep(delay);
    }
  }
}

function documentPath(collection: string, id: string): string {
  return `/v1/collections/${encodeURIComponent(collection)}/documents/${encodeURIComponent(id)}`;
}

function networkFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs / 1000} s`;
  }
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return code ? `${message} (${code})` : message;
}
