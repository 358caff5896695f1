/**
 * Cited answers from an OpenAI-compatible chat model: the primary endpoint behind its breaker, then the
 * optional fallback behind its own, then the caller's extractive answerer as the last resort.
 */
import type { Metrics } from '../observability/metrics.js';
import { ChatClient, type ChatClientOptions, type ChatUsage } from './chat-client.js';
import {
  CircuitBreaker,
  breakerStateReporter,
  type CircuitBreakerOptions,
} from '../openai-client/circuit-breaker.js';
import {
  buildCitingPrompt,
  citationsFromAnswer,
  type AnswerPassage,
  type Citation,
  type CitingPrompt,
} from './cite-passages.js';
import { ModelError, isModelError, type ModelErrorReason } from '../errors/model-error.js';

export interface ExtractiveAnswer {
  answer: string;
  citations: Citation[];
}

export type ExtractiveAnswerer<P extends AnswerPassage = AnswerPassage> = (
  question: string,
  passages: P[],
) => ExtractiveAnswer | Promise<ExtractiveAnswer>;

export interface LlmEndpoint {
  client: ChatClient;
  breaker: CircuitBreaker;
}

export interface LlmAnswererOptions<P extends AnswerPassage = AnswerPassage> {
  primary: LlmEndpoint;
  fallback?: LlmEndpoint;
  /** Last resort, also used when there are no passages at all (nothing for a model to cite). */
  extractive: ExtractiveAnswerer<P>;
  /** Passage text budget of the prompt. Default 12 000 characters. */
  maxContextChars?: number;
  /**
   * Time all model endpoints together may take before the extractive answer is used (for a stream:
   * until the first token). Keep it below the HTTP request timeout. Default 20 000 ms.
   */
  budgetMs?: number;
  /** Counts `slipway_llm_errors_total{reason="breaker_open"}` (the chat clients count their own errors). */
  metrics?: Pick<Metrics, 'llmErrors'>;
  /** Told whenever an endpoint is skipped or fails and the next one is tried (for logging). */
  onEndpointFailure?: (endpoint: string, error: ModelError) => void;
}

export type AnswerMode = 'llm' | 'extractive';

export interface Answer {
  answer: string;
  mode: AnswerMode;
  citations: Citation[];
  /**
   * What did not work: `llm_primary`, `llm_fallback` (endpoint failed or its breaker was open),
   * `llm_stream_interrupted` (streams only). Absent when nothing degraded.
   */
  degraded?: string[];
  /** The endpoint that answered (mode 'llm'). */
  endpoint?: string;
  usage?: ChatUsage;
}

export type AnswerStreamEvent =
  | { type: 'token'; text: string }
  /** The model stream broke after tokens were sent; a `citations` event still follows. */
  | { type: 'error'; reason: ModelErrorReason; message: string }
  /** Always the last event. `answer` is the full text that was streamed. */
  | {
      type: 'citations';
      answer: string;
      citations: Citation[];
      mode: AnswerMode;
      degraded?: string[];
      endpoint?: string;
    };

export interface AnswerRequestOptions {
  /** The client went away: stop at once (rejects / ends with ModelError 'aborted', no fallback). */
  signal?: AbortSignal;
  maxTokens?: number;
}

export class LlmAnswerer<P extends AnswerPassage = AnswerPassage> {
  constructor(private readonly options: LlmAnswererOptions<P>) {}

  async answer(question: string, passages: P[], request: AnswerRequestOptions = {}): Promise<Answer> {
    const degraded: string[] = [];
    if (passages.length > 0) {
      const budget = new AnswerBudget(this.options.budgetMs ?? 20_000, request.signal);
      try {
        const answer = await this.answerWithModels(passages, question, request, budget, degraded);
        if (answer) return answer;
      } finally {
        budget.stop();
      }
    }
    const extractive = await this.options.extractive(question, passages);
    return withDegraded(
      { answer: extractive.answer, citations: extractive.citations, mode: 'extractive' },
      degraded,
    );
  }

  /**
   * Streams `token` events, then exactly one final `citations` event. A failure before the first token
   * moves on to the next endpoint (and finally to the extractive answer, sent as one token); a failure
   * after it ends with an `error` event and the citations of what was received. Never hangs: the budget
   * bounds the wait for a first token, the chat client's overall timeout bounds the rest.
   */
  async *stream(
    question: string,
    passages: P[],
    request: AnswerRequestOptions = {},
  ): AsyncGenerator<AnswerStreamEvent, void, void> {
    const degraded: string[] = [];
    if (passages.length > 0) {
      const prompt = buildCitingPrompt(question, passages, this.options.maxContextChars);
      const budget = new AnswerBudget(this.options.budgetMs ?? 20_000, request.signal);
      try {
        for (const endpoint of this.endpoints()) {
          if (budget.exhausted) {
            this.endpointFailed(endpoint.client.endpoint, budget.error(endpoint.client.endpoint), degraded);
            continue;
          }
          const outcome = yield* this.streamFrom(endpoint, prompt, request, budget, degraded);
          if (outcome === 'done') return;
        }
      } finally {
        budget.stop();
      }
    }
    const extractive = await this.options.extractive(question, passages);
    if (extractive.answer) yield { type: 'token', text: extractive.answer };
    yield withDegraded(
      { type: 'citations', answer: extractive.answer, citations: extractive.citations, mode: 'extractive' },
      degraded,
    );
  }

  private async answerWithModels(
    passages: P[],
    question: string,
    request: AnswerRequestOptions,
    budget: AnswerBudget,
    degraded: string[],
  ): Promise<Answer | undefined> {
    const prompt = buildCitingPrompt(question, passages, this.options.maxContextChars);
    for (const { client, breaker } of this.endpoints()) {
      if (budget.exhausted) {
        this.endpointFailed(client.endpoint, budget.error(client.endpoint), degraded);
        continue;
      }
      try {
        const completion = await breaker.run(
          async () => {
            const result = await client.complete(prompt.messages, { ...request, signal: budget.signal });
            if (result.content.trim() === '') throw emptyAnswer(client.endpoint);
            return result;
          },
          () => !request.signal?.aborted, // everything but the caller leaving counts against the endpoint
          client.endpoint,
        );
        return withDegraded(
          {
            answer: completion.content,
            mode: 'llm' as const,
            citations: citationsFromAnswer(completion.content, prompt.included),
            endpoint: client.endpoint,
            usage: completion.usage,
          },
          degraded,
        );
      } catch (error) {
        this.endpointFailed(client.endpoint, budget.explain(error, client.endpoint), degraded);
      }
    }
    return undefined;
  }

  private async *streamFrom(
    { client, breaker }: LlmEndpoint,
    prompt: CitingPrompt,
    request: AnswerRequestOptions,
    budget: AnswerBudget,
    degraded: string[],
  ): AsyncGenerator<AnswerStreamEvent, 'done' | 'next', void> {
    const permit = breaker.tryAcquire();
    if (!permit) {
      this.endpointFailed(client.endpoint, breakerOpen(client.endpoint), degraded);
      return 'next';
    }
    let text = '';
    const citations = (): AnswerStreamEvent =>
      withDegraded(
        {
          type: 'citations',
          answer: text,
          citations: citationsFromAnswer(text, prompt.included),
          mode: 'llm',
          endpoint: client.endpoint,
        },
        degraded,
      );
    try {
      for await (const event of client.stream(prompt.messages, { ...request, signal: budget.signal })) {
        if (event.type !== 'delta') continue;
        budget.stop(); // the budget bounds the wait for a first token; the stream has its own timeout
        text += event.text;
        yield { type: 'token', text: event.text };
      }
      if (text.trim() === '') throw emptyAnswer(client.endpoint);
      permit.success();
      yield citations();
      return 'done';
    } catch (error) {
      const failure = budget.explain(error, client.endpoint);
      if (failure.reason === 'aborted') throw failure;
      permit.failure();
      if (text === '') {
        this.endpointFailed(client.endpoint, failure, degraded);
        return 'next';
      }
      // Tokens already went out: re-asking would repeat them. End with what was received.
      degraded.push('llm_stream_interrupted');
      this.options.onEndpointFailure?.(client.endpoint, failure);
      yield {
        type: 'error',
        reason: failure.reason,
        message: 'The answer was interrupted before it was complete.',
      };
      yield citations();
      return 'done';
    } finally {
      permit.release(); // no-op once settled; frees a half-open probe if the consumer left early
    }
  }

  private endpoints(): LlmEndpoint[] {
    return this.options.fallback ? [this.options.primary, this.options.fallback] : [this.options.primary];
  }

  private endpointFailed(endpoint: string, error: unknown, degraded: string[]): void {
    const failure = asModelError(error, endpoint);
    if (failure.reason === 'aborted') throw failure;
    // The chat client counts its own errors; these two never reach it.
    if (failure.reason === 'breaker_open' || failure.message.includes(budgetMessage)) {
      this.options.metrics?.llmErrors.inc({ endpoint, reason: failure.reason });
    }
    degraded.push(`llm_${endpoint}`);
    this.options.onEndpointFailure?.(endpoint, failure);
  }
}

const budgetMessage = 'answer time budget';

/**
 * The time all endpoints together may take. Its signal (also fired by the caller's) goes to the chat
 * clients; an abort caused by the budget alone is reported as a timeout, not as the caller leaving.
 */
class AnswerBudget {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly ms: number,
    private readonly caller: AbortSignal | undefined,
  ) {
    this.timer = setTimeout(() => this.controller.abort(), ms);
    this.signal = caller ? AbortSignal.any([caller, this.controller.signal]) : this.controller.signal;
  }

  get exhausted(): boolean {
    return this.controller.signal.aborted;
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  error(endpoint: string): ModelError {
    return new ModelError('timeout', `${endpoint}: ${budgetMessage} of ${this.ms} ms exhausted`, {
      endpoint,
    });
  }

  /** The caller's abort stays 'aborted'; an abort by the budget alone becomes a timeout. */
  explain(error: unknown, endpoint: string): ModelError {
    const failure = asModelError(error, endpoint);
    if (failure.reason === 'aborted' && !this.caller?.aborted && this.exhausted) return this.error(endpoint);
    return failure;
  }
}

function emptyAnswer(endpoint: string): ModelError {
  return new ModelError('invalid_response', `${endpoint}: empty answer`, { endpoint });
}

function withDegraded<T extends object>(value: T, degraded: string[]): T & { degraded?: string[] } {
  return degraded.length > 0 ? { ...value, degraded: [...degraded] } : value;
}

function breakerOpen(endpoint: string): ModelError {
  return new ModelError('breaker_open', `${endpoint}: circuit breaker is open`, { endpoint });
}

function asModelError(error: unknown, endpoint: string): ModelError {
  if (isModelError(error)) return error;
  return new ModelError('network', `${endpoint}: ${error instanceof Error ? error.message : 'failed'}`, {
    endpoint,
    cause: error,
  });
}

export interface LlmEndpointOptions extends ChatClientOptions {
  breaker?: Omit<CircuitBreakerOptions, 'onStateChange'>;
}

/**
 * A chat client and its breaker, wired to the metrics: the breaker gauge starts at 0 (closed) and
 * follows every transition. `endpoint` defaults to 'primary'.
 */
export function createLlmEndpoint(
  options: LlmEndpointOptions,
  metrics?: Pick<Metrics, 'llmDuration' | 'llmErrors' | 'llmTokens' | 'llmBreakerState'>,
): LlmEndpoint {
  const { breaker: breakerOptions, ...clientOptions } = options;
  const endpoint = clientOptions.endpoint ?? 'primary';
  const report = metrics ? breakerStateReporter(metrics, endpoint) : undefined;
  report?.('closed');
  return {
    client: new ChatClient({ ...clientOptions, endpoint, metrics: clientOptions.metrics ?? metrics }),
    breaker: new CircuitBreaker({ ...breakerOptions, onStateChange: report }),
  };
}
