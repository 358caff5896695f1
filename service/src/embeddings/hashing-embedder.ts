import { contentTerms, ENGLISH_STOPWORDS, tokenizeWords } from '../text/analyze-text.js';

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

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** One FNV-1a step: the state after one more UTF-16 code unit. */
const fnvStep = (state: number, code: number) => Math.imul(state ^ code, FNV_PRIME);

/** murmur3's finaliser (avalanche) of an FNV-1a state, as an unsigned 32-bit hash. */
function finalise(state: number): number {
  let h = state;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over UTF-16 code units, then murmur3's finaliser for avalanche. */
export function hashFeature(feature: string): number {
  return hashAfter(FNV_OFFSET, feature);
}

/** `hashFeature` of a prefix then `text`, given the FNV-1a state after the prefix (no string is built). */
function hashAfter(prefixState: number, text: string): number {
  let state = prefixState;
  for (let i = 0; i < text.length; i++) state = fnvStep(state, text.charCodeAt(i));
  return finalise(state);
}

/** The FNV-1a state after a feature prefix such as `w:`. */
const prefixState = (prefix: string) =>
  [...prefix].reduce((state, char) => fnvStep(state, char.charCodeAt(0)), FNV_OFFSET);
const UNIGRAM_STATE = prefixState('w:');
const BIGRAM_STATE = prefixState('b:');

/** Adds a feature, given by its hash, to its signed bucket. */
function addHashed(vector: Float64Array, h: number, weight: number): void {
  const index = h % vector.length;
  vector[index]! += h & 0x80000000 ? -weight : weight;
}

/** The FNV-1a state after the prefix of character n-gram features, `c:`. */
const CHAR_GRAM_STATE = prefixState('c:');

/**
 * Feature hash → summed mass, in first-insertion order, without boxing: a 32-bit hash is above V8's small
 * integers, so a `Map<number, number>` would allocate a heap number per key (most of an embedding's time).
 * Open addressing over a power-of-two table, reused across texts.
 */
class MassByHash {
  private slots = new Int32Array(0); // 0 = empty, else 1 + position in insertion order
  private hashes = new Uint32Array(0);
  private masses = new Float64Array(0);
  size = 0;

  /** Empties it, with room for `entries` keys. */
  reset(entries: number): void {
    let capacity = 16;
    while (capacity < entries * 2) capacity *= 2;
    if (this.slots.length < capacity) {
      this.slots = new Int32Array(capacity);
      this.hashes = new Uint32Array(capacity);
      this.masses = new Float64Array(capacity);
    } else this.slots.fill(0);
    this.size = 0;
  }

  add(h: number, mass: number): void {
    const mask = this.slots.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const at = this.slots[slot]!;
      if (at === 0) {
        this.hashes[this.size] = h;
        this.masses[this.size] = mass;
        this.slots[slot] = ++this.size;
        return;
      }
      if (this.hashes[at - 1] === h) {
        this.masses[at - 1]! += mass;
        return;
      }
    }
  }

  hashAt(i: number): number {
    return this.hashes[i]!;
  }

  massAt(i: number): number {
    return this.masses[i]!;
  }
}

/** Character n-grams, n = min…max, of a word of `length` code units with its two boundary marks. */
function gramCount(length: number, min: number, max: number): number {
  let count = 0;
  for (let n = min; n <= max; n++) count += Math.max(0, length + 2 - n + 1);
  return count;
}

/**
 * Adds the character n-grams of one word, with word-boundary marks (`<word>`), in the order n = min…max, then
 * by position; the n-grams of one word occurrence have L2 norm ≈ 1. Each gram is hashed as the feature
 * `c:<gram>` straight from the word's code units, with no string built per gram, and the grams that start at
 * one position share the steps of their common prefix (`hashes` is scratch space for them). (Two grams of one
 * text with the same 32-bit hash share one entry.)
 */
function addCharGrams(
  grams: MassByHash,
  codes: Uint16Array,
  hashes: Uint32Array,
  word: string,
  min: number,
  max: number,
): void {
  const length = word.length + 2;
  codes[0] = 60; // <
  for (let i = 0; i < word.length; i++) codes[i + 1] = word.charCodeAt(i);
  codes[length - 1] = 62; // >
  const count = gramCount(word.length, min, max);
  if (count === 0) {
    let state = CHAR_GRAM_STATE;
    for (let i = 0; i < length; i++) state = fnvStep(state, codes[i]!);
    grams.add(finalise(state), 1);
    return;
  }
  const share = 1 / Math.sqrt(count);
  // the hash of the gram of length n at `start` goes to hashes[(n - min) * length + start]
  for (let start = 0; start + min <= length; start++) {
    let state = CHAR_GRAM_STATE;
    for (let n = 1; n <= max && start + n <= length; n++) {
      state = fnvStep(state, codes[start + n - 1]!);
      if (n >= min) hashes[(n - min) * length + start] = finalise(state);
    }
  }
  // added in the order n = min…max, then by position, as the vector's sums depend on it
  for (let n = min; n <= max; n++) {
    for (let start = 0; start + n <= length; start++) grams.add(hashes[(n - min) * length + start]!, share);
  }
}

function countInto(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Adds each counted feature (`prefix` + key, hashed from `prefixState`) at weight × (1 + ln tf), in order. */
function addCounted(vector: Float64Array, counts: Map<string, number>, prefixState: number, weight: number) {
  for (const [key, tf] of counts) addHashed(vector, hashAfter(prefixState, key), weight * (1 + Math.log(tf)));
}

export function createHashingEmbedder(options: HashingEmbedderOptions = {}): HashingEmbedder {
  const o = { ...DEFAULT_HASHING_OPTIONS, ...options };
  if (!Number.isInteger(o.dimension) || o.dimension < 8)
    throw new RangeError('dimension must be an integer ≥ 8');
  if (!Number.isInteger(o.charNgramMin) || o.charNgramMin < 1 || o.charNgramMax < o.charNgramMin)
    throw new RangeError('character n-grams need 1 ≤ charNgramMin ≤ charNgramMax (integers)');
  const model =
    `hashing-v1:d${o.dimension}:u${o.unigramWeight}:b${o.bigramWeight}` +
    `:c${o.charNgramWeight}:${o.charNgramMin}-${o.charNgramMax}`;

  // scratch space of this embedder, reused by every text (an embedder is used by one thread)
  const grams = new MassByHash();
  let codes = new Uint16Array(64);
  let gramHashes = new Uint32Array(64 * (o.charNgramMax - o.charNgramMin + 1));

  function embed(text: string): number[] {
    const vector = new Float64Array(o.dimension);
    const words = tokenizeWords(text);
    const terms = contentTerms(words);
    // unigrams (`w:term`) in the order first seen, then bigrams (`b:term term`)
    if (o.unigramWeight > 0) {
      const unigrams = new Map<string, number>();
      for (const term of terms) countInto(unigrams, term);
      addCounted(vector, unigrams, UNIGRAM_STATE, o.unigramWeight);
    }
    if (o.bigramWeight > 0) {
      const bigrams = new Map<string, number>();
      for (let i = 1; i < terms.length; i++) countInto(bigrams, `${terms[i - 1]} ${terms[i]}`);
      addCounted(vector, bigrams, BIGRAM_STATE, o.bigramWeight);
    }
    if (o.charNgramWeight > 0) {
      const content = words.filter((word) => !ENGLISH_STOPWORDS.has(word));
      let total = 0;
      let longest = 0;
      for (const word of content) {
        total += Math.max(1, gramCount(word.length, o.charNgramMin, o.charNgramMax));
        longest = Math.max(longest, word.length + 2);
      }
      grams.reset(total);
      if (codes.length < longest) {
        codes = new Uint16Array(longest * 2);
        gramHashes = new Uint32Array(longest * 2 * (o.charNgramMax - o.charNgramMin + 1));
      }
      for (const word of content)
        addCharGrams(grams, codes, gramHashes, word, o.charNgramMin, o.charNgramMax);
      for (let i = 0; i < grams.size; i++)
        addHashed(vector, grams.hashAt(i), o.charNgramWeight * grams.massAt(i));
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
