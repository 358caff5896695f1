import { analyzeTerms, ENGLISH_STOPWORDS, tokenizeWords } from '../text/analyze-text.js';

/**
 * Feature-hashing embedder: local, deterministic, no model download. Features are stemmed word unigrams,
 * word bigrams (over content words) and character n-grams of each content word (with word-boundary marks),
 * each hashed to a signed bucket; term counts are dampened (1 + ln tf), and the vector is L2-normalised, so a
 * dot product of two embeddings is their cosine similarity.
 */
export interface HashingEmbedderOptions {
  /** Vector length (default 384). */
  dimension?: number;
  /** Weight of a stemmed word unigram (default 1). */
  unigramWeight?: number;
  /** Weight of a bigram of adjacent content words (default 0.5). */
  bigramWeight?: number;
  /** Weight (L2 norm) of the character n-grams of one word occurrence (default 0.5). */
  charNgramWeight?: number;
  /** Shortest and longest character n-gram (default 3 and 5). */
  charNgramMin?: number;
  charNgramMax?: number;
}

export const DEFAULT_HASHING_OPTIONS: Required<HashingEmbedderOptions> = {
  dimension: 384,
  unigramWeight: 1,
  bigramWeight: 0.5,
  charNgramWeight: 0.5,
  charNgramMin: 3,
  charNgramMax: 5,
};

export interface HashingEmbedder {
  readonly dimension: number;
  /** Stable identifier of the embedding space (changes when any option changes). */
  readonly model: string;
  embed(text: string): number[];
}

/** FNV-1a over UTF-16 code units, then murmur3's finaliser for avalanche. */
export function hashFeature(feature: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < feature.length; i++) {
    h ^= feature.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function addFeature(vector: Float64Array, feature: string, weight: number): void {
  const h = hashFeature(feature);
  const index = h % vector.length;
  vector[index]! += h & 0x80000000 ? -weight : weight;
}

function countInto(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

export function createHashingEmbedder(options: HashingEmbedderOptions = {}): HashingEmbedder {
  const o = { ...DEFAULT_HASHING_OPTIONS, ...options };
  if (!Number.isInteger(o.dimension) || o.dimension < 8)
    throw new RangeError('dimension must be an integer ≥ 8');
  const model =
    `hashing-v1:d${o.dimension}:u${o.unigramWeight}:b${o.bigramWeight}` +
    `:c${o.charNgramWeight}:${o.charNgramMin}-${o.charNgramMax}`;

  function embed(text: string): number[] {
    const vector = new Float64Array(o.dimension);
    const terms = analyzeTerms(text);
    const features = new Map<string, number>();
    if (o.unigramWeight > 0) for (const term of terms) countInto(features, `w:${term}`);
    if (o.bigramWeight > 0) {
      for (let i = 1; i < terms.length; i++) countInto(features, `b:${terms[i - 1]} ${terms[i]}`);
    }
    for (const [feature, tf] of features) {
      const weight = feature.startsWith('w:') ? o.unigramWeight : o.bigramWeight;
      addFeature(vector, feature, weight * (1 + Math.log(tf)));
    }
    if (o.charNgramWeight > 0) {
      const grams = new Map<string, number>();
      for (const word of tokenizeWords(text)) {
        if (ENGLISH_STOPWORDS.has(word)) continue;
        const padded = `<${word}>`;
        const ofWord: string[] = [];
        for (let n = o.charNgramMin; n <= o.charNgramMax; n++) {
          for (let i = 0; i + n <= padded.length; i++) ofWord.push(padded.slice(i, i + n));
        }
        if (ofWord.length === 0) ofWord.push(padded);
        const share = 1 / Math.sqrt(ofWord.length); // each word's n-grams have L2 norm ≈ 1
        for (const gram of ofWord) grams.set(gram, (grams.get(gram) ?? 0) + share);
      }
      for (const [gram, mass] of grams) addFeature(vector, `c:${gram}`, o.charNgramWeight * mass);
    }
    let norm = 0;
    for (const value of vector) norm += value * value;
    norm = Math.sqrt(norm);
    const out = new Array<number>(o.dimension);
    for (let i = 0; i < o.dimension; i++) out[i] = norm > 0 ? vector[i]! / norm : 0;
    return out;
  }

  return { dimension: o.dimension, model, embed };
}
