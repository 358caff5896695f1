import { tokenizeWords } from '../text/analyze-text.js';
import { cosineSimilarity } from './cosine-similarity.js';

export interface DuplicateCandidate {
  id: string;
  text: string;
  vector?: ArrayLike<number>;
}

export interface NearDuplicateOptions {
  /** Two items with vectors at or above this cosine are near-duplicates (default 0.95). */
  cosineThreshold?: number;
  /** Two items whose word 3-shingle sets have at least this Jaccard similarity are near-duplicates (0.8). */
  shingleThreshold?: number;
  /**
   * Stop once this many items are kept: the first `limit` distinct items are the same whether or not the
   * rest of the list is looked at (each item is only compared with items kept before it).
   */
  limit?: number;
}

/** Set of word 3-shingles (word n-grams) of a text; texts under 3 words give their words joined. */
export function wordShingles(text: string, size = 3): Set<string> {
  const words = tokenizeWords(text);
  const shingles = new Set<string>();
  if (words.length < size) {
    if (words.length > 0) shingles.add(words.join(' '));
    return shingles;
  }
  for (let i = 0; i + size <= words.length; i++) shingles.add(words.slice(i, i + size).join(' '));
  return shingles;
}

export function jaccardSimilarity(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const item of small) if (large.has(item)) shared++;
  return shared / (a.size + b.size - shared);
}

/**
 * Drops near-duplicates from a ranked list (best first), keeping the best-ranked item of each group.
 * Items are near-duplicates when their vectors' cosine or their shingle Jaccard reaches its threshold.
 */
export function suppressNearDuplicates<T extends DuplicateCandidate>(
  ranked: readonly T[],
  options: NearDuplicateOptions = {},
): T[] {
  const cosineThreshold = options.cosineThreshold ?? 0.95;
  const shingleThreshold = options.shingleThreshold ?? 0.8;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const kept: { item: T; shingles: Set<string> }[] = [];
  for (const item of ranked) {
    if (kept.length >= limit) break;
    const shingles = wordShingles(item.text);
    const duplicate = kept.some(
      (other) =>
        (item.vector !== undefined &&
          other.item.vector !== undefined &&
          cosineSimilarity(item.vector, other.item.vector) >= cosineThreshold) ||
        jaccardSimilarity(shingles, other.shingles) >= shingleThreshold,
    );
    if (!duplicate) kept.push({ item, shingles });
  }
  return kept.map((entry) => entry.item);
}
