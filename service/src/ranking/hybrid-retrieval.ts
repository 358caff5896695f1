import { expandQueryVector } from './expand-query-vector.js';
import { fuseRankings, type FusedItem } from './fuse-rankings.js';

/**
 * The hybrid ranking shared by the service's search and the evaluation, so the eval measures what ships:
 *
 *   1. keyword list: BM25 over chunk tsvectors (keyword-query-sql.ts), `candidates` long;
 *   2. the query vector is moved towards the vectors of the top `feedback.chunks` keyword chunks (Rocchio
 *      pseudo-relevance feedback, weight `feedback.weight`) and a vector list of `candidates` is retrieved;
 *   3. both lists are fused with weighted reciprocal rank fusion (constant `fusion.k`).
 *
 * The I/O (SQL, vector store) stays with the callers; these functions decide everything in between.
 */
export interface HybridConfig {
  /** Chunks each retriever returns before fusion. */
  candidates: number;
  fusion: { k: number; keywordWeight: number; vectorWeight: number };
  feedback: { chunks: number; weight: number };
}

/** Tuned on Cranfield (see docs/benchmarks.md); the eval's DEFAULT_EVAL_CONFIG takes these values. */
export const HYBRID_DEFAULTS: Readonly<HybridConfig> = Object.freeze({
  candidates: 100,
  fusion: Object.freeze({ k: 60, keywordWeight: 1, vectorWeight: 1 }),
  feedback: Object.freeze({ chunks: 5, weight: 2 }),
});

/** Ids of the keyword chunks whose vectors feed the query expansion (best first). */
export function feedbackChunkIds(keywordIds: readonly string[], config: HybridConfig = HYBRID_DEFAULTS) {
  return config.feedback.chunks > 0 ? keywordIds.slice(0, config.feedback.chunks) : [];
}

/** The vector query of hybrid: the query vector expanded towards the feedback vectors (unit length). */
export function hybridQueryVector(
  queryVector: ArrayLike<number>,
  feedbackVectors: readonly ArrayLike<number>[],
  config: HybridConfig = HYBRID_DEFAULTS,
): number[] {
  return expandQueryVector(
    queryVector,
    config.feedback.chunks > 0 ? feedbackVectors.slice(0, config.feedback.chunks) : [],
    config.feedback.weight,
  );
}

/** Weighted RRF of the keyword list and the (expanded) vector list, best first. */
export function fuseHybrid(
  keywordIds: readonly string[],
  vectorIds: readonly string[],
  config: HybridConfig = HYBRID_DEFAULTS,
): FusedItem[] {
  return fuseRankings(
    [
      { ids: keywordIds, weight: config.fusion.keywordWeight },
      { ids: vectorIds, weight: config.fusion.vectorWeight },
    ],
    { k: config.fusion.k },
  );
}
