import type { Logger } from 'pino';
import type { Config } from '../config/config-schema.js';
import { createLlmEndpoint, LlmAnswerer, type LlmEndpointOptions } from '../llm/llm-answerer.js';
import type { Metrics } from '../observability/metrics.js';
import { answerExtractively } from './answer-extractively.js';

/** Time kept free between the model budget and the HTTP request timeout (retrieval, the extractive answer). */
const REQUEST_HEADROOM_MS = 1000;

/**
 * The LLM answerer the configuration names (primary, optional fallback, the extractive answerer as the
 * last resort), or undefined when LLM_URL is unset (answers are then extractive).
 */
export function createLlmAnswerer(config: Config, metrics: Metrics, logger: Logger): LlmAnswerer | undefined {
  if (!config.LLM_URL) return undefined;
  const endpoint = (
    name: string,
    baseUrl: string,
    apiKey: string | undefined,
    model: string,
  ): LlmEndpointOptions => ({
    endpoint: name,
    baseUrl,
    apiKey,
    model,
    timeoutMs: config.LLM_TIMEOUT_MS,
    firstTokenTimeoutMs: config.LLM_FIRST_TOKEN_TIMEOUT_MS,
    retry: { maxRetries: config.LLM_MAX_RETRIES },
    breaker: {
      failureThreshold: config.LLM_BREAKER_FAILURE_THRESHOLD,
      cooldownMs: config.LLM_BREAKER_COOLDOWN_MS,
    },
  });
  const primary = createLlmEndpoint(
    endpoint('primary', config.LLM_URL, config.LLM_API_KEY, config.LLM_MODEL),
    metrics,
  );
  const fallback = config.LLM_FALLBACK_URL
    ? createLlmEndpoint(
        endpoint(
          'fallback',
          config.LLM_FALLBACK_URL,
          config.LLM_FALLBACK_API_KEY,
          config.LLM_FALLBACK_MODEL ?? config.LLM_MODEL,
        ),
        metrics,
      )
    : undefined;
  return new LlmAnswerer({
    primary,
    fallback,
    extractive: (question, passages) => answerExtractively(question, passages),
    budgetMs: Math.max(
      100,
      Math.min(config.LLM_ANSWER_BUDGET_MS, config.REQUEST_TIMEOUT_MS - REQUEST_HEADROOM_MS),
    ),
    metrics,
    onEndpointFailure: (name, error) =>
      logger.warn(
        { endpoint: name, reason: error.reason, err: error },
        'LLM endpoint failed; trying the next',
      ),
    onCitationCheck: (name, { dropped, rejected }) =>
      logger.warn(
        { endpoint: name, droppedMarkers: dropped, rejected },
        rejected
          ? 'LLM answer had no valid citation; answered extractively instead'
          : 'LLM answer cited passages it was not given; those markers were dropped',
      ),
  });
}
