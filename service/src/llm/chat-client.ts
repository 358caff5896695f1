/**
 * Client for any OpenAI-compatible `POST {baseUrl}/v1/chat/completions`, plain and streaming.
 *
 * Retries (jittered exponential backoff, Retry-After honoured) happen only before the first token
 * of a stream has been handed to the caller: after that a failure ends the stream with a ModelError,
 * since re-asking would repeat text the caller already has.
 */
import type { Attributes, Span } from '@opentelemetry/api';
import type { Metrics } from '../observability/metrics.js';
import { inSpan, recordFailure, startSpan } from '../observability/tracing.js';
import { ModelError, isModelError } from '../errors/model-error.js';
import { recordModelTokens } from '../observability/token-meter.js';
import {
  RequestAttempt,
  defaultSleep,
  endpointUrl,
  withRetries,
  type FetchFunction,
  type SleepFunction,
} from '../openai-client/openai-request.js';
import { defaultRetryPolicy, type RetryPolicy } from '../openai-client/retry-policy.js';
import { readServerSentData } from '../openai-client/server-sent-events.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
  /** True when the server reported no usage and the numbers are estimated (≈ 4 characters a token). */
  estimated: boolean;
}

export interface ChatCompletion {
  content: string;
  finishReason: string | null;
  usage: ChatUsage;
}

export type ChatStreamEvent =
  { type: 'delta'; text: string } | { type: 'done'; finishReason: string | null; usage: ChatUsage };

export interface ChatRequestOptions {
  signal?: AbortSignal;
  maxTokens?: number;
  temperature?: number;
}

export interface ChatClientOptions {
  /** Server root (`http://host:port`) or the OpenAI-style base ending in `/v1`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …` when set; never logged or put into error messages. */
  apiKey?: string;
  model: string;
  /** Label for metrics and messages ('primary', 'fallback'). Default 'primary'. */
  endpoint?: string;
  /** Limit for one attempt, including reading the whole stream. Default 30 000 ms. */
  timeoutMs?: number;
  /** Stream only: limit from sending the request to the first content token. Default 10 000 ms. */
  firstTokenTimeoutMs?: number;
  /** Retry policy; omitted fields take the defaults (2 retries, 250 ms base, 4 s cap, Retry-After ≤ 10 s). */
  retry?: Partial<RetryPolicy>;
  /** Default 0.2. */
  temperature?: number;
  /** `max_tokens` of the request. Default 512. */
  maxTokens?: number;
  /**
   * Ask for `stream_options: {include_usage: true}` on streams. Default true. If the server rejects
   * the field (HTTP 400 naming it), the client stops sending it and estimates usage instead.
   */
  streamUsage?: boolean;
  /** Records slipway_llm_request_duration_seconds, slipway_llm_errors_total, slipway_llm_tokens_total. */
  metrics?: Pick<Metrics, 'llmDuration' | 'llmErrors' | 'llmTokens'>;
  /** Test seams. */
  fetch?: FetchFunction;
  sleep?: SleepFunction;
  random?: () => number;
}

interface ParsedChunk {
  content: string;
  finishReason: string | null;
  usage: { promptTokens: number; completionTokens: number } | undefined;
}

interface OpenedStream {
  attempt: RequestAttempt;
  /** Content received while waiting for the first token (at most one chunk's worth). */
  first: ParsedChunk[];
  chunks: AsyncGenerator<ParsedChunk, void, void> | undefined;
}

/** Rough token count for when a server reports none. */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / 4);
}

export class ChatClient {
  readonly endpoint: string;
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly firstTokenTimeoutMs: number;
  private readonly policy: RetryPolicy;
  private streamUsage: boolean;

  constructor(private readonly options: ChatClientOptions) {
    this.endpoint = options.endpoint ?? 'primary';
    this.url = endpointUrl(options.baseUrl, 'chat/completions');
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.firstTokenTimeoutMs = options.firstTokenTimeoutMs ?? 10_000;
    this.policy = { ...defaultRetryPolicy, ...options.retry };
    this.streamUsage = options.streamUsage ?? true;
  }

  /** One non-streaming completion. Rejects with ModelError. */
  complete(messages: ChatMessage[], request: ChatRequestOptions = {}): Promise<ChatCompletion> {
    return inSpan(this.spanName(), this.spanAttributes(request), async (span) => {
      const started = performance.now();
      try {
        const completion = await withRetries(
          () => this.completeOnce(messages, request),
          this.retryLoop(request, span),
        );
        this.recordSuccess(started, completion.usage);
        recordModelTokens(completion.usage.promptTokens + completion.usage.completionTokens);
        recordCompletion(span, completion.finishReason, completion.usage);
        return completion;
      } catch (error) {
        this.recordError(error);
        throw error;
      }
    });
  }

  /**
   * A streamed completion: `delta` events as content arrives, then one `done` event with usage.
   * Throws ModelError from the iterator on failure. Leaving the loop early cancels the request.
   */
  async *stream(
    messages: ChatMessage[],
    request: ChatRequestOptions = {},
  ): AsyncGenerator<ChatStreamEvent, void, void> {
    const started = performance.now();
    const span = startSpan(this.spanName(), { attributes: this.spanAttributes(request) });
    let opened: OpenedStream;
    try {
      opened = await withRetries(() => this.openStream(messages, request), this.retryLoop(request, span));
    } catch (error) {
      this.recordError(error);
      recordFailure(span, error);
      span.end();
      throw error;
    }
    let content = '';
    let finishReason: string | null = null;
    let usage: ParsedChunk['usage'];
    let metered = false;
    const take = (chunk: ParsedChunk) => {
      content += chunk.content;
      finishReason = chunk.finishReason ?? finishReason;
      usage = chunk.usage ?? usage;
    };
    try {
      for (const chunk of opened.first) {
        take(chunk);
        if (chunk.content) yield { type: 'delta', text: chunk.content };
      }
      if (opened.chunks) {
        for await (const chunk of opened.chunks) {
          take(chunk);
          if (chunk.content) yield { type: 'delta', text: chunk.content };
        }
      }
      const finalUsage = this.usage(messages, content, usage);
      this.recordSuccess(started, finalUsage);
      recordModelTokens(finalUsage.promptTokens + finalUsage.completionTokens);
      metered = true;
      recordCompletion(span, finishReason, finalUsage);
      yield { type: 'done', finishReason, usage: finalUsage };
    } catch (error) {
      const failure = opened.attempt.classify(error);
      this.recordError(failure);
      recordFailure(span, failure);
      throw failure;
    } finally {
      // A stream broken off (by the caller or the server) still cost the prompt and what was generated.
      if (!metered) {
        const estimate = this.usage(messages, content, undefined);
        recordModelTokens(estimate.promptTokens + estimate.completionTokens);
      }
      // No-ops after a complete stream; cancel the request when the caller left early.
      opened.attempt.abort();
      span.end();
      await opened.chunks?.return();
    }
  }

  /** The span name the GenAI semantic conventions give a chat call: `chat {gen_ai.request.model}`. */
  private spanName(): string {
    return `chat ${this.options.model}`;
  }

  /** GenAI and server attributes of the OpenTelemetry semantic conventions, known before the call. */
  private spanAttributes(request: ChatRequestOptions): Attributes {
    const url = new URL(this.url);
    return {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.system': 'openai', // the attribute's name before semantic conventions 1.37, still read by many UIs
      'gen_ai.request.model': this.options.model,
      'gen_ai.request.max_tokens': request.maxTokens ?? this.options.maxTokens ?? 512,
      'gen_ai.request.temperature': request.temperature ?? this.options.temperature ?? 0.2,
      'server.address': url.hostname,
      'server.port': Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
      'slipway.llm.endpoint': this.endpoint,
    };
  }

  private retryLoop(request: ChatRequestOptions, span: Span) {
    return {
      policy: this.policy,
      signal: request.signal,
      sleep: this.options.sleep ?? defaultSleep,
      random: this.options.random ?? Math.random,
      // each retry is an event on the call's span: which failure, which retry, how long it waits
      onRetry: (error: ModelError, retry: number, delayMs: number) =>
        span.addEvent('retry', {
          'error.type': error.reason,
          ...(error.upstreamStatus !== undefined && { 'http.response.status_code': error.upstreamStatus }),
          'slipway.retry.number': retry + 1,
          'slipway.retry.delay_ms': delayMs,
        }),
    };
  }

  private newAttempt(request: ChatRequestOptions): RequestAttempt {
    return new RequestAttempt({
      url: this.url,
      apiKey: this.options.apiKey,
      timeoutMs: this.timeoutMs,
      endpoint: this.endpoint,
      signal: request.signal,
      fetch: this.options.fetch ?? fetch,
    });
  }

  private body(
    messages: ChatMessage[],
    request: ChatRequestOptions,
    stream: boolean,
  ): Record<string, unknown> {
    const body: Record<string, unknown> = {
      model: this.options.model,
      messages,
      temperature: request.temperature ?? this.options.temperature ?? 0.2,
      max_tokens: request.maxTokens ?? this.options.maxTokens ?? 512,
      stream,
    };
    if (stream && this.streamUsage) body.stream_options = { include_usage: true };
    return body;
  }

  private async completeOnce(messages: ChatMessage[], request: ChatRequestOptions): Promise<ChatCompletion> {
    const attempt = this.newAttempt(request);
    const response = await attempt.post(this.body(messages, request, false));
    return this.parseCompletion(await attempt.json(response), messages, attempt);
  }

  private parseCompletion(
    payload: unknown,
    messages: ChatMessage[],
    attempt: RequestAttempt,
  ): ChatCompletion {
    const choice = (payload as { choices?: unknown[] } | null)?.choices?.[0] as
      { message?: { content?: unknown }; finish_reason?: unknown } | undefined;
    const content = choice?.message?.content;
    if (typeof content !== 'string') throw attempt.invalid('response has no choices[0].message.content');
    const finishReason = typeof choice?.finish_reason === 'string' ? choice.finish_reason : null;
    return { content, finishReason, usage: this.usage(messages, content, parseUsage(payload)) };
  }

  /** Sends the request and reads until the first content token (or the end); retried as a whole. */
  private async openStream(messages: ChatMessage[], request: ChatRequestOptions): Promise<OpenedStream> {
    const attempt = this.newAttempt(request);
    const firstTokenTimer = setTimeout(() => {
      attempt.abort(
        new ModelError('timeout', `${this.endpoint}: no first token within ${this.firstTokenTimeoutMs} ms`, {
          endpoint: this.endpoint,
        }),
      );
    }, this.firstTokenTimeoutMs);
    const askedForUsage = this.streamUsage;
    try {
      const response = await attempt.post(this.body(messages, request, true));
      const type = response.headers.get('content-type') ?? '';
      if (type.includes('application/json')) {
        // A server that ignores `stream: true` answers with a whole completion: accept it.
        const completion = this.parseCompletion(await attempt.json(response), messages, attempt);
        const usage = completion.usage.estimated ? undefined : completion.usage;
        return {
          attempt,
          first: [{ content: completion.content, finishReason: completion.finishReason, usage }],
          chunks: undefined,
        };
      }
      if (!response.body) throw attempt.invalid('stream response has no body');
      const chunks = parseChunks(readServerSentData(response.body), attempt);
      const first: ParsedChunk[] = [];
      for (;;) {
        const next = await chunks.next();
        if (next.done) return { attempt, first, chunks: undefined };
        first.push(next.value);
        if (next.value.content) return { attempt, first, chunks };
      }
    } catch (error) {
      attempt.abort();
      const failure = attempt.classify(error);
      if (askedForUsage && failure.upstreamStatus === 400 && /stream_options/i.test(failure.message)) {
        this.streamUsage = false; // an older server: ask again without it, and estimate usage
        clearTimeout(firstTokenTimer);
        return this.openStream(messages, request);
      }
      throw failure;
    } finally {
      clearTimeout(firstTokenTimer);
    }
  }

  private usage(messages: ChatMessage[], content: string, reported: ParsedChunk['usage']): ChatUsage {
    if (reported) return { ...reported, estimated: false };
    return {
      promptTokens: estimateTokens(messages.map((m) => m.content).join('\n')),
      completionTokens: estimateTokens(content),
      estimated: true,
    };
  }

  private recordSuccess(started: number, usage: ChatUsage): void {
    const metrics = this.options.metrics;
    if (!metrics) return;
    metrics.llmDuration.observe({ endpoint: this.endpoint }, (performance.now() - started) / 1000);
    metrics.llmTokens.inc({ direction: 'in' }, usage.promptTokens);
    metrics.llmTokens.inc({ direction: 'out' }, usage.completionTokens);
  }

  private recordError(error: unknown): void {
    if (isModelError(error) && error.reason === 'aborted') return;
    const reason = isModelError(error) ? error.reason : 'network';
    this.options.metrics?.llmErrors.inc({ endpoint: this.endpoint, reason });
  }
}

/** The outcome attributes of a chat call (GenAI semantic conventions). */
function recordCompletion(span: Span, finishReason: string | null, usage: ChatUsage): void {
  span.setAttributes({
    'gen_ai.usage.input_tokens': usage.promptTokens,
    'gen_ai.usage.output_tokens': usage.completionTokens,
    'gen_ai.response.finish_reasons': finishReason ? [finishReason] : [],
    'slipway.llm.usage_estimated': usage.estimated,
  });
}

function parseUsage(payload: unknown): ParsedChunk['usage'] {
  const usage = (
    payload as { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null } | null
  )?.usage;
  if (!usage || typeof usage.prompt_tokens !== 'number' || typeof usage.completion_tokens !== 'number') {
    return undefined;
  }
  return { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens };
}

/** SSE data → parsed chunks, until `[DONE]`. A stream that just stops without finishing is an error. */
async function* parseChunks(
  data: AsyncGenerator<string, void, void>,
  attempt: RequestAttempt,
): AsyncGenerator<ParsedChunk, void, void> {
  let finished = false;
  for await (const payload of data) {
    if (payload.trim() === '[DONE]') return;
    let parsed: {
      choices?: { delta?: { content?: unknown }; finish_reason?: unknown }[];
      error?: { message?: unknown };
    };
    try {
      parsed = JSON.parse(payload) as typeof parsed;
    } catch {
      throw attempt.invalid('stream chunk is not JSON');
    }
    if (parsed.error) {
      const message = typeof parsed.error.message === 'string' ? parsed.error.message.slice(0, 200) : 'error';
      throw attempt.invalid(`stream reported an error: ${message}`);
    }
    const choice = parsed.choices?.[0];
    const content = typeof choice?.delta?.content === 'string' ? choice.delta.content : '';
    const finishReason = typeof choice?.finish_reason === 'string' ? choice.finish_reason : null;
    if (finishReason) finished = true;
    yield { content, finishReason, usage: parseUsage(parsed) };
  }
  if (!finished) {
    // The connection ended mid-answer (proxy cut, server crash): a transport failure, retryable before
    // the first token like any other.
    throw new ModelError('network', 'stream ended before [DONE]', { endpoint: attempt.endpoint });
  }
}
