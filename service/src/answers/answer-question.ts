/**
 * Cited answers over one collection: retrieve (the search pipeline), then the LLM answerer (primary →
 * fallback → extractive) or, without an LLM configured, the extractive answerer. Complete answers are kept
 * in the response cache under the collection's id and version (an ingest or delete invalidates them);
 * degraded answers are never cached, so a recovered dependency is used at once.
 */
import type { Logger } from 'pino';
import type { ServiceCache } from '../caches/cache-store.js';
import type { Citation } from '../llm/cite-passages.js';
import type { AnswerMode, LlmAnswerer, UncitedReason } from '../llm/llm-answerer.js';
import type { Metrics } from '../observability/metrics.js';
import type { OutlineBlock } from '../text/document-outline.js';
import { answerExtractively } from './answer-extractively.js';
import type { AuditContext, QueryAuditWriter } from '../retrieval/query-audit.js';
import { requestDigest, type SearchMode, type SearchRequest } from '../retrieval/search-plan.js';
import type { CollectionRef, CollectionSearch, SearchResponse } from '../retrieval/search-collection.js';

export interface AnswerRequest extends Pick<SearchRequest, 'mmr' | 'hybrid' | 'keywordExpansion'> {
  question: string;
  topK: number;
  mode: SearchMode;
}

export interface AnswerResponse {
  answer: string;
  mode: AnswerMode;
  citations: Citation[];
  cached: boolean;
  /** What did not work: `vector` (retrieval), `llm_primary`, `llm_fallback`, `llm_stream_interrupted`. */
  degraded?: string[];
  /** Mode 'extractive-fallback' only: why the model's answer was not used. */
  fallbackReason?: UncitedReason;
}

export type AnswerEvent =
  /**
   * Not for clients: retrieval is done and an answer follows. A model's tokens are held until its first valid
   * citation, so this tells the route to commit to a stream before the request deadline.
   */
  | { type: 'answering' }
  | { type: 'token'; text: string }
  | { type: 'error'; reason: string; message: string }
  | {
      type: 'citations';
      citations: Citation[];
      mode: AnswerMode;
      cached: boolean;
      degraded?: string[];
      fallbackReason?: UncitedReason;
    };

export interface AnswerDeps {
  search: CollectionSearch;
  /** Absent when no LLM is configured: answers are extractive. */
  llm?: LlmAnswerer;
  audit: QueryAuditWriter;
  cache: ServiceCache;
  metrics: Metrics;
  logger: Logger;
  cacheTtlSeconds: number;
  /** Outlines of the retrieved documents, so the extractive answerer quotes whole sentences (document-store.ts). */
  outlines?: (collectionId: string, documentIds: string[]) => Promise<Map<string, OutlineBlock[]>>;
}

type CachedAnswer = Omit<AnswerResponse, 'cached' | 'degraded'>;

const passagesOf = (retrieval: SearchResponse, outlines: ReadonlyMap<string, OutlineBlock[]>) =>
  retrieval.results.map((r) => ({
    documentId: r.documentId,
    chunkId: r.chunkId,
    text: r.text,
    start: r.span.start,
    end: r.span.end,
    title: r.title ?? undefined,
    outline: outlines.get(r.documentId),
  }));

/** The search an answer retrieves with (a variant may add MMR, fusion, feedback and keyword expansion). */
const retrievalOf = ({
  question,
  topK,
  mode,
  mmr,
  hybrid,
  keywordExpansion,
}: AnswerRequest): SearchRequest => ({
  query: question,
  topK,
  mode,
  mmr,
  hybrid,
  keywordExpansion,
});

const withDegraded = <T extends object>(value: T, degraded: string[]): T & { degraded?: string[] } =>
  degraded.length > 0 ? { ...value, degraded } : value;

/** What is cached of an answer: text, mode, citations, and the fallback reason when there is one. */
const cachedAnswer = (answered: {
  answer: string;
  mode: AnswerMode;
  citations: Citation[];
  fallbackReason?: UncitedReason;
}): CachedAnswer => {
  const { answer, mode, citations, fallbackReason } = answered;
  return fallbackReason ? { answer, mode, citations, fallbackReason } : { answer, mode, citations };
};

/** Part of every response cache key: cached answers of an older shape (no citation markers) are not reused. */
const ANSWER_SHAPE = 2;

export class QuestionAnswerer {
  constructor(private readonly deps: AnswerDeps) {}

  async answer(name: string, request: AnswerRequest, context: AuditContext): Promise<AnswerResponse> {
    const started = performance.now();
    const { collection, key, hit } = await this.lookUp(name, request);
    if (hit) {
      this.finish(collection, request, context, started, hit, true);
      return { ...hit, cached: true };
    }
    const retrieval = await this.deps.search.searchIn(collection, retrievalOf(request), context.signal);
    const passages = passagesOf(retrieval, await this.outlinesOf(collection, retrieval));
    const answered = this.deps.llm
      ? await this.deps.llm.answer(request.question, passages, { signal: context.signal })
      : { ...answerExtractively(request.question, passages), mode: 'extractive' as const, degraded: [] };
    const degraded = [...(retrieval.degraded ?? []), ...(answered.degraded ?? [])];
    const answer = cachedAnswer(answered);
    if (degraded.length === 0) this.store(key, answer);
    this.finish(collection, request, context, started, answer, false);
    return withDegraded({ ...answer, cached: false }, degraded);
  }

  /** The collection, the request's response-cache key, and the cached answer when there is one. */
  private async lookUp(name: string, request: AnswerRequest) {
    const collection = await this.deps.search.resolve(name);
    const key = this.cacheKey(collection, request);
    return { collection, key, hit: await this.deps.cache.getJson<CachedAnswer>('response', key) };
  }

  /** Token events, an `error` event if the model broke off mid-answer, and always one final `citations`. */
  async *stream(name: string, request: AnswerRequest, context: AuditContext): AsyncGenerator<AnswerEvent> {
    const started = performance.now();
    const { collection, key, hit } = await this.lookUp(name, request);
    if (hit) {
      this.finish(collection, request, context, started, hit, true);
      if (hit.answer) yield { type: 'token', text: hit.answer };
      const { answer: _text, ...final } = hit;
      yield { type: 'citations', ...final, cached: true };
      return;
    }
    const retrieval = await this.deps.search.searchIn(collection, retrievalOf(request), context.signal);
    const passages = passagesOf(retrieval, await this.outlinesOf(collection, retrieval));
    const degraded = [...(retrieval.degraded ?? [])];
    if (!this.deps.llm) {
      const extractive = answerExtractively(request.question, passages);
      const answer: CachedAnswer = { ...extractive, mode: 'extractive' };
      if (degraded.length === 0)
        this.store(key, { answer: answer.answer, mode: answer.mode, citations: answer.citations });
      this.finish(collection, request, context, started, answer, false);
      yield { type: 'token', text: extractive.answer };
      yield withDegraded(
        {
          type: 'citations' as const,
          citations: extractive.citations,
          mode: 'extractive' as const,
          cached: false,
        },
        degraded,
      );
      return;
    }
    yield { type: 'answering' };
    let interrupted = false;
    for await (const event of this.deps.llm.stream(request.question, passages, { signal: context.signal })) {
      if (event.type === 'token') {
        yield event;
      } else if (event.type === 'error') {
        interrupted = true;
        yield { type: 'error', reason: event.reason, message: event.message };
      } else {
        degraded.push(...(event.degraded ?? []));
        const answer = cachedAnswer(event);
        if (degraded.length === 0 && !interrupted) this.store(key, answer);
        this.finish(collection, request, context, started, answer, false);
        const { answer: _text, ...final } = answer;
        yield withDegraded({ type: 'citations' as const, ...final, cached: false }, degraded);
      }
    }
  }

  /** Outlines of the retrieved documents; without them answers are still given, line by line. */
  private async outlinesOf(collection: CollectionRef, retrieval: SearchResponse) {
    if (!this.deps.outlines || retrieval.results.length === 0) return new Map<string, OutlineBlock[]>();
    try {
      return await this.deps.outlines(collection.id, [
        ...new Set(retrieval.results.map((r) => r.documentId)),
      ]);
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'could not read document outlines; answering without them');
      return new Map<string, OutlineBlock[]>();
    }
  }

  private cacheKey(collection: CollectionRef, request: AnswerRequest): string {
    return this.deps.cache.key(
      'response',
      collection.id,
      collection.version,
      requestDigest({
        ...retrievalOf(request),
        query: undefined,
        question: request.question.trim(),
        shape: ANSWER_SHAPE,
      }),
    );
  }

  private store(key: string, answer: CachedAnswer): void {
    this.deps.cache.storeLater(key, answer, this.deps.cacheTtlSeconds, (error: unknown) => {
      this.deps.logger.warn({ err: error }, 'could not cache an answer');
    });
  }

  private finish(
    collection: CollectionRef,
    request: AnswerRequest,
    context: AuditContext,
    started: number,
    answer: CachedAnswer,
    cached: boolean,
  ): void {
    this.deps.metrics.answers.inc({
      mode: answer.mode,
      cached: String(cached),
      variant: context.variant ?? 'control',
    });
    this.deps.audit.record({
      apiKeyId: context.apiKeyId,
      requestId: context.requestId,
      variant: context.variant,
      collectionId: collection.id,
      kind: 'answer',
      mode: request.mode,
      query: request.question,
      resultCount: answer.citations.length,
      latencyMs: performance.now() - started,
    });
  }
}
