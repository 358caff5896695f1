/**
 * An exact in-memory BM25 index over one collection's chunks, built from Postgres's own lexemes (the chunks'
 * tsvectors) so its scores equal the SQL of keyword-query-sql.ts:
 *
 *   idf(t)      = ln(1 + (n - df + 0.5) / (df + 0.5))          (df over the collection, n its chunk count)
 *   score(c, q) = Σ_t idf(t) · tf · (k1 + 1) / (tf + k1 · ((1 - b) + b · len / avgLength))
 *
 * with the same float8 operations in the same order. `n`, `avgLength` and each distinct df's idf are taken
 * from Postgres at build time (bit-exact `avg` and `ln`); ties are broken by the chunk's rank in Postgres's
 * `ORDER BY id` (its collation), as the SQL's `ORDER BY score DESC, id` does.
 *
 * Layout: compressed postings (term → chunk ordinals + term frequencies in typed arrays) and a per-chunk
 * length term, so a query is a few array walks into a score accumulator plus a top-k heap. Pure: no I/O.
 *
 * `searchExpanded` adds RM3 query expansion (keyword-expansion.ts): a first pass, the feedback chunks' term
 * frequencies from a chunk → terms view of the postings (built on the first expanded search, so an index
 * nobody expands pays no memory for it), and a second pass with weighted lexemes.
 */
import {
  expandKeywordQuery,
  type FeedbackDocument,
  type KeywordExpansion,
  type WeightedLexeme,
} from './keyword-expansion.js';

export interface Bm25Parameters {
  k1: number;
  b: number;
}

export const BM25_DEFAULTS: Bm25Parameters = { k1: 1.2, b: 0.75 };

/** One chunk as Postgres stores it: id, BM25 length, its distinct lexemes and their term frequencies. */
export interface IndexedChunk {
  id: string;
  length: number;
  lexemes: readonly string[];
  frequencies: readonly number[];
}

/** Collection statistics, as the SQL computes them (`count(*)`, `greatest(avg(length), 1)`). */
export interface CollectionStatistics {
  n: number;
  avgLength: number;
}

/** Computes idf for each document frequency; the shell asks Postgres so `ln` is the server's. */
export type IdfOf = (documentFrequencies: readonly number[]) => Promise<readonly number[]>;

export interface KeywordHit {
  id: string;
  score: number;
}

/** The plain JavaScript idf, for tests and callers that need no bit-exactness with the server. */
export const localIdf =
  (n: number): IdfOf =>
  (dfs) =>
    Promise.resolve(dfs.map((df) => Math.log(1 + (n - df + 0.5) / (df + 0.5))));

export class Bm25Index {
  private constructor(
    /** Chunk ids by ordinal; ordinals follow Postgres's `ORDER BY id`. */
    private readonly ids: readonly string[],
    /** term → [start, end) into `postingChunks` / `postingFrequencies` / `postingScores`. */
    private readonly terms: Map<string, number>,
    private readonly termStarts: Int32Array,
    private readonly postingChunks: Int32Array,
    /** Term frequencies: counts of positions (≤ 256 in a tsvector), exact in a float32. */
    private readonly postingFrequencies: Float32Array,
    /**
     * Each posting's BM25 term, computed at build time with the SQL's operations in its order (so a query
     * only adds them up): idf · tf · (k1 + 1) / (tf + k1 · ((1 - b) + b · len / avgLength)).
     */
    private readonly postingScores: Float64Array,
  ) {}

  /**
   * Builds the index. `chunks` must be in Postgres's `ORDER BY id` order (ties then follow it);
   * `stats` and `idfOf` should come from the same snapshot as the chunks.
   */
  static async build(
    chunks: readonly IndexedChunk[],
    stats: CollectionStatistics,
    idfOf: IdfOf,
    parameters: Bm25Parameters = BM25_DEFAULTS,
  ): Promise<Bm25Index> {
    const { k1, b } = parameters;
    const terms = new Map<string, number>();
    const counts: number[] = [];
    for (const chunk of chunks) {
      for (const lexeme of chunk.lexemes) {
        let term = terms.get(lexeme);
        if (term === undefined) {
          term = counts.length;
          terms.set(lexeme, term);
          counts.push(0);
        }
        counts[term]! += 1;
      }
    }
    const termStarts = new Int32Array(counts.length + 1);
    for (let t = 0; t < counts.length; t++) termStarts[t + 1] = termStarts[t]! + counts[t]!;
    const postingChunks = new Int32Array(termStarts[counts.length]!);
    const postingFrequencies = new Float32Array(postingChunks.length);
    const fill = termStarts.slice(0, counts.length);
    const lengthTerms = new Float64Array(chunks.length);
    chunks.forEach((chunk, ordinal) => {
      // the SQL's `${k1} * (${1 - b} + ${b} * m.len / s.avg_length)`, evaluated left to right
      lengthTerms[ordinal] = k1 * (1 - b + (b * chunk.length) / stats.avgLength);
      chunk.lexemes.forEach((lexeme, i) => {
        const term = terms.get(lexeme)!;
        const at = fill[term]!++;
        postingChunks[at] = ordinal;
        postingFrequencies[at] = chunk.frequencies[i]!;
      });
    });
    const distinct = [...new Set(counts)];
    const idfs = await idfOf(distinct);
    const idfByDf = new Map(distinct.map((df, i) => [df, idfs[i]!]));
    const k1PlusOne = k1 + 1;
    const postingScores = new Float64Array(postingChunks.length);
    for (let term = 0; term < counts.length; term++) {
      const idf = idfByDf.get(counts[term]!)!;
      for (let at = termStarts[term]!, end = termStarts[term + 1]!; at < end; at++) {
        const tf = postingFrequencies[at]!;
        // the SQL's `w.idf * m.tf * ${k1 + 1} / (m.tf + <length term>)`
        postingScores[at] = (idf * tf * k1PlusOne) / (tf + lengthTerms[postingChunks[at]!]!);
      }
    }
    return new Bm25Index(
      chunks.map((c) => c.id),
      terms,
      termStarts,
      postingChunks,
      postingFrequencies,
      postingScores,
    );
  }

  get size(): number {
    return this.ids.length;
  }

  /** Bytes held by the typed arrays (the id strings and the term map come on top). */
  get typedArrayBytes(): number {
    return (
      this.termStarts.byteLength +
      this.postingChunks.byteLength +
      this.postingFrequencies.byteLength +
      this.postingScores.byteLength +
      (this.forward
        ? this.forward.starts.byteLength + this.forward.terms.byteLength + this.forward.frequencies.byteLength
        : 0)
    );
  }

  /** Top `limit` chunks for the query's lexemes (distinct, as `to_tsvector` gives them), best first. */
  search(lexemes: readonly string[], limit: number): KeywordHit[] {
    return this.hits(this.rank(lexemes, limit));
  }

  /**
   * Top `limit` chunks for weighted lexemes: Σ weight · (the lexeme's BM25 term), best first. With every
   * weight 1 the scores equal `search`'s (x · 1 is exact).
   */
  searchWeighted(terms: readonly WeightedLexeme[], limit: number): KeywordHit[] {
    return this.hits(
      this.rank(
        terms.map((t) => t.lexeme),
        limit,
        terms.map((t) => t.weight),
      ),
    );
  }

  /**
   * RM3 (keyword-expansion.ts): the top `fbDocs` chunks of a plain search are the feedback, their lexemes
   * weighted into an expanded query, which a second pass ranks. Scores are the weighted sums (≤ a plain
   * search's scale: the weights sum to 1). Without feedback the ranking is plain BM25's.
   */
  searchExpanded(lexemes: readonly string[], limit: number, expansion: KeywordExpansion): KeywordHit[] {
    return this.searchWeighted(this.expandedQuery(lexemes, expansion), limit);
  }

  /** The weighted query `searchExpanded` runs for these lexemes (for inspection and tests). */
  expandedQuery(lexemes: readonly string[], expansion: KeywordExpansion): WeightedLexeme[] {
    // no feedback (no first-pass hit, or fbDocs 0): the query alone, at weight 1 / |Q| per lexeme
    const first = this.rank(lexemes, Math.max(0, expansion.fbDocs));
    return expandKeywordQuery(lexemes, first.length > 0 ? this.feedbackDocuments(first) : [], expansion);
  }

  private hits(ranked: readonly { ordinal: number; score: number }[]): KeywordHit[] {
    return ranked.map(({ ordinal, score }) => ({ id: this.ids[ordinal]!, score }));
  }

  /** The first pass's chunks with their lexemes and term frequencies, in rank order. */
  private feedbackDocuments(ranked: readonly { ordinal: number; score: number }[]): FeedbackDocument[] {
    const forward = this.forwardIndex();
    return ranked.map(({ ordinal, score }) => {
      const lexemes: string[] = [];
      const frequencies: number[] = [];
      for (let at = forward.starts[ordinal]!, end = forward.starts[ordinal + 1]!; at < end; at++) {
        lexemes.push(forward.lexemes[forward.terms[at]!]!);
        frequencies.push(forward.frequencies[at]!);
      }
      return { score, lexemes, frequencies };
    });
  }

  /** chunk → its terms and term frequencies: the postings transposed, built once on first use. */
  private forwardIndex(): NonNullable<Bm25Index['forward']> {
    if (this.forward) return this.forward;
    const chunks = this.ids.length;
    const termCount = this.termStarts.length - 1;
    const starts = new Int32Array(chunks + 1);
    for (let at = 0; at < this.postingChunks.length; at++) starts[this.postingChunks[at]! + 1]! += 1;
    for (let c = 0; c < chunks; c++) starts[c + 1] = starts[c + 1]! + starts[c]!;
    const terms = new Int32Array(this.postingChunks.length);
    // term frequencies are counts of positions (≤ 256 in a tsvector): exact in a float32
    const frequencies = new Float32Array(this.postingChunks.length);
    const fill = starts.slice(0, chunks);
    for (let term = 0; term < termCount; term++) {
      for (let at = this.termStarts[term]!, end = this.termStarts[term + 1]!; at < end; at++) {
        const i = fill[this.postingChunks[at]!]!++;
        terms[i] = term;
        frequencies[i] = this.postingFrequencies[at]!;
      }
    }
    // term ids were given in the map's insertion order
    this.forward = { starts, terms, frequencies, lexemes: [...this.terms.keys()] };
    return this.forward;
  }

  /** Ordinals and scores of the best `limit` chunks; `weights[i]` multiplies lexeme i's part (default 1). */
  private rank(
    lexemes: readonly string[],
    limit: number,
    weights?: readonly number[],
  ): { ordinal: number; score: number }[] {
    // one accumulator per index, reused: a search is synchronous, so no two searches interleave
    const scores = (this.accumulator ??= new Float64Array(this.ids.length));
    const seen = (this.seen ??= new Uint8Array(this.ids.length));
    const touched = (this.touched ??= new Int32Array(this.ids.length));
    const { postingChunks, postingScores, termStarts } = this;
    let count = 0;
    const done = new Set<string>();
    for (let i = 0; i < lexemes.length; i++) {
      const lexeme = lexemes[i]!;
      if (done.has(lexeme)) continue;
      done.add(lexeme);
      const term = this.terms.get(lexeme);
      if (term === undefined) continue;
      const weight = weights ? weights[i]! : 1;
      for (let at = termStarts[term]!, end = termStarts[term + 1]!; at < end; at++) {
        const ordinal = postingChunks[at]!;
        const part = weight * postingScores[at]!; // × 1 is exact: plain scores are the SQL's
        if (seen[ordinal]) {
          scores[ordinal] = scores[ordinal]! + part;
        } else {
          seen[ordinal] = 1;
          scores[ordinal] = part;
          touched[count++] = ordinal;
        }
      }
    }
    const best = topK(scores, touched, limit, count).map((ordinal) => ({ ordinal, score: scores[ordinal]! }));
    for (let k = 0; k < count; k++) seen[touched[k]!] = 0;
    return best;
  }

  private forward?: {
    starts: Int32Array;
    terms: Int32Array;
    frequencies: Float32Array;
    lexemes: readonly string[];
  };
  private accumulator?: Float64Array;
  private seen?: Uint8Array;
  private touched?: Int32Array;
}

/**
 * The best `limit` of the first `count` `candidates`, best first: higher score, then lower ordinal (Postgres's
 * id order). A bounded min-heap of ordinals holds the worst kept one at its root.
 */
export function topK(
  scores: Float64Array,
  candidates: ArrayLike<number>,
  limit: number,
  count = candidates.length,
): number[] {
  const size = Math.max(0, Math.min(limit, count));
  const heap = new Int32Array(size);
  // a ranks after b
  const after = (a: number, b: number) => {
    const sa = scores[a]!;
    const sb = scores[b]!;
    return sa < sb || (sa === sb && a > b);
  };
  let filled = 0;
  for (let k = 0; k < count; k++) {
    const ordinal = candidates[k]!;
    if (filled < size) {
      let i = filled++;
      heap[i] = ordinal;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!after(heap[i]!, heap[parent]!)) break;
        const swap = heap[i]!;
        heap[i] = heap[parent]!;
        heap[parent] = swap;
        i = parent;
      }
    } else if (size > 0 && after(heap[0]!, ordinal)) {
      heap[0] = ordinal;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let worst = i;
        if (l < size && after(heap[l]!, heap[worst]!)) worst = l;
        if (r < size && after(heap[r]!, heap[worst]!)) worst = r;
        if (worst === i) break;
        const swap = heap[i]!;
        heap[i] = heap[worst]!;
        heap[worst] = swap;
        i = worst;
      }
    }
  }
  return Array.from(heap).sort((a, b) => (after(a, b) ? 1 : -1));
}
