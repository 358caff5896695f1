/**
 * The one data-access adapter of retrieval: keyword candidates (the in-process BM25 index when it is current,
 * else the SQL path), nearest vectors and stored vectors (Chroma), chunk hydration (Postgres) and the query
 * audit. search-collection.ts orchestrates through it and holds no SQL or Chroma calls of its own.
 */
import type { Logger } from 'pino';
import type pg from 'pg';
import type { CollectionRef } from '../collections/collection-store.js';
import type { ChunkRecord, DocumentStore } from '../documents/document-store.js';
import type { Metrics } from '../observability/metrics.js';
import type { KeywordExpansion } from '../ranking/keyword-expansion.js';
import type { ChromaGateway } from '../stores/chroma-gateway.js';
import type { ChunkRecordCache } from './chunk-record-cache.js';
import type { KeywordIndexes } from './keyword-indexes.js';
import type { QueryAuditEntry, QueryAuditWriter } from './query-audit.js';
import { chromaWhere, hasFilter, keywordSearchStatement, type MetadataFilter } from './search-plan.js';

export interface Ranked {
  id: string;
  score: number;
  vector?: number[];
}

export interface KeywordCandidates {
  ranked: Ranked[];
  /** Whether RM3 expansion was applied (it needs the in-process index). */
  expanded: boolean;
}

export interface RetrievalStoreDeps {
  db: pg.Pool;
  chroma: ChromaGateway;
  documents: DocumentStore;
  metrics: Metrics;
  logger: Logger;
  audit: QueryAuditWriter;
  /** Absent: every keyword search takes the SQL path. */
  keywordIndexes?: KeywordIndexes;
  /** Absent: every hydration reads Postgres. */
  chunkRecords?: ChunkRecordCache;
}

export class RetrievalStore {
  constructor(private readonly deps: RetrievalStoreDeps) {}

  /**
   * Keyword candidates, best first. Unfiltered searches use this process's index when it is at exactly the
   * collection's version; filtered ones, and any search the index is not current for, run the SQL (same
   * BM25 scores; a filter changes the statistics, so it is computed there). RM3 expansion (`expansion`)
   * runs only on the index: on the SQL path the ranking is plain BM25 and `expanded` is false (ADR 0014).
   */
  async keyword(
    collection: CollectionRef,
    query: string,
    limit: number,
    filter: MetadataFilter | undefined,
    expansion?: KeywordExpansion,
  ): Promise<KeywordCandidates> {
    const hits = !hasFilter(filter)
      ? await this.deps.keywordIndexes?.search(collection, query, limit, expansion)
      : undefined;
    if (hits) {
      this.deps.metrics.keywordSearches.inc({ path: 'memory' });
      return { ranked: hits, expanded: expansion !== undefined };
    }
    this.deps.metrics.keywordSearches.inc({ path: 'sql' });
    const statement = keywordSearchStatement(query, limit, collection.id, filter);
    const { rows } = await this.deps.db.query<{ id: string; score: number }>(statement);
    return { ranked: rows.map((r) => ({ id: r.id, score: Number(r.score) })), expanded: false };
  }

  /** True when a keyword search with this filter would be answered from this process's current index. */
  keywordInMemory(collection: CollectionRef, filter: MetadataFilter | undefined): boolean {
    return !hasFilter(filter) && this.deps.keywordIndexes?.current(collection) !== undefined;
  }

  /** Nearest chunks by cosine (score = 1 − distance), with their vectors when asked. */
  async nearest(
    collectionId: string,
    vector: number[],
    limit: number,
    filter: MetadataFilter | undefined,
    withVectors: boolean,
  ): Promise<Ranked[]> {
    const collection = await this.deps.chroma.collection(collectionId);
    const nearest = await this.deps.chroma.query(collection, {
      vector,
      nResults: limit,
      where: chromaWhere(filter),
      withVectors,
    });
    return nearest.ids.map((id, i) => ({
      id,
      score: 1 - nearest.distances[i]!,
      vector: nearest.embeddings?.[i],
    }));
  }

  /** Stored vectors by chunk id (ids Chroma does not hold are absent). */
  async vectorsOf(collectionId: string, ids: string[]): Promise<Map<string, number[]>> {
    if (ids.length === 0) return new Map();
    const collection = await this.deps.chroma.collection(collectionId);
    const result = await this.deps.chroma.call(() => collection.get({ ids, include: ['embeddings'] }));
    return new Map(result.ids.map((id, i) => [id, result.embeddings[i]!]));
  }

  /**
   * Chunks with their document's title and source, in the order of `ids` (unknown ids are skipped), at the
   * collection's resolved version: from this process's chunk records when held at that version, the rest
   * from Postgres. Rows read at another version (an ingest committed since the request resolved) are
   * served — they are what Postgres holds now — but not kept for this version.
   */
  async chunks(collection: CollectionRef, ids: string[]): Promise<ChunkRecord[]> {
    if (ids.length === 0) return [];
    const cache = this.deps.chunkRecords;
    const { found, missing } = cache ? cache.lookup(collection, ids) : { found: new Map(), missing: ids };
    if (missing.length > 0) {
      const read = await this.deps.documents.chunksAtVersion(collection.id, missing);
      if (read.version === collection.version) cache?.store(collection.id, read.version, read.chunks);
      for (const chunk of read.chunks) found.set(chunk.id, chunk);
    }
    return ids.flatMap((id) => {
      const chunk = found.get(id);
      return chunk ? [chunk] : [];
    });
  }

  /** Vectors this process embedded from chunk text at the collection's version (see search-collection.ts). */
  embeddedVectors(collection: CollectionRef, ids: string[]): Map<string, number[]> {
    return this.deps.chunkRecords?.vectorsAt(collection, ids) ?? new Map();
  }

  keepEmbeddedVectors(collection: CollectionRef, vectors: ReadonlyMap<string, number[]>): void {
    this.deps.chunkRecords?.storeVectors(collection, vectors);
  }

  audit(entry: QueryAuditEntry): void {
    this.deps.audit.record(entry);
  }
}
