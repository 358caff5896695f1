/**
 * Search over one collection: keyword (BM25: the in-process index, or the SQL path), vector (Chroma, cosine)
 * or hybrid (the shared pipeline of ranking/hybrid-retrieval.ts, as evaluated). Decisions live in
 * search-plan.ts and ranking/; data access in retrieval-store.ts; this file orchestrates them with the
 * embedder, the retrieval cache and metrics.
 *
 * When the vector side fails (Chroma down, or the embedding endpoint), vector and hybrid searches are
 * answered from the keyword side with `degraded: ["vector"]` — a search never fails because of Chroma.
 */
import type { CollectionRef, CollectionStore } from '../collections/collection-store.js';
import type { Logger } from 'pino';
import type { ServiceCache } from '../caches/cache-store.js';
import type { ChunkRecord } from '../documents/document-store.js';
import type { Embedder } from '../embeddings/embedder.js';
import { isModelError } from '../errors/model-error.js';
import type { Metrics } from '../observability/metrics.js';
import { inSpan, inSpanSync } from '../observability/tracing.js';
import {
  feedbackChunkIds,
  fuseHybrid,
  HYBRID_DEFAULTS,
  hybridQueryVector,
  type HybridConfig,
} from '../ranking/hybrid-retrieval.js';
import { ChromaUnavailableError } from '../stores/chroma-gateway.js';
import type { AuditContext } from './query-audit.js';
import type { Ranked, RetrievalStore } from './retrieval-store.js';
import {
  candidateCount,
  hydrationCount,
  requestDigest,
  selectResults,
  type SearchMode,
  type SearchRequest,
} from './search-plan.js';

export interface SearchResult {
  documentId: string;
  chunkId: string;
  title: string | null;
  source: string | null;
  text: string;
  score: number;
  /** Character offsets into the stored document text: `text === document.text.slice(start, end)`. */
  span: { start: number; end: number };
}

export interface SearchResponse {
  results: SearchResult[];
  /** Parts of the retrieval that were unavailable (`vector`); absent when nothing degraded. */
  degraded?: string[];
}

export type { CollectionRef };

export interface SearchDeps {
  collections: CollectionStore;
  store: RetrievalStore;
  embedder: Embedder;
  cache: ServiceCache;
  metrics: Metrics;
  logger: Logger;
  cacheTtlSeconds: number;
  hybrid?: HybridConfig;
}

/** The vector side could not be used: Chroma unavailable, or the embedding model failed. */
const isVectorOutage = (error: unknown) => error instanceof ChromaUnavailableError || isModelError(error);

export class CollectionSearch {
  private readonly hybrid: HybridConfig;
  /**
   * The embedder runs in this process (hashing): a stored chunk's vector is re-embedded from its text, which
   * is cheaper than a Chroma round trip; a remote model's vectors are fetched from Chroma instead.
   */
  private readonly localEmbedder: boolean;

  constructor(private readonly deps: SearchDeps) {
    this.hybrid = deps.hybrid ?? HYBRID_DEFAULTS;
    this.localEmbedder = !deps.embedder.name.startsWith('openai:');
  }

  /** The request's fusion and feedback (a retrieval experiment's variant), else the service's. */
  private hybridOf(request: SearchRequest): HybridConfig {
    return request.hybrid ?? this.hybrid;
  }

  /** The collection's id and version (the version is part of every cache key). 404 when unknown. */
  async resolve(name: string): Promise<CollectionRef> {
    return this.deps.collections.resolve(name);
  }

  /** Search with the retrieval cache, latency metric and query audit. */
  async search(name: string, request: SearchRequest, audit: AuditContext): Promise<SearchResponse> {
    const started = performance.now();
    const collection = await this.resolve(name);
    const response = await this.searchIn(collection, request, audit.signal);
    const seconds = (performance.now() - started) / 1000;
    this.deps.metrics.retrievalDuration.observe(
      { mode: request.mode, variant: audit.variant ?? 'control' },
      seconds,
    );
    this.deps.store.audit({
      ...audit,
      collectionId: collection.id,
      kind: 'search',
      mode: request.mode,
      query: request.query,
      resultCount: response.results.length,
      latencyMs: seconds * 1000,
    });
    return response;
  }

  /**
   * Cached retrieval in a resolved collection (no audit; answers use this). A keyword search this process
   * answers from its current in-memory index is not cached: it costs less than a cache round trip.
   */
  async searchIn(collection: CollectionRef, request: SearchRequest, signal?: AbortSignal) {
    const { cache } = this.deps;
    if (request.mode === 'keyword' && this.deps.store.keywordInMemory(collection, request.filter))
      return this.retrieve(collection, request, signal);
    const key = cache.key(
      'retrieval',
      collection.id,
      collection.version,
      this.deps.embedder.name,
      requestDigest(request),
    );
    const cached = await cache.getJson<SearchResponse>('retrieval', key);
    if (cached) return cached;
    const response = await this.retrieve(collection, request, signal);
    if (!response.degraded) {
      cache.storeLater(key, response, this.deps.cacheTtlSeconds, (error: unknown) => {
        this.deps.logger.warn({ err: error }, 'could not cache a retrieval result');
      });
    }
    return response;
  }

  /** Uncached retrieval: rank, hydrate, suppress near-duplicates, MMR, top K. */
  async retrieve(
    collection: CollectionRef,
    request: SearchRequest,
    signal?: AbortSignal,
  ): Promise<SearchResponse> {
    const collectionId = collection.id;
    const degraded: string[] = [];
    let ranked: Ranked[];
    if (request.mode === 'keyword') {
      ranked = await this.keyword(collection, request, candidateCount(request, this.hybridOf(request)));
    } else {
      try {
        ranked =
          request.mode === 'vector'
            ? await this.vector(collectionId, request, signal)
            : await this.hybridRanking(collection, request, signal);
      } catch (error) {
        if (!isVectorOutage(error)) throw error;
        this.deps.logger.warn(
          { err: error, mode: request.mode },
          'vector retrieval unavailable: keyword only',
        );
        this.deps.metrics.retrievalDegraded.inc({ missing: 'vector' });
        degraded.push('vector');
        ranked = await this.keyword(
          collection,
          request,
          candidateCount({ ...request, mode: 'keyword' }, this.hybridOf(request)),
        );
      }
    }

    const hydrated = await this.hydrate(collection, ranked.slice(0, hydrationCount(request, ranked.length)));
    const selected = request.mmr
      ? await inSpan('retrieval.mmr', { 'slipway.retrieval.candidates': hydrated.length }, async () => {
          await this.completeVectors(collectionId, hydrated, signal);
          return selectResults(hydrated, request);
        })
      : selectResults(hydrated, request);
    const response: SearchResponse = {
      results: selected.map(({ chunk, score }) => ({
        documentId: chunk.documentId,
        chunkId: chunk.id,
        title: chunk.title,
        source: chunk.source,
        text: chunk.text,
        score,
        span: { start: chunk.start, end: chunk.end },
      })),
    };
    if (degraded.length > 0) response.degraded = degraded;
    return response;
  }

  /**
   * The keyword list, RM3-expanded when the request (its variant) asks. Expansion needs the in-process index
   * (ADR 0014): a filtered search is plain BM25 (it runs in SQL); an unfiltered one the index cannot serve yet
   * (just after an ingest, or no index) is plain BM25 too, counted as
   * `slipway_retrieval_degraded_total{missing="keyword-expansion"}`.
   */
  private keyword(collection: CollectionRef, request: SearchRequest, limit: number): Promise<Ranked[]> {
    return inSpan('retrieval.keyword', { 'slipway.retrieval.limit': limit }, async (span) => {
      const { ranked, expanded } = await this.deps.store.keyword(
        collection,
        request.query,
        limit,
        request.filter,
        request.keywordExpansion,
      );
      const filtered = request.filter !== undefined && Object.keys(request.filter).length > 0;
      if (request.keywordExpansion && !expanded && !filtered) {
        this.deps.metrics.retrievalDegraded.inc({ missing: 'keyword-expansion' });
      }
      span.setAttribute('slipway.retrieval.expanded', expanded);
      span.setAttribute('slipway.retrieval.results', ranked.length);
      return ranked;
    });
  }

  /**
   * The query's vector. Remote models' vectors are cached (embedding cache, keyed by model and text); the
   * local hashing embedder is faster than a cache round trip.
   */
  private embedQuery(query: string, signal?: AbortSignal): Promise<number[]> {
    return inSpan('retrieval.embed', { 'slipway.embedder': this.deps.embedder.name }, () =>
      this.embedQueryUntraced(query, signal),
    );
  }

  private async embedQueryUntraced(query: string, signal?: AbortSignal): Promise<number[]> {
    const { embedder, cache } = this.deps;
    const key = !this.localEmbedder ? cache.key('embedding', embedder.name, requestDigest(query)) : undefined;
    if (key) {
      const cached = await cache.getJson<number[]>('embedding', key);
      if (cached && cached.length === embedder.dimensions) return cached;
    }
    const [vector] = await embedder.embed([query], signal);
    if (key) {
      cache.setJson(key, vector, this.deps.cacheTtlSeconds).catch((error: unknown) => {
        this.deps.logger.warn({ err: error }, 'could not cache a query embedding');
      });
    }
    return vector!;
  }

  private nearest(collectionId: string, vector: number[], limit: number, request: SearchRequest) {
    return inSpan('retrieval.vector', { 'slipway.retrieval.limit': limit }, async (span) => {
      const ranked = await this.deps.store.nearest(
        collectionId,
        vector,
        limit,
        request.filter,
        !!request.mmr,
      );
      span.setAttribute('slipway.retrieval.results', ranked.length);
      return ranked;
    });
  }

  private async vector(collectionId: string, request: SearchRequest, signal?: AbortSignal) {
    const vector = await this.embedQuery(request.query, signal);
    return this.nearest(collectionId, vector, candidateCount(request, this.hybridOf(request)), request);
  }

  /** Keyword list, feedback-expanded vector list, weighted RRF — exactly as the evaluation ranks. */
  private async hybridRanking(collection: CollectionRef, request: SearchRequest, signal?: AbortSignal) {
    const collectionId = collection.id;
    const hybrid = this.hybridOf(request);
    const limit = candidateCount(request, hybrid);
    const [keyword, queryVector] = await Promise.all([
      this.keyword(collection, request, limit),
      this.embedQuery(request.query, signal),
    ]);
    const feedbackIds = feedbackChunkIds(
      keyword.map((k) => k.id),
      hybrid,
    );
    const feedback = await this.storedVectors(collection, feedbackIds, signal);
    const vectorList = await this.nearest(
      collectionId,
      hybridQueryVector(
        queryVector,
        feedbackIds.flatMap((id) => {
          const vector = feedback.get(id);
          return vector ? [vector] : [];
        }),
        hybrid,
      ),
      limit,
      request,
    );
    const vectors = new Map<string, number[]>(feedback);
    for (const item of vectorList) if (item.vector) vectors.set(item.id, item.vector);
    const fused = inSpanSync('retrieval.fusion', {}, (span) => {
      const list = fuseHybrid(
        keyword.map((k) => k.id),
        vectorList.map((v) => v.id),
        hybrid,
      );
      span.setAttribute('slipway.retrieval.results', list.length);
      return list;
    });
    return fused.map((f) => ({ id: f.id, score: f.score, vector: vectors.get(f.id) }));
  }

  /** The vectors Chroma holds for these chunks: re-embedded here from their text with a local embedder. */
  private async storedVectors(
    collection: CollectionRef,
    ids: string[],
    signal?: AbortSignal,
  ): Promise<Map<string, number[]>> {
    if (!this.localEmbedder) return this.deps.store.vectorsOf(collection.id, ids);
    const known = this.deps.store.embeddedVectors(collection, ids);
    const chunks = await this.deps.store.chunks(
      collection,
      ids.filter((id) => !known.has(id)),
    );
    const vectors = await this.deps.embedder.embed(
      chunks.map((c) => c.text),
      signal,
    );
    const embedded = new Map(chunks.map((c, i) => [c.id, vectors[i]!]));
    this.deps.store.keepEmbeddedVectors(collection, embedded);
    return new Map([...known, ...embedded]);
  }

  private async hydrate(
    collection: CollectionRef,
    ranked: Ranked[],
  ): Promise<(Ranked & { text: string; chunk: ChunkRecord })[]> {
    const chunks = await this.deps.store.chunks(
      collection,
      ranked.map((r) => r.id),
    );
    const byId = new Map(chunks.map((c) => [c.id, c]));
    return ranked.flatMap((r) => {
      const chunk = byId.get(r.id);
      // the record is the process's cached one for this version: its shingles are kept with it
      return chunk ? [{ ...r, text: chunk.text, chunk, textOwner: chunk }] : [];
    });
  }

  /**
   * MMR needs a vector for every candidate: keyword-only ones are embedded from their text with a local
   * embedder; a remote model's are fetched from Chroma by id, or embedded when Chroma is down.
   */
  private async completeVectors(
    collectionId: string,
    candidates: (Ranked & { text: string })[],
    signal?: AbortSignal,
  ): Promise<void> {
    const missing = candidates.filter((c) => !c.vector);
    if (missing.length === 0) return;
    let found = new Map<string, number[]>();
    if (!this.localEmbedder) {
      try {
        found = await this.deps.store.vectorsOf(
          collectionId,
          missing.map((c) => c.id),
        );
      } catch (error) {
        if (!(error instanceof ChromaUnavailableError)) throw error;
      }
    }
    const stillMissing = missing.filter((c) => !found.has(c.id));
    if (stillMissing.length > 0) {
      const embedded = await this.deps.embedder.embed(
        stillMissing.map((c) => c.text),
        signal,
      );
      stillMissing.forEach((c, i) => found.set(c.id, embedded[i]!));
    }
    for (const c of missing) c.vector = found.get(c.id);
  }
}

export type { SearchMode, SearchRequest };
