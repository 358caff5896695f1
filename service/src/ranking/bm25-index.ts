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
 */

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
    /** term → [start, end) into `postingChunks` / `postingFrequencies`. */
    private readonly terms: Map<string, number>,
    private readonly termStarts: Int32Array,
    private readonly termIdf: Float64Array,
    private readonly postingChunks: Int32Array,
    private readonly postingFrequencies: Float64Array,
    /** k1 · ((1 - b) + b · len / avgLength) per chunk. */
    private readonly lengthTerms: Float64Array,
    private readonly k1PlusOne: number,
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
    const postingFrequencies = new Float64Array(postingChunks.length);
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
    const termIdf = Float64Array.from(counts, (df) => idfByDf.get(df)!);
    return new Bm25Index(
      chunks.map((c) => c.id),
      terms,
      termStarts,
      termIdf,
      postingChunks,
      postingFrequencies,
      lengthTerms,
      k1 + 1,
    );
  }

  get size(): number {
    return this.ids.length;
  }

  /** Bytes held by the typed arrays (the id strings and the term map come on top). */
  get typedArrayBytes(): number {
    return (
      this.termStarts.byteLength +
      this.termIdf.byteLength +
      this.postingChunks.byteLength +
      this.postingFrequencies.byteLength +
      this.lengthTerms.byteLength
    );
  }

  /** Top `limit` chunks for the query's lexemes (distinct, as `to_tsvector` gives them), best first. */
  search(lexemes: readonly string[], limit: number): KeywordHit[] {
    // one accumulator per index, reused: a search is synchronous, so no two searches interleave
    const scores = (this.accumulator ??= new Float64Array(this.ids.length));
    const seen = (this.seen ??= new Uint8Array(this.ids.length));
    const touched: number[] = [];
    for (const lexeme of new Set(lexemes)) {
      const term = this.terms.get(lexeme);
      if (term === undefined) continue;
      const idf = this.termIdf[term]!;
      for (let at = this.termStarts[term]!, end = this.termStarts[term + 1]!; at < end; at++) {
        const ordinal = this.postingChunks[at]!;
        const tf = this.postingFrequencies[at]!;
        // the SQL's `w.idf * m.tf * ${k1 + 1} / (m.tf + <length term>)`
        const part = (idf * tf * this.k1PlusOne) / (tf + this.lengthTerms[ordinal]!);
        if (seen[ordinal]) {
          scores[ordinal] = scores[ordinal]! + part;
        } else {
          seen[ordinal] = 1;
          scores[ordinal] = part;
          touched.push(ordinal);
        }
      }
    }
    const best = topK(scores, touched, limit).map((ordinal) => ({
      id: this.ids[ordinal]!,
      score: scores[ordinal]!,
    }));
    for (const ordinal of touched) seen[ordinal] = 0;
    return best;
  }

  private accumulator?: Float64Array;
  private seen?: Uint8Array;
}

/** `a` ranks before `b`: higher score, then lower ordinal (Postgres's id order). */
const before = (scores: Float64Array, a: number, b: number): boolean => {
  const sa = scores[a]!;
  const sb = scores[b]!;
  return sa > sb || (sa === sb && a < b);
};

/** The best `limit` of `candidates`, best first, with a bounded min-heap (the worst kept one at the root). */
export function topK(scores: Float64Array, candidates: readonly number[], limit: number): number[] {
  if (limit <= 0) return [];
  const heap: number[] = [];
  const worse = (i: number, j: number) => before(scores, heap[j]!, heap[i]!);
  const swap = (i: number, j: number) => {
    [heap[i], heap[j]] = [heap[j]!, heap[i]!];
  };
  const siftDown = (from: number) => {
    for (let i = from; ;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < heap.length && worse(l, worst)) worst = l;
      if (r < heap.length && worse(r, worst)) worst = r;
      if (worst === i) return;
      swap(i, worst);
      i = worst;
    }
  };
  for (const ordinal of candidates) {
    if (heap.length < limit) {
      heap.push(ordinal);
      for (let i = heap.length - 1; i > 0;) {
        const parent = (i - 1) >> 1;
        if (!worse(i, parent)) break;
        swap(i, parent);
        i = parent;
      }
    } else if (before(scores, ordinal, heap[0]!)) {
      heap[0] = ordinal;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => (before(scores, a, b) ? -1 : 1));
}
