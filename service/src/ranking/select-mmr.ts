import { cosineSimilarity } from './cosine-similarity.js';

export interface MmrCandidate {
  id: string;
  /** Relevance to the query (any scale: min-max normalised to [0, 1] inside). */
  score: number;
  vector: ArrayLike<number>;
}

/**
 * Maximal marginal relevance (Carbonell & Goldstein, 1998): repeatedly pick the candidate maximising
 * λ·relevance − (1 − λ)·max cosine similarity to the already selected ones. λ = 1 is plain relevance order;
 * λ = 0 is pure diversity. Returns at most `topK` candidates in selection order.
 */
export function selectMmr<T extends MmrCandidate>(
  candidates: readonly T[],
  options: { lambda?: number; topK?: number } = {},
): T[] {
  const lambda = options.lambda ?? 0.7;
  if (!(lambda >= 0 && lambda <= 1)) throw new RangeError('lambda must be within [0, 1]');
  const topK = Math.min(options.topK ?? candidates.length, candidates.length);
  if (topK <= 0) return [];
  const scores = candidates.map((c) => c.score);
  const max = Math.max(...scores);
  const min = Math.min(...scores);
  const relevance = scores.map((s) => (max > min ? (s - min) / (max - min) : 1));
  const maxSimilarity = candidates.map(() => 0);
  const remaining = new Set(candidates.map((_, i) => i));
  const selected: T[] = [];
  while (selected.length < topK) {
    let best = -1;
    let bestValue = -Infinity;
    for (const i of remaining) {
      const value = lambda * relevance[i]! - (1 - lambda) * maxSimilarity[i]!;
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    remaining.delete(best);
    const chosen = candidates[best]!;
    selected.push(chosen);
    for (const i of remaining) {
      const similarity = cosineSimilarity(candidates[i]!.vector, chosen.vector);
      if (similarity > maxSimilarity[i]!) maxSimilarity[i] = similarity;
    }
  }
  return selected;
}
