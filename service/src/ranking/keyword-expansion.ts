/**
 * RM3 pseudo-relevance feedback for the keyword side (ADR 0014), pure: no index, no I/O. Given the query's
 * lexemes and the top `fbDocs` chunks of a first BM25 pass (their scores and term frequencies):
 *
 *   weight(D)  = score(D) / Σ_D' score(D')                      (normalised first-pass scores)
 *   P(w|D)     = tf(w, D) / Σ_w' tf(w', D)                      (maximum likelihood over the chunk's lexemes)
 *   RM1(w)     = Σ_D weight(D) · P(w|D)                         (relevance model)
 *   RM1'(w)    = RM1(w) / Σ RM1 over the `fbTerms` best w      (ties: lexeme order)
 *   P(w|Q)     = 1 / |Q| for each distinct query lexeme
 *   RM3(w)     = α · P(w|Q) + (1 − α) · RM1'(w)                 (α = originalQueryWeight)
 *
 * The second pass scores Σ_w RM3(w) · bm25(w, D) (bm25-index.ts `searchWeighted`). A chunk's length here is
 * the sum of its lexemes' term frequencies (stop words are not lexemes), not the character length BM25
 * normalises by, so P(·|D) is a distribution over the words the index knows.
 */

/** RM3 parameters; absent in a request or variant: no expansion. */
export interface KeywordExpansion {
  /** First-pass chunks the relevance model is estimated from. */
  fbDocs: number;
  /** Expansion lexemes kept (the best by RM1 weight). */
  fbTerms: number;
  /** α: the original query's share of the final query's weight, 0..1. */
  originalQueryWeight: number;
}

/**
 * What a variant's `keywordExpansion: {}` gets (RM3 is off in control): chosen from a small grid by hybrid
 * nDCG@10 on the odd-numbered Cranfield questions, judged on the even ones (ADR 0014, docs/benchmarks.md).
 */
export const KEYWORD_EXPANSION_DEFAULTS: Readonly<KeywordExpansion> = Object.freeze({
  fbDocs: 5,
  fbTerms: 10,
  originalQueryWeight: 0.5,
});

/** One first-pass chunk: its BM25 score and its distinct lexemes with their term frequencies. */
export interface FeedbackDocument {
  score: number;
  lexemes: readonly string[];
  frequencies: readonly number[];
}

export interface WeightedLexeme {
  lexeme: string;
  weight: number;
}

const byWeightThenLexeme = (a: WeightedLexeme, b: WeightedLexeme): number =>
  b.weight - a.weight || (a.lexeme < b.lexeme ? -1 : a.lexeme > b.lexeme ? 1 : 0);

const byLexeme = (a: WeightedLexeme, b: WeightedLexeme): number =>
  a.lexeme < b.lexeme ? -1 : a.lexeme > b.lexeme ? 1 : 0;

/**
 * RM1 over the feedback chunks, cut to the `fbTerms` heaviest lexemes and renormalised to sum 1; heaviest
 * first. Empty when there is no feedback (no chunks, or no positive score).
 */
export function relevanceModel(feedback: readonly FeedbackDocument[], fbTerms: number): WeightedLexeme[] {
  const total = feedback.reduce((sum, d) => sum + (d.score > 0 ? d.score : 0), 0);
  if (!(total > 0) || fbTerms <= 0) return [];
  const weights = new Map<string, number>();
  for (const document of feedback) {
    if (!(document.score > 0)) continue;
    const length = document.frequencies.reduce((sum, tf) => sum + tf, 0);
    if (!(length > 0)) continue;
    const documentWeight = document.score / total;
    document.lexemes.forEach((lexeme, i) => {
      const p = document.frequencies[i]! / length;
      weights.set(lexeme, (weights.get(lexeme) ?? 0) + documentWeight * p);
    });
  }
  const kept = [...weights]
    .map(([lexeme, weight]) => ({ lexeme, weight }))
    .filter((w) => w.weight > 0)
    .sort(byWeightThenLexeme)
    .slice(0, fbTerms);
  const sum = kept.reduce((s, w) => s + w.weight, 0);
  return sum > 0 ? kept.map((w) => ({ lexeme: w.lexeme, weight: w.weight / sum })) : [];
}

/**
 * RM3: the original query (uniform over its distinct lexemes, weight α) interpolated with the relevance
 * model (weight 1 − α). Sorted by lexeme, so the second pass sums in a fixed order. Without a relevance model
 * the original query alone, at weight 1 / |Q| each (the same ranking as plain BM25); empty for an empty query.
 */
export function interpolateQuery(
  queryLexemes: readonly string[],
  relevance: readonly WeightedLexeme[],
  originalQueryWeight: number,
): WeightedLexeme[] {
  const distinct = [...new Set(queryLexemes)];
  if (distinct.length === 0) return [];
  const alpha = relevance.length === 0 ? 1 : Math.min(1, Math.max(0, originalQueryWeight));
  const weights = new Map<string, number>();
  for (const lexeme of distinct) weights.set(lexeme, alpha / distinct.length);
  for (const { lexeme, weight } of relevance) {
    weights.set(lexeme, (weights.get(lexeme) ?? 0) + (1 - alpha) * weight);
  }
  return [...weights]
    .map(([lexeme, weight]) => ({ lexeme, weight }))
    .filter((w) => w.weight > 0)
    .sort(byLexeme);
}

/** The whole RM3 query from the query's lexemes and its first-pass feedback chunks. */
export function expandKeywordQuery(
  queryLexemes: readonly string[],
  feedback: readonly FeedbackDocument[],
  expansion: KeywordExpansion,
): WeightedLexeme[] {
  const relevance = relevanceModel(feedback.slice(0, expansion.fbDocs), expansion.fbTerms);
  return interpolateQuery(queryLexemes, relevance, expansion.originalQueryWeight);
}
