/** Embedder for any OpenAI-compatible `POST {baseUrl}/v1/embeddings` endpoint. */
import type { Metrics } from '../observability/metrics.js';
import { recordModelTokens } from '../observability/token-meter.js';
import type { CircuitBreaker } from '../openai-client/circuit-breaker.js';
import type { Embedder } from './embedder.js';
import {
  RequestAttempt,
  defaultSleep,
  endpointUrl,
  withRetries,
  type FetchFunction,
  type SleepFunction,
} from '../openai-client/openai-request.js';
import { defaultRetryPolicy, type RetryPolicy } from '../openai-client/retry-policy.js';

export interface OpenAIEmbedderOptions {
  /** Server root (`http://host:port`) or the OpenAI-style base ending in `/v1`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …` when set; never logged or put into error messages. */
  apiKey?: string;
  model: string;
  /** Expected vector length; a response with another length is an `invalid_response`. */
  dimensions: number;
  /** Also send `dimensions` in the request (text-embedding-3-* can shorten vectors). Default false. */
  sendDimensions?: boolean;
  /** Texts per request. Default 64. */
  batchSize?: number;
  /** Batches in flight at once for one `embed` call. Default 2. */
  concurrency?: number;
  /** Per-request timeout (each attempt). Default 10 000 ms. */
  timeoutMs?: number;
  /** Retry policy; any field omitted takes the default (2 retries, 250 ms base, 4 s cap, Retry-After ≤ 10 s). */
  retry?: Partial<RetryPolicy>;
  /** Optional breaker; when open, `embed` fails at once with reason 'breaker_open'. */
  breaker?: CircuitBreaker;
  /** Records slipway_embedding_duration_seconds / slipway_embedding_errors_total{provider="openai"}. */
  metrics?: Pick<Metrics, 'embeddingDuration' | 'embeddingErrors'>;
  /** Test seams. */
  fetch?: FetchFunction;
  sleep?: SleepFunction;
  random?: () => number;
}

const provider = 'openai';

export class OpenAIEmbedder implements Embedder {
  readonly name: string;
  readonly dimensions: number;
  private readonly url: string;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly timeoutMs: number;
  private readonly policy: RetryPolicy;

  constructor(private readonly options: OpenAIEmbedderOptions) {
    if (!Number.isInteger(options.dimensions) || options.dimensions < 1) {
      throw new RangeError('dimensions must be a positive integer');
    }
    this.name = `openai:${options.model}`;
    this.dimensions = options.dimensions;
    this.url = endpointUrl(options.baseUrl, 'embeddings');
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? 64));
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? 2));
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.policy = { ...defaultRetryPolicy, ...options.retry };
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    const batches: string[][] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) batches.push(texts.slice(i, i + this.batchSize));
    const results: number[][][] = new Array(batches.length);
    let next = 0;
    let failed = false;
    const worker = async () => {
      while (next < batches.length && !failed) {
        const index = next++;
        try {
          results[index] = await this.embedBatch(batches[index]!, signal);
        } catch (error) {
          failed = true; // let the other workers stop taking batches
          throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, batches.length) }, worker));
    return results.flat();
  }

  private async embedBatch(batch: string[], signal: AbortSignal | undefined): Promise<number[][]> {
    const started = performance.now();
    const call = () =>
      withRetries((attempt) => this.request(batch, signal, attempt), {
        policy: this.policy,
        signal,
        sleep: this.options.sleep ?? defaultSleep,
        random: this.options.random ?? Math.random,
      });
    try {
      const vectors = this.options.breaker
        ? await this.options.breaker.run(call, undefined, 'embeddings')
        : await call();
      this.options.metrics?.embeddingDuration.observe({ provider }, (performance.now() - started) / 1000);
      return vectors;
    } catch (error) {
      this.options.metrics?.embeddingErrors.inc({ provider });
      throw error;
    }
  }

  private async request(
    batch: string[],
    signal: AbortSignal | undefined,
    _attempt: number,
  ): Promise<number[][]> {
    const attempt = new RequestAttempt({
      url: this.url,
      apiKey: this.options.apiKey,
      timeoutMs: this.timeoutMs,
      endpoint: 'embeddings',
      signal,
      fetch: this.options.fetch ?? fetch,
    });
    // OpenAI rejects empty strings in `input`; a single space embeds as "nothing" everywhere.
    const input = batch.map((text) => (text === '' ? ' ' : text));
    const body: Record<string, unknown> = { model: this.options.model, input };
    if (this.options.sendDimensions) body.dimensions = this.dimensions;
    const response = await attempt.post(body);
    const payload = await attempt.json(response);
    const vectors = this.parse(payload, batch.length, attempt);
    recordModelTokens(tokensOf(payload, input));
    return vectors;
  }

  private parse(payload: unknown, expected: number, attempt: RequestAttempt): number[][] {
    const data = (payload as { data?: unknown } | null)?.data;
    if (!Array.isArray(data)) throw attempt.invalid('response has no data array');
    if (data.length !== expected) {
      throw attempt.invalid(`expected ${expected} embeddings, got ${data.length}`);
    }
    const vectors: (number[] | undefined)[] = new Array(expected);
    data.forEach((item: unknown, position) => {
      const entry = item as { index?: unknown; embedding?: unknown } | null;
      const index = typeof entry?.index === 'number' ? entry.index : position;
      if (!Number.isInteger(index) || index < 0 || index >= expected || vectors[index]) {
        throw attempt.invalid(`embedding index ${String(entry?.index)} is out of range or repeated`);
      }
      const embedding = entry?.embedding;
      if (!Array.isArray(embedding) || !embedding.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        throw attempt.invalid('embedding is not an array of finite numbers');
      }
      if (embedding.length !== this.dimensions) {
        throw attempt.invalid(`embedding has ${embedding.length} dimensions, expected ${this.dimensions}`);
      }
      vectors[index] = embedding as number[];
    });
    return vectors as number[][];
  }
}

/** The tokens the server reports for an embeddings call, or ≈ 4 characters a token when it reports none. */
function tokensOf(payload: unknown, input: string[]): number {
  const reported = (payload as { usage?: { total_tokens?: unknown } | null } | null)?.usage?.total_tokens;
  if (typeof reported === 'number' && Number.isFinite(reported) && reported >= 0) return reported;
  return input.reduce((sum, text) => sum + Math.ceil(text.length / 4), 0);
}
