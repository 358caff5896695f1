import { tokenizeWords } from '../text/analyze-text.js';
import { cosineSimilarity } from './cosine-similarity.js';

export interface DuplicateCandidate {
  id: string;
  text: string;
  vector?: ArrayLike<number>;
  /**
   * An object that lives exactly as long as this `text` does (the process's cached chunk record): the text's
   * shingles are computed once and kept with it, instead of on every request that ranks it.
   */
  textOwner?: object;
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
 * A text's word 3-shingles (word n-grams), sorted and distinct, each as a 52-bit number made from its words'
 * hashes rather than as a joined string: no string is built per shingle, and two sets compare by one merge.
 * Texts under `size` words give one item for their words. Two different shingles share a number with odds
 * of about 2^-52.
 */
export function shingles(text: string, size = 3): Float64Array {
  const hashes = tokenizeWords(text).map(fnv1a);
  const combine = (from: number, to: number) => {
    let high = 0x9e3779b9;
    for (let i = from; i < to - 1; i++) high = Math.imul(high ^ hashes[i]!, 0x85ebca6b) >>> 0;
    return (high & 0xfffff) * 0x100000000 + hashes[to - 1]!;
  };
  if (hashes.length < size) return Float64Array.from(hashes.length > 0 ? [combine(0, hashes.length)] : []);
  const all = new Float64Array(hashes.length - size + 1);
  for (let i = 0; i + size <= hashes.length; i++) all[i] = combine(i, i + size);
  all.sort();
  let distinct = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[distinct - 1]) all[distinct++] = all[i]!;
  return all.subarray(0, distinct);
}

/** Jaccard similarity of two sorted, distinct shingle arrays (`shingles`). */
export function shingleJaccard(a: Float64Array, b: Float64Array): number {
  if (a.length === 0 && b.length === 0) return 1;
  let shared = 0;
  for (let i = 0, j = 0; i < a.length && j < b.length;) {
    if (a[i] === b[j]) {
      shared++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  return shared / (a.length + b.length - shared);
}

/** Shingles of texts whose owner said how long the text lives (`textOwner`): dropped with the owner. */
const shinglesByOwner = new WeakMap<object, { text: string; shingles: Float64Array }>();

function shinglesOf(item: DuplicateCandidate): Float64Array {
  if (!item.textOwner) return shingles(item.text);
  const kept = shinglesByOwner.get(item.textOwner);
  if (kept && kept.text === item.text) return kept.shingles;
  const computed = shingles(item.text);
  shinglesByOwner.set(item.textOwner, { text: item.text, shingles: computed });
  return computed;
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
  const kept: { item: T; shingles: Float64Array }[] = [];
  for (const item of ranked) {
    if (kept.length >= limit) break;
    const itemShingles = shinglesOf(item);
    const duplicate = kept.some(
      (other) =>
        (item.vector !== undefined &&
          other.item.vector !== undefined &&
          cosineSimilarity(item.vector, other.item.vector) >= cosineThreshold) ||
        shingleJaccard(itemShingles, other.shingles) >= shingleThreshold,
    );
    if (!duplicate) kept.push({ item, shingles: itemShingles });
  }
  return kept.map((entry) => entry.item);
}
