/**
 * Pure decisions of a search: how many candidates each retriever fetches, how the metadata filter reads in
 * SQL and in Chroma, what identifies a request in the cache, and how ranked candidates become results
 * (near-duplicate suppression, optional MMR, top K).
 */
import { createHash } from 'node:crypto';
import { HYBRID_DEFAULTS, type HybridConfig } from '../ranking/hybrid-retrieval.js';
import type { KeywordExpansion } from '../ranking/keyword-expansion.js';
import { buildKeywordSearchSql } from '../ranking/keyword-query-sql.js';
import { selectMmr } from '../ranking/select-mmr.js';
import { suppressNearDuplicates } from '../ranking/suppress-near-duplicates.js';

export type SearchMode = 'keyword' | 'vector' | 'hybrid';

export type MetadataFilter = Record<string, string | number | boolean>;

export interface SearchRequest {
  query: string;
  topK: number;
  mode: SearchMode;
  filter?: MetadataFilter;
  mmr?: { lambda: number };
  /** Fusion and feedback of a retrieval experiment's variant; absent: the service's defaults. */
  hybrid?: HybridConfig;
  /** RM3 expansion of the keyword query (a variant's; ADR 0014); absent: plain BM25. */
  keywordExpansion?: KeywordExpansion;
}

/** Candidates MMR chooses from (the eval's `mmr.pool`). */
export const MMR_POOL = 50;

/**
 * Candidates each retriever returns. Hybrid always uses the configured list length so its fusion equals the
 * evaluated one; single modes fetch enough to survive duplicate suppression and feed MMR.
 */
export function candidateCount(request: SearchRequest, hybrid: HybridConfig = HYBRID_DEFAULTS): number {
  if (request.mode === 'hybrid') return Math.max(hybrid.candidates, request.topK);
  return Math.min(100, Math.max(request.topK * 3, request.mmr ? MMR_POOL : 0, 10));
}

/** How many of the ranked candidates are hydrated (text, offsets) for suppression and MMR. */
export function hydrationCount(request: SearchRequest, available: number): number {
  return Math.min(available, Math.max(request.topK * 3, request.mmr ? MMR_POOL : 0));
}

/** A filter with at least one key (an empty one filters nothing). */
export const hasFilter = (filter: MetadataFilter | undefined): filter is MetadataFilter =>
  filter !== undefined && Object.keys(filter).length > 0;

/**
 * Keyword SQL for one collection: $1 query, $2 limit, $3 collection id, $4 (with a filter) the filter as
 * JSON, matched by containment on the document's metadata (GIN-indexed).
 */
export function keywordSearchStatement(
  query: string,
  limit: number,
  collectionId: string,
  filter: MetadataFilter | undefined,
): { text: string; values: unknown[] } {
  const filtered = hasFilter(filter);
  const where = filtered
    ? `c.collection_id = $3 AND EXISTS (SELECT 1 FROM documents d WHERE d.collection_id = c.collection_id ` +
      `AND d.id = c.document_id AND d.metadata @> $4::jsonb)`
    : 'c.collection_id = $3';
  return {
    // the chunk length as the eval measures it (postgres-keyword-index.ts): same BM25 normalisation
    text: buildKeywordSearchSql({ where, lengthExpression: 'c.end_offset - c.start_offset' }),
    values: filtered ? [query, limit, collectionId, JSON.stringify(filter)] : [query, limit, collectionId],
  };
}

/** Chroma `where` over the prefixed scalar metadata each vector carries (document-store chromaMetadata). */
export function chromaWhere(filter: MetadataFilter | undefined): Record<string, unknown> | undefined {
  if (!hasFilter(filter)) return undefined;
  const conditions = Object.entries(filter)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => ({ [`m_${key}`]: { $eq: value } }));
  return conditions.length === 1 ? conditions[0] : { $and: conditions };
}

/** Canonical JSON (sorted keys) of a value, so equal requests give equal cache keys. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A short digest of a request for cache keys (the collection id and version are separate key parts). */
export function requestDigest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url').slice(0, 32);
}

export interface RankedCandidate {
  id: string;
  score: number;
  text: string;
  vector?: ArrayLike<number>;
}

/**
 * Ranked candidates (best first) → results: near-duplicates dropped (the better-ranked one stays), then MMR
 * over the first MMR_POOL when asked (every candidate must then carry a vector), then the first topK.
 */
export function selectResults<T extends RankedCandidate>(
  ranked: readonly T[],
  request: Pick<SearchRequest, 'topK' | 'mmr'>,
): T[] {
  if (!request.mmr) return suppressNearDuplicates(ranked, { limit: request.topK });
  const distinct = suppressNearDuplicates(ranked);
  const pool = distinct.slice(0, MMR_POOL).filter((c): c is T & { vector: ArrayLike<number> } => !!c.vector);
  return selectMmr(pool, { lambda: request.mmr.lambda, topK: request.topK });
}
