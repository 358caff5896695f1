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
import { buildCitingPrompt, type AnswerPassage, type Citation, type CitingPrompt } from './cite-passages.js';
import {
  CitedStreamGuard,
  checkCitedAnswer,
  type CheckedAnswer,
  type UncitedReason,
} from './check-cited-answer.js';
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
  /**
   * Told when the answer check dropped citations (markers of passages the model was not given) or rejected
   * an answer left without any (for logging: often a sign of instructions hidden in a document).
   */
  onCitationCheck?: (endpoint: string, check: { dropped: number[]; rejected?: UncitedReason }) => void;
}

/**
 * `llm`: the model's answer, every citation checked. `extractive`: quoted from the passages (no model
 * configured, or every endpoint failed: see `degraded`). `extractive-fallback`: the model answered but its
 * answer had no valid citation (`fallbackReason`), so the extractive answer was given instead.
 */
export type AnswerMode = 'llm' | 'extractive' | 'extractive-fallback';
export type { UncitedReason };

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
  /** Why the model's answer was replaced (mode 'extractive-fallback'). */
  fallbackReason?: UncitedReason;
}

export type AnswerStreamEvent =
  | { type: 'token'; text: string }
  /** The model stream broke after tokens were sent; a `citations` event still follows. */
  | { type: 'error'; reason: ModelErrorReason; message: string }
  /** Always the last event. `answer` is the full text that was streamed (all `token` events together). */
  | {
      type: 'citations';
      answer: string;
      citations: Citation[];
      mode: AnswerMode;
      degraded?: string[];
      endpoint?: string;
      fallbackReason?: UncitedReason;
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
    let rejected: UncitedReason | undefined;
    if (passages.length > 0) {
      const budget = new AnswerBudget(this.options.budgetMs ?? 20_000, request.signal);
      try {
        const outcome = await this.answerWithModels(passages, question, request, budget, degraded);
        if (typeof outcome === 'object') return outcome;
        rejected = outcome;
      } finally {
        budget.stop();
      }
    }
    const extractive = await this.options.extractive(question, passages);
    return withDegraded(extractiveAnswer(extractive, rejected), degraded);
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
    let rejected: UncitedReason | undefined;
    if (passages.length > 0) {
      const prompt = buildCitingPrompt(question, passages, { maxContextChars: this.options.maxContextChars });
      const budget = new AnswerBudget(this.options.budgetMs ?? 20_000, request.signal);
      try {
        for (const endpoint of this.endpoints()) {
          if (budget.exhausted) {
            this.endpointFailed(endpoint.client.endpoint, budget.error(endpoint.client.endpoint), degraded);
            continue;
          }
          const outcome = yield* this.streamFrom(endpoint, prompt, request, budget, degraded);
          if (outcome === 'done') return;
          if (outcome !== 'next') {
            rejected = outcome;
            break;
          }
        }
      } finally {
        budget.stop();
      }
    }
    const extractive = await this.options.extractive(question, passages);
    if (extractive.answer) yield { type: 'token', text: extractive.answer };
    yield withDegraded({ type: 'citations', ...extractiveAnswer(extractive, rejected) }, degraded);
  }

  private async answerWithModels(
    passages: P[],
    question: string,
    request: AnswerRequestOptions,
    budget: AnswerBudget,
    degraded: string[],
  ): Promise<Answer | UncitedReason | undefined> {
    const prompt = buildCitingPrompt(question, passages, { maxContextChars: this.options.maxContextChars });
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
        const checked = checkCitedAnswer(completion.content, prompt.included);
        this.reportCheck(client.endpoint, checked);
        // An uncited answer goes to the extractive answerer, not to the next model: the endpoint worked.
        if (checked.rejected) return checked.rejected;
        return withDegraded(
          {
            answer: checked.answer,
            mode: 'llm' as const,
            citations: checked.citations,
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

  /**
   * One endpoint's stream through the answer check (CitedStreamGuard): nothing is sent until the first valid
   * citation, so an answer rejected at the end was never shown and the extractive answer replaces it whole.
   * 'next': the endpoint failed before anything was sent. An UncitedReason: the model answered without a
   * valid citation.
   */
  private async *streamFrom(
    { client, breaker }: LlmEndpoint,
    prompt: CitingPrompt,
    request: AnswerRequestOptions,
    budget: AnswerBudget,
    degraded: string[],
  ): AsyncGenerator<AnswerStreamEvent, 'done' | 'next' | UncitedReason, void> {
    const permit = breaker.tryAcquire();
    if (!permit) {
      this.endpointFailed(client.endpoint, breakerOpen(client.endpoint), degraded);
      return 'next';
    }
    const guard = new CitedStreamGuard(prompt.included);
    const citations = (checked: CheckedAnswer): AnswerStreamEvent =>
      withDegraded(
        {
          type: 'citations',
          answer: checked.answer,
          citations: checked.citations,
          mode: 'llm',
          endpoint: client.endpoint,
        },
        degraded,
      );
    try {
      for await (const event of client.stream(prompt.messages, { ...request, signal: budget.signal })) {
        if (event.type !== 'delta') continue;
        budget.stop(); // the budget bounds the wait for a first token; the stream has its own timeout
        const released = guard.push(event.text);
        if (released) yield { type: 'token', text: released };
      }
      if (guard.text.trim() === '') throw emptyAnswer(client.endpoint);
      permit.success();
      const checked = guard.finish();
      this.reportCheck(client.endpoint, checked);
      if (checked.rest) yield { type: 'token', text: checked.rest };
      // Nothing was sent unless a valid citation was: an uncited answer is replaced whole.
      if (checked.citations.length === 0 && !guard.releasedAny) return checked.rejected ?? 'no_citation';
      yield citations(checked);
      return 'done';
    } catch (error) {
      const failure = budget.explain(error, client.endpoint);
      if (failure.reason === 'aborted') throw failure;
      permit.failure();
      if (!guard.releasedAny) {
        this.endpointFailed(client.endpoint, failure, degraded);
        return 'next';
      }
      // Tokens already went out: re-asking would repeat them. End with what was received.
      degraded.push('llm_stream_interrupted');
      this.options.onEndpointFailure?.(client.endpoint, failure);
      const checked = guard.finish();
      if (checked.rest) yield { type: 'token', text: checked.rest };
      yield {
        type: 'error',
        reason: failure.reason,
        message: 'The answer was interrupted before it was complete.',
      };
      yield citations(checked);
      return 'done';
    } finally {
      permit.release(); // no-op once settled; frees a half-open probe if the consumer left early
    }
  }

  private reportCheck(endpoint: string, checked: CheckedAnswer): void {
    if (checked.dropped.length === 0 && !checked.rejected) return;
    this.options.onCitationCheck?.(endpoint, { dropped: checked.dropped, rejected: checked.rejected });
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

/** The extractive answer as an Answer: mode 'extractive', or 'extractive-fallback' when it replaces an uncited one. */
function extractiveAnswer(
  extractive: ExtractiveAnswer,
  rejected: UncitedReason | undefined,
): Pick<Answer, 'answer' | 'citations' | 'mode' | 'fallbackReason'> {
  const { answer, citations } = extractive;
  return rejected
    ? { answer, citations, mode: 'extractive-fallback', fallbackReason: rejected }
    : { answer, citations, mode: 'extractive' };
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
