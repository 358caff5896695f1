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

/** 32-bit FNV-1a of a string. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Set of a text's word 3-shingles (word n-grams), each as a 52-bit number made from its words' hashes rather
 * than as a joined string: no string is built per shingle. Texts under `size` words give one item for
 * their words. Two different shingles share a number with odds of about 2^-52.
 */
export function shingleSet(text: string, size = 3): Set<number> {
  const hashes = tokenizeWords(text).map(fnv1a);
  const shingles = new Set<number>();
  const combine = (from: number, to: number) => {
    let high = 0x9e3779b9;
    for (let i = from; i < to - 1; i++) high = Math.imul(high ^ hashes[i]!, 0x85ebca6b) >>> 0;
    return (high & 0xfffff) * 0x100000000 + hashes[to - 1]!;
  };
  if (hashes.length < size) {
    if (hashes.length > 0) shingles.add(combine(0, hashes.length));
    return shingles;
  }
  for (let i = 0; i + size <= hashes.length; i++) shingles.add(combine(i, i + size));
  return shingles;
}

export function jaccardSimilarity<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): number {
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
  const kept: { item: T; shingles: Set<number> }[] = [];
  for (const item of ranked) {
    if (kept.length >= limit) break;
    const shingles = shingleSet(item.text);
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
